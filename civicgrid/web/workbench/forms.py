"""Forms of the workbench: queue filters, one small form per case action, bulk dispatch.

``ACTIONS`` maps a workflow action to its form and its function in ``cases/actions.py`` (the
same idea as the JSON API's ``STAFF_ACTIONS``). Which actions a user may take, and whether one
needs a reason, come from the workflow table (``cases/workflow/problem.py``); the forms only
collect the input.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.cases import actions, deadlines, photos, routing
from civicgrid.cases.actions import MAX_REASON, CaseError
from civicgrid.cases.models import Attachment, Case
from civicgrid.cases.photos import MAX_PHOTOS_PER_REQUEST, MAX_STAFF_PHOTOS, STAFF_PURPOSES
from civicgrid.cases.workflow.problem import PROBLEM
from civicgrid.categories.models import Category
from civicgrid.geo.models import Region
from civicgrid.org import access
from civicgrid.org.models import Unit
from civicgrid.privacy.access_log import MAX_PURPOSE
from civicgrid.web.workbench.queues import PAGE_SIZE, problem_cases

# --- queue filters --------------------------------------------------------------------------

SLA_CHOICES = [
    ("", _("Any deadline state")),
    (deadlines.GREEN, _("Green: on time")),
    # xgettext:no-python-format
    (deadlines.YELLOW, _("Yellow: 80% of the time used")),
    (deadlines.RED, _("Red: past due")),
]
SORT_CHOICES = [
    ("due", _("Due soonest first")),
    ("-due", _("Due latest first")),
    ("new", _("Newest reports first")),
    ("old", _("Oldest reports first")),
]


def region_choices(user) -> list[tuple[str, str]]:
    """Districts and streets the user may filter by: those in their scope and the ones above it."""
    regions = (
        access.visible_regions(user)
        .filter(level__in=[Region.Level.DISTRICT, Region.Level.STREET], valid_to__isnull=True)
        .only("code", "level", "name_zh", "name_en")
        .order_by("code")
    )
    districts: dict[str, str] = {}
    choices = []
    for r in regions:
        if r.level == Region.Level.DISTRICT:
            districts[r.code] = r.name
            choices.append((r.code, r.name))
        else:
            parent = districts.get(r.code[:6])
            choices.append((r.code, f"{parent} / {r.name}" if parent else r.name))
    return choices


class QueueFilterForm(forms.Form):
    """The filters and sorting of a queue (a GET form: every field optional)."""

    number = forms.CharField(label=_("Case number"), required=False, max_length=20)
    region = forms.ChoiceField(label=_("Place"), required=False)
    category_class = forms.ModelChoiceField(
        label=_("Category class"),
        required=False,
        queryset=Category.objects.none(),
        empty_label=_("All categories"),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any status")), *Case.Status.choices])
    sla = forms.ChoiceField(label=_("Deadline"), required=False, choices=SLA_CHOICES)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("Everywhere I may see")), *region_choices(user)]
        self.fields["category_class"].queryset = Category.objects.filter(
            parent__isnull=True, kind__in=[Category.Kind.COMPONENT, Category.Kind.EVENT], active=True
        )

    def clean_number(self):
        number = self.cleaned_data["number"].strip().upper()
        if number and not re.fullmatch(r"[0-9A-Z]+", number):
            raise forms.ValidationError(_("A case number has only letters and digits."))
        return number

    def filters(self) -> dict:
        """The valid filters, sorting and page; an invalid value is ignored (and shown with its error)."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "number": data.get("number") or "",
            "region": data.get("region") or "",
            "category_class": data.get("category_class"),
            "status": data.get("status") or "",
            "sla": data.get("sla") or "",
            "sort": data.get("sort") or "due",
            "page": data.get("page") or 1,
        }


# --- case actions ---------------------------------------------------------------------------


