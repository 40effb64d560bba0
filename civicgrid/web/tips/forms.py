"""Forms of the tip-line pages: what the submitter and the tip handlers type, checked before any
action runs. The actions check everything again (``tips/actions.py``)."""

from decimal import Decimal

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Region
from civicgrid.lib.images import InvalidPhoto, clean_photo
from civicgrid.tips import actions, receipts, rules
from civicgrid.tips.actions import Photo
from civicgrid.tips.models import Tip

# How long the "add information" form of a checked tip stays valid without typing the code again.
CHECK_TOKEN_MAX_AGE = 30 * 60
CHECK_TOKEN_SALT = "civicgrid.tips.check"  # noqa: S105 - a signing namespace, not a secret


def districts():
    return Region.objects.filter(level=Region.Level.DISTRICT, valid_to__isnull=True).order_by("code")


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to ``actions.MAX_PHOTOS`` photos, each re-encoded without metadata (no GPS position,
    no device, no owner name survives). Cleans to a list of ``actions.Photo``."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def clean(self, data, initial=None):
        uploads = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(uploads) > actions.MAX_PHOTOS:
            raise forms.ValidationError(_("Add at most %(n)s photos.") % {"n": actions.MAX_PHOTOS}, code="max")
        cleaned = []
        for upload in uploads:
            try:
                data, content_type = clean_photo(upload)
            except InvalidPhoto as e:
                # The file name is not repeated: it may say who took the photo.
                raise forms.ValidationError(str(e), code="invalid_photo") from e
            cleaned.append(Photo(data, content_type))
        return cleaned


class NoNul:
    """Text never carries NUL characters (PostgreSQL refuses them)."""

    def clean(self):
        data = super().clean()
        for name, value in data.items():
            if isinstance(value, str) and "\x00" in value:
                self.add_error(name, _("This text contains a character that is not allowed."))
        return data


class SubmitTipForm(NoNul, forms.Form):
    text = forms.CharField(
        label=_("What do you want to report?"),
        max_length=actions.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What happens, where and when, and who is involved. Do not write your own name."),
    )
    topic = forms.ChoiceField(label=_("Topic (optional)"), required=False)
    district = forms.ChoiceField(
        label=_("District (optional)"),
        required=False,
        help_text=_("Only the district: the tip goes to the tip handlers who work there."),
    )
    photos = PhotosField(
        label=_("Photos (optional, at most 3)"),
        required=False,
        help_text=_("Location, camera and other data in the file are removed before the photo is stored."),
    )
    contact = forms.CharField(
        label=_("Contact (optional)"),
        required=False,
        max_length=actions.MAX_CONTACT,
        help_text=_(
            "Only if you want the tip handlers to be able to reach you (for example to claim a reward). "
            "It is kept encrypted. Leave it empty to stay anonymous."
        ),
    )
    passphrase = forms.CharField(
        label=_("Choose a passphrase"),
        min_length=actions.MIN_PASSPHRASE,
        max_length=actions.MAX_PASSPHRASE,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least %(n)s characters. With the receipt code it opens the answers to your tip.")
        % {"n": actions.MIN_PASSPHRASE},
    )
    passphrase_again = forms.CharField(
        label=_("The passphrase again"),
        max_length=actions.MAX_PASSPHRASE,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    # A random value of the page, so that sending the same form twice makes one tip.
    submission = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", _("Not said")), *Tip.Topic.choices]
        self.fields["district"].choices = [("", _("Not said"))] + [(r.code, r.name) for r in districts()]

    def clean(self):
        data = super().clean()
        first, second = data.get("passphrase"), data.get("passphrase_again")
        if first and second is not None and first != second:
            self.add_error("passphrase_again", _("The two passphrases differ."))
        return data


class CheckTipForm(NoNul, forms.Form):
    receipt_code = forms.CharField(
        label=_("Receipt code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    passphrase = forms.CharField(
        label=_("Passphrase"),
        max_length=actions.MAX_PASSPHRASE,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_receipt_code(self):
        code = self.cleaned_data["receipt_code"]
        # The shape only: a well-formed code that matches nothing gets the same answer as a
        # wrong passphrase, later.
        if not receipts.looks_valid(code):
            raise forms.ValidationError(_("A receipt code has 16 letters and digits, like 7KQ2-M9XD-4RTB-H0WS."))
        return code


def check_token(tip) -> str:
    """A signed, expiring token that lets the page of a checked tip add information to it."""
    return signing.dumps({"tip": tip.pk, "digest": tip.receipt_digest[:16]}, salt=CHECK_TOKEN_SALT)


def tip_from_token(token: str):
    """The tip of a valid token, or None (expired, forged or for another tip)."""
    try:
        data = signing.loads(token, salt=CHECK_TOKEN_SALT, max_age=CHECK_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    tip = Tip.objects.select_related("case").filter(pk=data.get("tip")).first()
    if tip is None or tip.receipt_digest[:16] != data.get("digest"):
        return None
    return tip


class AddInformationForm(NoNul, forms.Form):
    token = forms.CharField(max_length=500, widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Add information"),
        max_length=actions.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    photos = PhotosField(label=_("Photos (optional, at most 3)"), required=False)


# --- tip handlers ---------------------------------------------------------------------------


class VersionedForm(NoNul, forms.Form):
    expected_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


def _note(label, required=True, rows=3):
    return forms.CharField(
        label=label, required=required, max_length=actions.MAX_NOTE, widget=forms.Textarea(attrs={"rows": rows})
    )


class NoteForm(VersionedForm):
    note = _note(_("Note (internal)"), required=False)


class InternalNoteForm(VersionedForm):
    note = _note(_("Note (internal)"))


class RequiredNoteForm(VersionedForm):
    note = _note(_("What was found or done (internal)"))


class ReasonForm(VersionedForm):
    note = _note(_("Why more time is needed (internal)"))


class TransferForm(VersionedForm):
    to_body = forms.CharField(label=_("Transferred to"), max_length=actions.MAX_BODY_NAME)
    note = _note(_("Note (internal)"), required=False)


class MessageForm(VersionedForm):
    text = forms.CharField(
        label=_("Text the submitter will read"),
        max_length=actions.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class RewardProposalForm(NoNul, forms.Form):
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=Decimal("0.01"), max_value=rules.MAX_REWARD, max_digits=9, decimal_places=2
    )
    basis = _note(_("Why the tip earns it"))


class RewardDecisionForm(NoNul, forms.Form):
    APPROVE, REFUSE = "approve", "refuse"
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[(APPROVE, _("Approve")), (REFUSE, _("Refuse"))], widget=forms.RadioSelect
    )
    note = _note(_("Note (needed to refuse)"), required=False, rows=2)


class RevealContactForm(NoNul, forms.Form):
    purpose = forms.CharField(label=_("Why you need the contact"), max_length=200)


class NumbersForm(forms.Form):
    region = forms.ChoiceField(label=_("Region"), required=False)
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until (not included)"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = list(regions)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("The period must end after it starts."))
        return data
