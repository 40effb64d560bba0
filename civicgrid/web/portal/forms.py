"""Forms of the resident portal. They parse and check input; whether an action is allowed (the
case's state, who holds the link, the reopen window) is decided by ``cases/actions.py``."""

import re
import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.actions import MAX_DESCRIPTION, MAX_REASON, CaseError, locate_report
from civicgrid.cases.workflow import problem
from civicgrid.categories.models import Category
from civicgrid.geo.locator import CRS_CHOICES
from civicgrid.geo.models import Region
from civicgrid.lib.images import InvalidPhoto, clean_photo

MAX_PHOTOS = 3
MAX_ADDRESS = 300
MAX_CONTACT = 120
NUMBER_RE = re.compile(r"^[0-9A-Z]{1,20}$")


def report_categories() -> list[Category]:
    """What a resident may report: active public leaf categories of the component and event
    classes, with their classes, in the taxonomy's order. One query."""
    return list(
        Category.objects.filter(
            active=True,
            public=True,
            kind__in=(Category.Kind.COMPONENT, Category.Kind.EVENT),
            parent__isnull=False,
            parent__active=True,
        )
        .select_related("parent")
        .order_by("parent__sort_order", "parent__code", "sort_order", "code")
    )


class CategoryChoiceMixin:
    """A ``category`` field offering ``report_categories()`` grouped by class (``<optgroup>``);
    cleaned to the ``Category``."""

    def _set_category_choices(self):
        categories = report_categories()
        self.categories = {c.pk: c for c in categories}
        groups: dict[int, tuple[str, list]] = {}
        for c in categories:
            groups.setdefault(c.parent_id, (c.parent.name, []))[1].append((c.pk, c.name))
        self.fields["category"].choices = [("", _("Choose what is wrong")), *groups.values()]

    def clean_category(self) -> Category:
        return self.categories[self.cleaned_data["category"]]


class PointMixin:
    """``lat``, ``lon`` and ``crs`` fields checked together: both numbers are needed, and the
    point must lie in the city (``cleaned_data["where"]`` is then ``(x, y, Location)``)."""

    def _clean_point(self, data):
        if "lat" in self.errors or "lon" in self.errors or "crs" in self.errors:
            return
        if data.get("lat") is None or data.get("lon") is None:
            self.add_error("lat", _("Put a pin on the map, use your location or enter the coordinates."))
            return
        try:
            data["where"] = locate_report(data["lat"], data["lon"], data["crs"])
        except CaseError as e:
            self.add_error("lat", e.message)


def _coordinate(label, limit):
    return forms.FloatField(
        label=label,
        required=False,
        min_value=-limit,
        max_value=limit,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"}),
    )


def _crs_field():
    # Set by the page: the city's system for a pin put on the map (the map is drawn in it),
    # "wgs84" for the device's position. Someone typing a GPS reading chooses it.
    return forms.ChoiceField(
        label=_("Coordinates from"),
        choices=[("gcj02", _("the map (GCJ-02)")), ("wgs84", _("a GPS device (WGS-84)"))],
        initial=settings.CITY_CRS,
    )


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to ``MAX_PHOTOS`` photos, each re-encoded by ``clean_photo`` (no metadata, no GPS
    position survives). Cleans to a list of JPEG byte strings."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def clean(self, data, initial=None):
        uploads = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not uploads:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        if len(uploads) > MAX_PHOTOS:
            raise forms.ValidationError(_("Add at most %(n)s photos.") % {"n": MAX_PHOTOS}, code="max_photos")
        cleaned = []
        for upload in uploads:
            try:
                jpeg, _content_type = clean_photo(upload)
            except InvalidPhoto as e:
                raise forms.ValidationError(f"{upload.name}: {e}", code="invalid_photo") from e
            cleaned.append(jpeg)
        return cleaned


class ReportForm(CategoryChoiceMixin, PointMixin, forms.Form):
    """A resident's report: where, what, up to three photos and an optional contact."""

    category = forms.TypedChoiceField(
        label=_("Kind of problem"),
        coerce=int,
        error_messages={"required": _("Choose what is wrong.")},
    )
    lat = _coordinate(_("Latitude"), 90)
    lon = _coordinate(_("Longitude"), 180)
    crs = _crs_field()
    address = forms.CharField(
        label=_("Address or landmark (optional)"),
        max_length=MAX_ADDRESS,
        required=False,
        help_text=_("Helps the unit find the place. Seen only by the staff handling it, and by you."),
    )
    description = forms.CharField(
        label=_("Describe the problem"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 5, "aria-describedby": "description-hint"}),
        error_messages={"required": _("Describe the problem.")},
        help_text=_(
            "This text is shown publicly on the map of reported problems. "
            "Do not write names, phone numbers or other personal details in it."
        ),
    )
    photos = PhotosField(
        label=_("Photos (optional, up to 3)"),
        required=False,
        help_text=_(
            "JPEG, PNG or WebP. Photos are stored without their location and camera data, and "
            "are seen only by the staff handling the report and by you."
        ),
    )
    contact = forms.CharField(
        label=_("Your email or phone (optional)"),
        max_length=MAX_CONTACT,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "email"}),
        help_text=_("To be told of progress. Leave it empty to stay anonymous."),
    )
    contact_shared = forms.BooleanField(
        label=_("Let the handling unit see my contact"),
        required=False,
        help_text=_(
            "Without this, staff see it partly hidden (138****5678) and it is used only to tell you of progress."
        ),
    )
    # Drawn once per page: sending the same form twice (a double click, a retry) files one case.
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    # Set once the resident has been shown the open reports of the same kind nearby.
    duplicates_checked = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_category_choices()
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())

    def clean(self):
        data = super().clean()
        self._clean_point(data)
        if not (data.get("contact") or "").strip():
            data["contact_shared"] = False
        return data


