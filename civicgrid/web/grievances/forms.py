"""Forms of the grievance pages. They parse and check input; whether a step is allowed and the
statutory rules (deadlines, one extension, no re-review after re-review) are decided by
``grievances/actions.py``, whose refusals the views put on the form.

``ACTIONS`` maps each staff step to its label, its form and its action function.
"""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.categories.models import Category
from civicgrid.geo.models import Region
from civicgrid.grievances import actions
from civicgrid.grievances.models import MAX_DOCUMENT, MAX_FACTS, MAX_REQUEST, Grievance, ListItem
from civicgrid.org import access
from civicgrid.org.models import Staff, Unit

NUMBER_RE = re.compile(r"^[0-9A-Z]{1,20}$")
TEXTAREA = {"rows": 4}
DATE = forms.DateInput(attrs={"type": "date"})


def grievance_types() -> list[Category]:
    return list(
        Category.objects.filter(active=True, kind=Category.Kind.GRIEVANCE, parent__isnull=False).order_by(
            "sort_order", "code"
        )
    )


def region_choices(user=None) -> list:
    """Districts and their streets (current ones), grouped by district; for staff, those in scope."""
    regions = Region.objects.filter(level__in=[Region.Level.DISTRICT, Region.Level.STREET], valid_to__isnull=True).only(
        "code", "level", "name_zh", "name_en"
    )
    if user is not None:
        regions = regions.filter(access.region_scope_q(user, "code"))
    groups: dict[str, tuple[str, list]] = {}
    for r in regions.order_by("code"):
        if r.level == Region.Level.DISTRICT:
            groups.setdefault(r.code, (r.name, []))[1].insert(0, (r.code, r.name))
        else:
            district = groups.setdefault(r.code[:6], (r.code[:6], []))
            district[1].append((r.code, f"— {r.name}"))
    return [("", _("Choose the district or street")), *groups.values()]


def body_units(user=None):
    """Units that can be a body with authority: departments, governance centres and mediation
    organisations of the city, districts and streets (not grid teams); for staff, those within
    their scope and the city's."""
    qs = (
        Unit.objects.filter(active=True)
        .exclude(kind=Unit.Kind.GRID_TEAM)
        .filter(region__level__in=[Region.Level.CITY, Region.Level.DISTRICT, Region.Level.STREET])
        .select_related("region")
        .order_by("code")
    )
    if user is not None:
        qs = qs.filter(access.region_scope_q(user, "region__code") | Q(region__level=Region.Level.CITY))
    return qs


class UnitField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.code})"


def clean_number(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "").upper()


class NumberField(forms.CharField):
    def clean(self, value):
        value = clean_number(super().clean(value))
        if value and not NUMBER_RE.match(value):
            raise forms.ValidationError(_("A receipt number has up to 20 letters and digits."))
        return value


# --- submitting -----------------------------------------------------------------------------


