"""The JSON API (django-ninja), mounted at /api/v1/. Each app contributes a router."""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from civicgrid.cases.actions import CaseError
from civicgrid.cases.api import router as cases_router
from civicgrid.disputes.api import router as disputes_router
from civicgrid.geo.api import router as geo_router
from civicgrid.grievances.api import router as grievances_router
from civicgrid.tips.api import router as tips_router

api = NinjaAPI(title="CivicGrid API", version="1", urls_namespace="api-v1")


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    """Answer bad input with one readable message plus the field details."""
    first = exc.errors[0] if exc.errors else {}
    where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "input"
    message = _("Invalid %(where)s: %(msg)s") % {"where": where, "msg": first.get("msg", "")}
    return api.create_response(request, {"message": message, "errors": exc.errors}, status=422)


@api.exception_handler(CaseError)
def case_error(request, exc: CaseError):
    """A refused action: its status (400, 403 or 409) and its message."""
    return api.create_response(request, {"message": exc.message}, status=exc.status)


@api.exception_handler(Http404)
def not_found(request, exc: Http404):
    """Missing and not-yours look the same."""
    return api.create_response(request, {"message": _("Not found.")}, status=404)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    """Authentication (401), CSRF (403) and the like, in the same shape as every other error."""
    return api.create_response(request, {"message": str(exc)}, status=exc.status_code)


api.add_router("/", geo_router)
api.add_router("/", cases_router)
api.add_router("/", disputes_router)
api.add_router("/", tips_router)
api.add_router("/grievances", grievances_router)