class NearbyForm(CategoryChoiceMixin, PointMixin, forms.Form):
    """The question behind "Is it one of these?": a category and a point."""

    category = forms.TypedChoiceField(coerce=int)
    lat = _coordinate(_("Latitude"), 90)
    lon = _coordinate(_("Longitude"), 180)
    crs = forms.ChoiceField(choices=[(c, c) for c in CRS_CHOICES])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_category_choices()

    def clean(self):
        data = super().clean()
        self._clean_point(data)
        return data


class SupportForm(forms.Form):
    """ "Me too": the supporter may leave a contact to be told of progress."""

    contact = forms.CharField(max_length=MAX_CONTACT, required=False)


# --- following a report ---------------------------------------------------------------------


def clean_number(value: str) -> str:
    """A tracking number as people type it: case and spaces or dashes do not matter."""
    return re.sub(r"[\s-]+", "", value or "").upper()


class LookupForm(forms.Form):
    number = forms.CharField(
        label=_("Tracking number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )

    def clean_number(self) -> str:
        number = clean_number(self.cleaned_data["number"])
        if not NUMBER_RE.match(number):
            raise forms.ValidationError(_("A tracking number has up to 20 letters and digits."))
        return number


class VersionedForm(forms.Form):
    """An action on the case as the page showed it: a stale ``version`` is refused."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class VerifyForm(VersionedForm):
    pass


class FailVerificationForm(VersionedForm):
    reason = forms.CharField(
        label=_("What is still wrong?"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what is still wrong, so that the unit knows what to redo.")},
    )


class ReopenForm(VersionedForm):
    reason = forms.CharField(
        label=_("Why should it be reopened?"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the problem is back or was not solved.")},
    )


RATING_LABELS = {3: _("Satisfied"), 2: _("Basically satisfied"), 1: _("Not satisfied")}
RATING_CHOICES = [(r, RATING_LABELS[r]) for r in problem.RATINGS]


class RateForm(VersionedForm):
    rating = forms.TypedChoiceField(
        label=_("How was it handled?"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a rating.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- the public map -------------------------------------------------------------------------

OPEN, CLOSED = "open", "closed"


class MapFilterForm(forms.Form):
    """Filters of the public map and list. Invalid values are dropped, not fatal."""

    district = forms.ChoiceField(label=_("District"), required=False)
    street = forms.ChoiceField(label=_("Street / town"), required=False)
    category = forms.ChoiceField(label=_("Kind of problem"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open and closed")), (OPEN, _("Open")), (CLOSED, _("Closed"))],
    )
    number = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        districts = Region.objects.filter(level=Region.Level.DISTRICT, valid_to__isnull=True).only(
            "code", "name_zh", "name_en"
        )
        self.districts = {r.code: r.name for r in districts}
        self.fields["district"].choices = [("", _("All districts")), *self.districts.items()]
        self.streets = {}
        district = self.data.get("district") if self.is_bound else None
        if district in self.districts:
            streets = Region.objects.filter(
                level=Region.Level.STREET, parent__code=district, valid_to__isnull=True
            ).only("code", "name_zh", "name_en")
            self.streets = {r.code: r.name for r in streets}
        self.fields["street"].choices = [("", _("All streets")), *self.streets.items()]
        classes = Category.objects.filter(
            parent__isnull=True, public=True, active=True, kind__in=(Category.Kind.COMPONENT, Category.Kind.EVENT)
        ).only("pk", "code", "name_zh", "name_en")
        self.classes = {c.code: c for c in classes}
        self.fields["category"].choices = [("", _("All kinds")), *((c.code, c.name) for c in self.classes.values())]

    def clean_number(self) -> str:
        number = clean_number(self.cleaned_data.get("number", ""))
        return number if NUMBER_RE.match(number) else ""

    def filters(self) -> dict:
        """The valid filters: ``{"district": code, ...}``; an invalid value counts as not given."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v}