class SubmitForm(forms.Form):
    """A grievance as the Regulations ask it to be written (Art. 19): who you are, what you ask
    for, the facts and your reasons."""

    category = forms.TypedChoiceField(label=_("Kind of grievance"), coerce=int)
    region = forms.ChoiceField(label=_("Where the matter is"))
    petitioner_name = forms.CharField(label=_("Your name"), max_length=100)
    petitioner_address = forms.CharField(label=_("Your address"), max_length=300, required=False)
    petitioner_contact = forms.CharField(
        label=_("Phone or email"),
        max_length=120,
        required=False,
        help_text=_("For the written notices and questions about your grievance."),
    )
    request = forms.CharField(
        label=_("What do you ask for?"), max_length=MAX_REQUEST, widget=forms.Textarea(attrs=TEXTAREA)
    )
    facts_and_reasons = forms.CharField(
        label=_("Facts and reasons"), max_length=MAX_FACTS, required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    complained_about = forms.CharField(
        label=_("Person or unit complained about (if any)"), max_length=300, required=False
    )
    earlier_number = NumberField(
        label=_("Receipt number of an earlier submission of the same matter"),
        max_length=40,
        required=False,
        help_text=_("If you raised this matter before, give its receipt number: it is added to that matter."),
    )
    new_facts = forms.BooleanField(label=_("This brings new facts or reasons (after a re-review)"), required=False)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.types = {c.pk: c for c in grievance_types()}
        self.fields["category"].choices = [("", _("Choose the kind")), *((c.pk, c.name) for c in self.types.values())]
        self.fields["region"].choices = region_choices(self.scope_user(user))

    def scope_user(self, user):
        return None

    def clean_category(self) -> Category:
        category = self.types.get(self.cleaned_data["category"])
        if category is None:
            raise forms.ValidationError(_("Choose the kind of grievance."))
        return category

    def clean_region(self) -> Region:
        region = Region.objects.filter(code=self.cleaned_data["region"], valid_to__isnull=True).first()
        if region is None:
            raise forms.ValidationError(_("Choose the district or street."))
        return region

    def arguments(self) -> dict:
        data = self.cleaned_data
        return {k: data[k] for k in self.fields if k != "idempotency_key"}


class RecordForm(SubmitForm):
    """A grievance officer registers a letter, call, fax or visit."""

    channel = forms.ChoiceField(
        label=_("How it arrived"), choices=[c for c in Grievance.Channel.choices if c[0] != "online"]
    )
    received_on = forms.DateField(label=_("Day it arrived (if before today)"), required=False, widget=DATE)
    record_confirmed = forms.BooleanField(
        label=_("Oral grievance: I read the record back to the petitioner, who confirmed it (Art. 19)"),
        required=False,
    )
    complained_unit = UnitField(
        label=_("Unit complained about"), queryset=Unit.objects.none(), required=False, empty_label=_("None")
    )

    field_order = ["channel", "received_on", "record_confirmed"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["complained_unit"].queryset = body_units()

    def scope_user(self, user):
        return user


class LookupForm(forms.Form):
    number = NumberField(
        label=_("Receipt number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )


# --- the petitioner's steps -----------------------------------------------------------------


class VersionedForm(forms.Form):
    """A step on the grievance as the page showed it: a stale ``version`` is refused."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def arguments(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "expected_version"}


class GroundsForm(VersionedForm):
    grounds = forms.CharField(
        label=_("Why do you disagree? (optional)"),
        max_length=MAX_REQUEST,
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )


class EvaluateForm(VersionedForm):
    rating = forms.TypedChoiceField(
        label=_("How was your grievance handled?"),
        coerce=int,
        widget=forms.RadioSelect,
        choices=[(3, _("Satisfied")), (2, _("Basically satisfied")), (1, _("Not satisfied"))],
    )
    comment = forms.CharField(label=_("Comment (optional)"), max_length=1000, required=False)


FOLLOW_FORMS = {
    "request_review": (GroundsForm, actions.do_request_review),
    "request_rereview": (GroundsForm, actions.do_request_rereview),
    "evaluate": (EvaluateForm, actions.do_evaluate_grievance),
}


# --- staff steps ----------------------------------------------------------------------------


class StaffForm(VersionedForm):
    """A staff step's form; ``user`` and ``grievance`` let a form offer the right choices."""

    def __init__(self, *args, user=None, grievance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.grievance = user, grievance


class AssignForm(StaffForm):
    unit = UnitField(label=_("Body with authority"), queryset=Unit.objects.none())
    mode = forms.ChoiceField(label=_("How"), choices=Grievance.Mode.choices, widget=forms.RadioSelect)
    report_due_on = forms.DateField(label=_("Report of the result due (assignment)"), required=False, widget=DATE)
    complained_unit = UnitField(
        label=_("Unit complained about"), queryset=Unit.objects.none(), required=False, empty_label=_("None")
    )
    is_accusation = forms.BooleanField(label=_("Holds accusation or whistle-blowing material"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = body_units(self.user)
        self.fields["complained_unit"].queryset = body_units()
        if self.grievance is not None and not self.is_bound:
            self.initial.setdefault("complained_unit", self.grievance.complained_unit_id)
            self.initial.setdefault("is_accusation", self.grievance.is_accusation)
            self.initial.setdefault("mode", Grievance.Mode.TRANSFER)


class ReasonForm(StaffForm):
    reason = forms.CharField(
        label=_("Reason (the petitioner reads it)"), max_length=1000, widget=forms.Textarea(attrs=TEXTAREA)
    )


class AdmitForm(StaffForm):
    text = forms.CharField(
        label=_("Written notice: how it was received, how it will be handled"),
        max_length=MAX_DOCUMENT,
        widget=forms.Textarea(attrs=TEXTAREA),
    )


class ExtendForm(StaffForm):
    days = forms.IntegerField(label=_("Extra days (at most 30)"), min_value=1, max_value=30)
    reason = forms.CharField(
        label=_("Reason (told to the petitioner)"), max_length=1000, widget=forms.Textarea(attrs=TEXTAREA)
    )
    approved_by = forms.CharField(label=_("Approved by (the head of the body)"), max_length=100)


class HearingStartForm(StaffForm):
    first_day = forms.DateField(label=_("First day"), required=False, widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class HearingEndForm(StaffForm):
    last_day = forms.DateField(label=_("Last day"), required=False, widget=DATE)


class DecideForm(StaffForm):
    outcome = forms.ChoiceField(label=_("Decision"), choices=Grievance.Outcome.choices, widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("Facts found and reasons"), max_length=MAX_DOCUMENT, widget=forms.Textarea(attrs={"rows": 6})
    )
    basis = forms.CharField(label=_("Legal basis"), max_length=MAX_DOCUMENT, widget=forms.Textarea(attrs=TEXTAREA))
    served_on = forms.DateField(label=_("Received by the petitioner on (default today)"), required=False, widget=DATE)


class RequestByLetterForm(StaffForm):
    received_on = forms.DateField(label=_("Day the request arrived"), required=False, widget=DATE)
    grounds = forms.CharField(
        label=_("Grounds given"), max_length=MAX_REQUEST, required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )


class RouteForm(StaffForm):
    unit = UnitField(label=_("Reviewing body"), queryset=Unit.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = body_units(self.user)


class OpinionForm(StaffForm):
    outcome = forms.ChoiceField(label=_("Opinion"), choices=Grievance.ReviewOutcome.choices, widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("Opinion and reasons"), max_length=MAX_DOCUMENT, widget=forms.Textarea(attrs=TEXTAREA)
    )
    basis = forms.CharField(
        label=_("Legal basis"), max_length=MAX_DOCUMENT, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewOpinionForm(OpinionForm):
    served_on = forms.DateField(label=_("Received by the petitioner on (default today)"), required=False, widget=DATE)


class RaiseAgainForm(StaffForm):
    channel = forms.ChoiceField(label=_("How it was raised"), choices=Grievance.Channel.choices)
    unit = UnitField(label=_("Raised with"), queryset=Unit.objects.none(), required=False, empty_label=_("—"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = body_units()


class ListItemForm(StaffForm):
    kind = forms.ChoiceField(label=_("List"), choices=ListItem.Kind.choices)
    text = forms.CharField(label=_("What"), max_length=500)
    responsible_username = forms.CharField(
        label=_("Responsible staff member (user name)"), max_length=150, required=False
    )
    responsible_post = forms.CharField(label=_("or responsible post"), max_length=100, required=False)
    due_on = forms.DateField(label=_("By when"), required=False, widget=DATE)

    def clean_responsible_username(self):
        name = self.cleaned_data["responsible_username"].strip()
        if not name:
            return None
        staff = Staff.objects.select_related("user").filter(user__username=name, unit__active=True).first()
        if staff is None:
            raise forms.ValidationError(_("No staff member has this user name."))
        return staff.user

    def arguments(self) -> dict:
        data = super().arguments()
        data["responsible_user"] = data.pop("responsible_username")
        return data


class CompleteItemForm(StaffForm):
    item_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


@dataclass(frozen=True)
class StaffAction:
    label: str
    function: Callable
    form: type[StaffForm] = StaffForm
    primary: bool = False


ACTIONS: dict[str, StaffAction] = {
    "assign": StaffAction(_("Send to the body with authority"), actions.do_assign_grievance, AssignForm, True),
    "decline": StaffAction(_("Do not accept (written reason)"), actions.do_decline_grievance, ReasonForm),
    "object": StaffAction(_("Object: not within our authority"), actions.do_object_to_assignment, ReasonForm),
    "admit": StaffAction(_("Accept and send the written notice"), actions.do_admit_grievance, AdmitForm, True),
    "not_admit": StaffAction(_("Do not accept: another procedure"), actions.do_not_admit_grievance, ReasonForm),
    "extend": StaffAction(_("Extend the handling period (once)"), actions.do_extend_grievance, ExtendForm),
    "start_hearing": StaffAction(_("Open a hearing"), actions.do_start_hearing, HearingStartForm),
    "end_hearing": StaffAction(_("Close the hearing"), actions.do_end_hearing, HearingEndForm, True),
    "decide": StaffAction(_("Write the decision (信访处理意见书)"), actions.do_decide_grievance, DecideForm, True),
    "request_review": StaffAction(
        _("Register a review request by letter"), actions.do_request_review, RequestByLetterForm
    ),
    "route_review": StaffAction(_("Name the reviewing body"), actions.do_route_review, RouteForm, True),
    "answer_review": StaffAction(_("Write the review opinion"), actions.do_answer_review, ReviewOpinionForm, True),
    "request_rereview": StaffAction(
        _("Register a re-review request by letter"), actions.do_request_rereview, RequestByLetterForm
    ),
    "answer_rereview": StaffAction(_("Write the re-review opinion"), actions.do_answer_rereview, OpinionForm, True),
    "raise_again": StaffAction(_("Record that it was raised again"), actions.do_raise_again, RaiseAgainForm),
    "take_lead": StaffAction(_("Take the lead (包案)"), actions.do_take_lead_grievance),
    "add_list_item": StaffAction(_("Add to the lists"), actions.do_add_list_item, ListItemForm),
}
# Not offered as a form of its own: each open list item has its button.
COMPLETE_ITEM = StaffAction(_("Done"), actions.do_complete_list_item, CompleteItemForm)
