"""Input of the GeoReport v2 endpoints: the POST of a service request and the filters of the
request list, plus the querysets of what the endpoints may publish."""

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.cases.actions import MAX_DESCRIPTION
from civicgrid.cases.models import Case
from civicgrid.categories.models import Category
from civicgrid.lib.refreshing import Refreshing

# The spec's default window and the most requests one list returns.
WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
STATUSES = ("open", "closed")
LEAF_KINDS = (Category.Kind.COMPONENT, Category.Kind.EVENT)


def problem_categories():
    """Leaf problem categories residents may report, current or retired (old cases keep their code)."""
    return Category.objects.filter(public=True, parent__isnull=False, kind__in=LEAF_KINDS).select_related("parent")


def service_categories():
    """The services offered today: the active leaves of ``problem_categories``."""
    return problem_categories().filter(active=True)


def public_cases():
    """The cases the endpoint publishes: problems in public problem categories. Disputes,
    grievances and tips are never listed."""
    return Case.objects.filter(
        kind=Case.Kind.PROBLEM,
        category__public=True,
        category__parent__isnull=False,
        category__kind__in=LEAF_KINDS,
    ).select_related("category", "owner_unit")


# The services offered, by code, as each process last read them: read at most every
# SERVICE_CHECK_SECONDS, and at once after a category is saved or deleted in this process
# (``apps.py``), so that a submission does not look its category up in the database.
SERVICE_CHECK_SECONDS = 5.0
SERVICES = Refreshing(lambda: {c.code: c for c in service_categories()}, SERVICE_CHECK_SECONDS)


def _comma_list(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


class W3CDateTimeField(forms.Field):
    """A W3C datetime (``2026-01-31T08:00:00Z``, ``…+08:00``) or date (``2026-01-31``).
    A value without a UTC offset is read in the city's time zone."""

    default_error_messages = {
        "invalid": gettext_lazy("Use a W3C datetime such as 2026-01-31T08:00:00+08:00."),
    }

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        try:
            parsed = parse_datetime(value)
            if parsed is None:
                day = parse_date(value)
                parsed = datetime.combine(day, time.min) if day else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        return parsed


class ServiceRequestForm(forms.Form):
    """POST requests: a service request as the spec sends it (form-encoded). The API key is
    checked by the view before this form runs."""

    service_code = forms.CharField(max_length=20)
    lat = forms.FloatField(required=False)
    long = forms.FloatField(required=False)
    address_string = forms.CharField(required=False, max_length=300)
    address_id = forms.CharField(required=False, max_length=100)
    description = forms.CharField(max_length=MAX_DESCRIPTION)
    # Accepted so that clients which always send it keep working; a case holds uploaded photos
    # only, and the server does not fetch remote media.
    media_url = forms.URLField(required=False, max_length=500, assume_scheme="https")
    email = forms.EmailField(required=False, max_length=120)
    phone = forms.CharField(required=False, max_length=30)
    # Accepted and not kept: a report needs no name, and the device and account are the client's.
    first_name = forms.CharField(required=False, max_length=100)
    last_name = forms.CharField(required=False, max_length=100)
    device_id = forms.CharField(required=False, max_length=100)
    account_id = forms.CharField(required=False, max_length=100)

    def clean_service_code(self):
        code = self.cleaned_data["service_code"]
        category = SERVICES.get().get(code)
        if category is None:
            raise forms.ValidationError(_("Unknown service_code %(code)s.") % {"code": code}, code="unknown")
        self.category = category
        return code

    def clean(self):
        data = super().clean()
        lat, lon = data.get("lat"), data.get("long")
        if "lat" in self.errors or "long" in self.errors:
            return data
        if lat is None and lon is None:
            if data.get("address_string") or data.get("address_id"):
                self.add_error(
                    "lat",
                    _(
                        "Addresses cannot be placed on the map here: send the position as lat and long "
                        "(WGS-84 degrees)."
                    ),
                )
            else:
                self.add_error("lat", _("Send the position as lat and long (WGS-84 degrees)."))
        elif lat is None or lon is None:
            self.add_error("lat" if lat is None else "long", _("Send both lat and long."))
        return data

    @property
    def contact(self) -> str:
        """How to reach the reporter (email, else phone); stored on the case and never published."""
        return self.cleaned_data.get("email") or self.cleaned_data.get("phone") or ""


class RequestsQueryForm(forms.Form):
    """GET requests: the spec's filters. ``service_request_id`` overrides every other filter;
    without it the list covers at most ``WINDOW`` (by default the last 90 days)."""

    service_request_id = forms.CharField(required=False)
    service_code = forms.CharField(required=False)
    start_date = W3CDateTimeField(required=False)
    end_date = W3CDateTimeField(required=False)
    status = forms.CharField(required=False)

    def clean_service_request_id(self) -> list[str]:
        return _comma_list(self.cleaned_data["service_request_id"])[:MAX_REQUESTS]

    def clean_service_code(self) -> list[str]:
        codes = _comma_list(self.cleaned_data["service_code"])
        if codes:
            known = set(problem_categories().filter(code__in=codes).values_list("code", flat=True))
            unknown = [c for c in codes if c not in known]
            if unknown:
                raise forms.ValidationError(
                    _("Unknown service_code %(code)s.") % {"code": ", ".join(unknown)}, code="unknown"
                )
        return codes

    def clean_status(self) -> list[str]:
        statuses = _comma_list(self.cleaned_data["status"])
        bad = [s for s in statuses if s not in STATUSES]
        if bad:
            raise forms.ValidationError(
                _("Unknown status %(status)s: use open or closed.") % {"status": ", ".join(bad)}, code="invalid"
            )
        return statuses

    def clean(self):
        data = super().clean()
        if "start_date" in self.errors or "end_date" in self.errors:
            return data
        start, end = data.get("start_date"), data.get("end_date")
        if start is None and end is None:
            end = timezone.now()
            start = end - WINDOW
        elif start is None:
            start = end - WINDOW
        elif end is None:
            end = start + WINDOW
        elif start > end:
            self.add_error("end_date", _("end_date is before start_date."))
        elif end - start > WINDOW:
            self.add_error("end_date", _("The dates may span at most %(days)s days.") % {"days": WINDOW.days})
        data["start_date"], data["end_date"] = start, end
        return data
