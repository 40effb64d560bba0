"""Forms of the grid worker's phone pages: a patrol report and the check of a handled case.

The forms parse and check input only; whether an action is allowed (the worker's grid, a
category that may be resolved on the spot, the case's state) is decided by the actions.
"""

import uuid
from typing import NamedTuple

from django import forms
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.actions import MAX_DESCRIPTION, MAX_REASON
from civicgrid.categories.models import Category
from civicgrid.geo.locator import CRS_CHOICES
from civicgrid.lib import images
from civicgrid.org import access

REPORT, ON_SPOT = "report", "on_spot"
VERIFY, FAIL = "verify", "fail"


class Photo(NamedTuple):
    """An uploaded photo once cleaned: re-encoded pixels without any metadata."""

    data: bytes
    content_type: str


def photo_field(**kwargs) -> forms.FileField:
    # A plain file field: the upload is recognised by its content in ``images.clean_photo``.
    return forms.FileField(
        label=_("Photo"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"}), **kwargs
    )


class CategorySelect(forms.Select):
    """A select whose options say which categories may be resolved on the spot (``data-on-spot``),
    so that the page can offer that choice only where it applies."""

    def __init__(self, *args, on_spot_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.on_spot_ids = set(on_spot_ids)

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if str(value) in self.on_spot_ids:
            option["attrs"]["data-on-spot"] = "1"
        return option


def patrol_categories(user) -> list[Category]:
    """The problem categories (leaves) in ``user``'s scope, with their classes: one query."""
    return list(
        Category.objects.filter(active=True, kind__in=("component", "event"), parent__isnull=False)
        .filter(access.category_scope_q(user, "pk"))
        .select_related("parent")
        .order_by("parent__sort_order", "parent__code", "sort_order", "code")
    )


class ReportForm(forms.Form):
    """A patrol report: where, what, a photo, and whether it was already resolved on the spot."""

    lat = forms.FloatField(
        label=_("Latitude"),
        min_value=-90,
        max_value=90,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    lon = forms.FloatField(
        label=_("Longitude"),
        min_value=-180,
        max_value=180,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    # Set by the page: "wgs84" for the device's position or typed readings, the city's system
    # for a pin put on the map (the map is drawn in the city's coordinates).
    crs = forms.ChoiceField(choices=[(c, c) for c in CRS_CHOICES], initial="wgs84", widget=forms.HiddenInput)
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    description = forms.CharField(
        label=_("Description"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What is wrong, and for a problem resolved on the spot, what you did."),
    )
    photo = photo_field(help_text=_("Required when you resolve the problem on the spot."))
    mode = forms.ChoiceField(
        label=_("What happens next"),
        choices=[
            (REPORT, _("Report it for handling")),
            (ON_SPOT, _("I resolved it on the spot")),
        ],
        initial=REPORT,
        widget=forms.RadioSelect,
    )
    # Drawn once per page: sending the same form twice (a retry on a weak signal) files one case.
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        categories = patrol_categories(user)
        self.categories = {c.pk: c for c in categories}
        groups: dict[int, tuple[str, list]] = {}
        for c in categories:
            label = _("%(name)s (on the spot)") % {"name": c.name} if c.on_spot else c.name
            groups.setdefault(c.parent_id, (c.parent.name, []))[1].append((c.pk, label))
        self.fields["category"].choices = [("", _("Choose a category")), *groups.values()]
        self.fields["category"].widget = CategorySelect(
            choices=self.fields["category"].choices, on_spot_ids={str(c.pk) for c in categories if c.on_spot}
        )
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())

    def clean_category(self) -> Category:
        return self.categories[self.cleaned_data["category"]]

    def clean_photo(self):
        return _checked_photo(self.cleaned_data.get("photo"))

    def clean(self):
        data = super().clean()
        if data.get("mode") == ON_SPOT and not data.get("photo") and "photo" not in self.errors:
            self.add_error("photo", _("Add a photo of the result to resolve a problem on the spot."))
        return data


class VerifyForm(forms.Form):
    """The check of a handled case: fixed (with a photo) or not fixed (with a reason)."""

    decision = forms.ChoiceField(choices=[(VERIFY, _("Fixed")), (FAIL, _("Not fixed"))], widget=forms.HiddenInput)
    expected_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    photo = photo_field()
    reason = forms.CharField(
        label=_("What is still wrong"),
        max_length=MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_photo(self):
        return _checked_photo(self.cleaned_data.get("photo"))

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision == VERIFY and not data.get("photo") and "photo" not in self.errors:
            self.add_error("photo", _("Add a photo showing the problem is fixed."))
        if decision == FAIL and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say what is still wrong, so that the unit knows what to redo."))
        return data


def _checked_photo(upload) -> Photo | None:
    """The cleaned photo (no GPS position or other metadata survives), or a form error."""
    if not upload:
        return None
    try:
        return Photo(*images.clean_photo(upload))
    except images.InvalidPhoto as e:
        raise forms.ValidationError(str(e)) from e


class LocateForm(forms.Form):
    """A point to look up: the device's position (WGS-84) or a pin on the map (the city's system)."""

    lat = forms.FloatField(min_value=-90, max_value=90)
    lon = forms.FloatField(min_value=-180, max_value=180)
    crs = forms.ChoiceField(choices=[(c, c) for c in CRS_CHOICES], required=False)

    def clean_crs(self) -> str:
        return self.cleaned_data["crs"] or "wgs84"
