"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), mounted at /open311/v2/.

Every resource answers in JSON or XML after its extension. Reads are public; a POST needs an
API key (``org/apikeys.py``) and creates the case through ``do_report_case``, so an Open311
report follows the same workflow, deadlines and checks as any other. Errors use the spec's
document (``[{"code", "description"}]``) and the matching HTTP status; a refused POST writes
nothing.
"""

from contextlib import contextmanager
from functools import wraps

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from civicgrid.cases.actions import CaseError, do_report_case
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.workflow import problem
from civicgrid.open311 import serializers
from civicgrid.open311.forms import (
    MAX_REQUESTS,
    RequestsQueryForm,
    ServiceRequestForm,
    public_cases,
    service_categories,
)
from civicgrid.open311.serializers import FORMATS, XML, error, render, render_errors
from civicgrid.org.apikeys import check_api_key, record_api_key_use

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When the shape of this endpoint (its resources and fields) last changed; clients use it to
# decide whether to refresh what they cached.
CHANGESET = "2026-11-29T00:00:00Z"
# The client's Idempotency-Key is stored with the key id as ``open311:<id>:<key>`` (120 at most).
MAX_IDEMPOTENCY_KEY = 80
# Events are fetched for this many cases per query (SQLite caps the parameters of one query).
EVENT_BATCH = 500


class Open311Error(Exception):
    """A refused call, answered with the spec's error document and ``status``."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__(*descriptions)
        self.status = status
        self.errors = [error(status, d) for d in descriptions]

    @classmethod
    def from_form(cls, form) -> "Open311Error":
        return cls(400, *(f"{field}: {message}" for field, messages in form.errors.items() for message in messages))


@contextmanager
def _language(request):
    """Answer in the language of ``?locale=`` when it names one we have; otherwise as negotiated
    (Accept-Language, then the default)."""
    wanted = request.GET.get("locale", "").strip()
    try:
        language = translation.get_supported_language_variant(wanted) if wanted else None
    except LookupError:
        language = None
    if language is None:
        yield
    else:
        with translation.override(language):
            yield


def endpoint(*methods):
    """An Open311 resource: checks the format and the method, answers errors in the spec's form.

    Clients authenticate with an API key, never with a cookie, so there is no CSRF to guard."""
    allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, fmt, **kwargs):
            with _language(request):
                if fmt not in FORMATS:
                    message = _("Unknown format %(format)s: use json or xml.") % {"format": fmt}
                    return render_errors(XML, [error(404, message)], 404)
                if request.method not in allowed:
                    response = render_errors(
                        fmt,
                        [error(405, _("Method %(method)s is not allowed here.") % {"method": request.method})],
                        405,
                    )
                    response["Allow"] = ", ".join(sorted(allowed))
                    return response
                try:
                    return view(request, *args, fmt=fmt, **kwargs)
                except Open311Error as e:
                    return render_errors(fmt, e.errors, e.status)

        return csrf_exempt(wrapper)

    return decorate


# --- services -----------------------------------------------------------------------------------