class ActionForm(forms.Form):
    """An action on one case: carries the version the user saw, and a reason when the table
    says the action needs one."""

    expected_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    takes_reason = True  # False when the form collects the reason under another name

    def __init__(self, *args, case, user, action, **kwargs):
        kwargs.setdefault("prefix", action)
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("expected_version", case.version)
        super().__init__(*args, **kwargs)
        self.case, self.user, self.action = case, user, action
        if self.takes_reason and PROBLEM.transition(action).needs_reason:
            self.fields["reason"] = forms.CharField(
                label=_("Reason"), max_length=MAX_REASON, widget=forms.Textarea(attrs={"rows": 2})
            )
        if "photos" in self.fields:  # after the text fields
            self.fields["photos"] = self.fields.pop("photos")

    def arguments(self) -> dict:
        """Keyword arguments of the action function, from the cleaned data."""
        return {"reason": self.cleaned_data["reason"]} if "reason" in self.fields else {}

    def attach(self, case, event) -> None:
        """Store what the form brought besides the action (photos), in the action's transaction."""


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to ``MAX_PHOTOS_PER_REQUEST`` photos, cleaned by ``lib/images.py`` (re-encoded as JPEG,
    without metadata); the cleaned value is a list of ``(bytes, content_type)``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        files = [super(PhotosField, self).clean(f, initial) for f in files]
        if len(files) > MAX_PHOTOS_PER_REQUEST:
            raise forms.ValidationError(_("Send at most %(n)s photos at a time.") % {"n": MAX_PHOTOS_PER_REQUEST})
        try:
            return photos.clean_uploads(files)
        except CaseError as e:
            raise forms.ValidationError(e.message) from e


