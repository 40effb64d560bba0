"""The JSON API (django-ninja), mounted at /api/v1/. Each app contributes a router."""

from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import ValidationError

from civicgrid.geo.api import router as geo_router

api = NinjaAPI(title="CivicGrid API", version="1", urls_namespace="api-v1")


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    """Answer bad input with one readable message plus the field details."""
    first = exc.errors[0] if exc.errors else {}
    where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "input"
    message = _("Invalid %(where)s: %(msg)s") % {"where": where, "msg": first.get("msg", "")}
    return api.create_response(request, {"message": message, "errors": exc.errors}, status=422)


api.add_router("/", geo_router)