@endpoint("GET")
def discovery(request, fmt):
    services_url = request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": fmt}))
    return render(
        fmt,
        "discovery",
        {
            "changeset": CHANGESET,
            "contact": _("The city's governance centre answers questions about this service."),
            "key_service": _("API keys for submitting requests are issued by the city's administrators."),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": services_url.rsplit("/", 1)[0],
                    "changeset": CHANGESET,
                    "type": "test" if settings.DEBUG else "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@endpoint("GET")
def services(request, fmt):
    return render(fmt, "services", [serializers.service(c) for c in service_categories()])


@endpoint("GET")
def service_definition(request, code, fmt):
    category = service_categories().filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("Unknown service_code %(code)s.") % {"code": code})
    return render(fmt, "service_definition", serializers.service_definition(category))


# --- service requests ---------------------------------------------------------------------------


def last_note_events(cases) -> dict[int, CaseEvent]:
    """The last public event of each case whose action explains its status (``NOTE_ACTIONS``)."""
    found: dict[int, CaseEvent] = {}
    ids = [c.pk for c in cases]
    for i in range(0, len(ids), EVENT_BATCH):
        events = (
            CaseEvent.objects.filter(
                case_id__in=ids[i : i + EVENT_BATCH], public=True, action__in=serializers.NOTE_ACTIONS
            )
            .order_by("case_id", "-seq")
            .only("case_id", "seq", "action", "reason", "payload")
        )
        for event in events:
            found.setdefault(event.case_id, event)
    return found


def _documents(cases) -> list[dict]:
    notes = last_note_events(cases)
    return [serializers.service_request(c, notes.get(c.pk)) for c in cases]


def find_requests(filters) -> list[Case]:
    """The cases matching the cleaned ``RequestsQueryForm`` filters, newest first, at most MAX_REQUESTS."""
    cases = public_cases()
    if filters["service_request_id"]:
        cases = cases.filter(number__in=filters["service_request_id"])
    else:
        cases = cases.filter(reported_at__gte=filters["start_date"], reported_at__lte=filters["end_date"])
        if filters["service_code"]:
            cases = cases.filter(category__code__in=filters["service_code"])
        statuses = set(filters["status"])
        if statuses == {"open"}:
            cases = cases.filter(status__in=problem.OPEN)
        elif statuses == {"closed"}:
            cases = cases.filter(status__in=serializers.CLOSED_STATES)
    return list(cases.order_by("-reported_at", "-id")[:MAX_REQUESTS])


@endpoint("GET", "POST")
def service_requests(request, fmt):
    if request.method == "POST":
        return _post_service_request(request, fmt)
    form = RequestsQueryForm(request.GET)
    if not form.is_valid():
        raise Open311Error.from_form(form)
    return render(fmt, "service_requests", _documents(find_requests(form.cleaned_data)))


def _post_service_request(request, fmt):
    # Nothing is written before the case: a refused request leaves the key's "last used" stamp
    # alone, and the case and its first event are one transaction (``create_case``).
    key = check_api_key(request.POST.get("api_key") or request.GET.get("api_key"), record_use=False)
    if key is None:
        raise Open311Error(403, _("A valid api_key is required to submit a request."))
    form = ServiceRequestForm(request.POST)
    if not form.is_valid():
        raise Open311Error.from_form(form)
    header = request.headers.get("Idempotency-Key", "").strip()
    if len(header) > MAX_IDEMPOTENCY_KEY:
        message = _("The Idempotency-Key header is too long (at most %(n)s characters).")
        raise Open311Error(400, message % {"n": MAX_IDEMPOTENCY_KEY})
    data = form.cleaned_data
    try:
        case, created = do_report_case(
            acting_user=key.user,
            category=form.category,
            lat=data["lat"],
            lon=data["long"],
            crs="wgs84",
            description=data["description"],
            source=Case.Source.OPEN311,
            address=data["address_string"],
            contact=form.contact,
            contact_shared=False,
            idempotency_key=f"open311:{key.pk}:{header}" if header else None,
        )
    except CaseError as e:
        raise Open311Error(e.status, e.message) from e
    record_api_key_use(key)
    return render(fmt, "service_requests", [serializers.created_request(case)], status=201 if created else 200)


@endpoint("GET")
def service_request(request, request_id, fmt):
    case = public_cases().filter(number=request_id).first()
    if case is None:
        raise Open311Error(404, _("Unknown service_request_id %(id)s.") % {"id": request_id})
    return render(fmt, "service_requests", _documents([case]))


@endpoint("GET")
def token(request, token, fmt):
    """Requests are created at once and their id is returned by the POST, so no token is ever
    issued; a client that asks anyway with the request id gets it back."""
    case = public_cases().filter(number=token).first()
    if case is None:
        raise Open311Error(404, _("Unknown token %(token)s.") % {"token": token})
    return render(fmt, "service_requests", [{"service_request_id": case.number, "token": case.number}])