class PhotoActionForm(ActionForm):
    """An action that may bring photos: the handler's evidence, the check's verification photos."""

    photo_purpose = ""
    photos = PhotosField(label=_("Photos"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = _("Optional: up to %(n)s photos (JPEG, PNG or WebP).") % {
            "n": MAX_PHOTOS_PER_REQUEST
        }

    def attach(self, case, event) -> None:
        if self.cleaned_data.get("photos"):
            photos.store_photos(
                case,
                self.photo_purpose,
                self.cleaned_data["photos"],
                event=event,
                counted=STAFF_PURPOSES,
                limit=MAX_STAFF_PHOTOS,
            )


def dispatch_units(case):
    """Units that may be sent ``case``: those serving its grid, community, street or district,
    and the city's."""
    places = [case.grid_code, case.community_code, case.street_code, case.district_code]
    return (
        Unit.objects.filter(active=True)
        .filter(Q(region__code__in=places) | Q(region__level=Region.Level.CITY))
        .exclude(kind=Unit.Kind.MEDIATION_ORG)
        .select_related("region")
        .order_by("code")
    )


class DispatchForm(ActionForm):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), empty_label=_("Choose a unit"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = dispatch_units(self.case)
        if not self.is_bound:
            routed = routing.responsible_unit(self.case)
            self.fields["unit"].initial = routed.pk if routed is not None else None
            self.fields["unit"].help_text = _("Preselected: the unit the routing rules find.") if routed else ""

    def arguments(self) -> dict:
        return {"unit": self.cleaned_data["unit"]}


class MergeForm(ActionForm):
    into = forms.CharField(
        label=_("Merge into case number"), max_length=20, help_text=_("The open case this one duplicates.")
    )

    def clean_into(self):
        number = self.cleaned_data["into"].strip().upper()
        parent = problem_cases(self.user).select_related("category", "owner_unit").filter(number=number).first()
        if parent is None:
            raise forms.ValidationError(_("There is no case %(number)s that you can see.") % {"number": number})
        return parent

    def arguments(self) -> dict:
        return {"into": self.cleaned_data["into"]}


class ExtensionForm(ActionForm):
    duration = forms.CharField(
        label=_("More time"),
        max_length=10,
        initial="2wd",
        help_text=_("For example 2wd (working days), 4wh (working hours) or 3d (calendar days)."),
    )

    def arguments(self) -> dict:
        return {"duration": self.cleaned_data["duration"].strip(), "reason": self.cleaned_data["reason"]}


class HandleForm(PhotoActionForm):
    takes_reason = False
    photo_purpose = Attachment.Purpose.EVIDENCE
    result = forms.CharField(label=_("What was done"), max_length=MAX_REASON, widget=forms.Textarea(attrs={"rows": 3}))

    def arguments(self) -> dict:
        return {"result": self.cleaned_data["result"]}


class VerifyForm(PhotoActionForm):
    photo_purpose = Attachment.Purpose.VERIFICATION


class RateForm(ActionForm):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        coerce=int,
        choices=[(3, _("Satisfied")), (2, _("Basically satisfied")), (1, _("Not satisfied"))],
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=MAX_REASON)

    def arguments(self) -> dict:
        return {"rating": self.cleaned_data["rating"], "comment": self.cleaned_data["comment"]}


@dataclass(frozen=True)
class WorkbenchAction:
    label: str
    function: Callable
    form: type[ActionForm] = ActionForm
    primary: bool = False


ACTIONS: dict[str, WorkbenchAction] = {
    "accept": WorkbenchAction(_("Accept (file the case)"), actions.do_accept_case, primary=True),
    "reject": WorkbenchAction(_("Reject"), actions.do_reject_case),
    "merge": WorkbenchAction(_("Merge into another case"), actions.do_merge_case, MergeForm),
    "dispatch": WorkbenchAction(_("Dispatch"), actions.do_dispatch_case, DispatchForm, primary=True),
    "return": WorkbenchAction(_("Return (wrongly dispatched)"), actions.do_return_case),
    "sign": WorkbenchAction(_("Sign for the case"), actions.do_sign_case, primary=True),
    "start": WorkbenchAction(_("Start work"), actions.do_start_case),
    "request_extension": WorkbenchAction(_("Ask for more time"), actions.do_request_extension, ExtensionForm),
    "approve_extension": WorkbenchAction(_("Approve the extension"), actions.do_approve_extension, primary=True),
    "refuse_extension": WorkbenchAction(_("Refuse the extension"), actions.do_refuse_extension),
    "handle": WorkbenchAction(_("Report it handled"), actions.do_handle_case, HandleForm, primary=True),
    "verify": WorkbenchAction(_("Verified: close the case"), actions.do_verify_case, VerifyForm, primary=True),
    "fail_verification": WorkbenchAction(_("Not fixed: send back as rework"), actions.do_fail_verification, VerifyForm),
    "park": WorkbenchAction(_("Park"), actions.do_park_case),
    "unpark": WorkbenchAction(_("Take up again"), actions.do_unpark_case, primary=True),
    "urge": WorkbenchAction(_("Urge"), actions.do_urge_case),
    "take_lead": WorkbenchAction(_("Take the lead"), actions.do_take_lead_case),
    "reopen": WorkbenchAction(_("Reopen"), actions.do_reopen_case),
    "rate": WorkbenchAction(_("Rate"), actions.do_rate_case, RateForm),
}


class RevealContactForm(forms.Form):
    """Why the reporter's contact is needed: the privacy app logs it with the read."""

    purpose = forms.CharField(
        label=_("Why do you need the contact?"),
        max_length=MAX_PURPOSE,
        help_text=_("Recorded in the personal-data access log with your name."),
    )


# --- bulk dispatch --------------------------------------------------------------------------


class CaseVersionsField(forms.Field):
    """Checked rows of a queue, each ``<case id>:<version the user saw>``."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": _("The selection is not valid; reload the queue."),
        "too_many": _("Select at most %(n)s cases at a time."),
    }

    def to_python(self, value):
        pairs = {}
        for item in value or ():
            m = re.fullmatch(r"(\d{1,18}):(\d{1,9})", str(item))
            if m is None:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            pairs[int(m[1])] = int(m[2])
        if len(pairs) > PAGE_SIZE:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many", params={"n": PAGE_SIZE})
        return list(pairs.items())


class BulkDispatchForm(forms.Form):
    cases = CaseVersionsField(label=_("Cases"), error_messages={"required": _("Select at least one case.")})
