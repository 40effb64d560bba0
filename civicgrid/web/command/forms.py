"""The command centre's query string: which region and which period to show."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A custom period may not be longer than this: the daily trend draws one point per day.
MAX_CUSTOM_DAYS = 366
DEFAULT_PERIOD = "30d"


class PeriodForm(forms.Form):
    """``?region=CODE&period=7d|30d|90d|month|custom&start=YYYY-MM-DD&end=YYYY-MM-DD``.

    ``end`` of a custom period is the last day shown (inclusive); ``bounds()`` turns every choice
    into the half-open ``[start, end)`` of dates the numbers module takes."""

    PERIODS = (
        ("7d", _("Last 7 days")),
        ("30d", _("Last 30 days")),
        ("90d", _("Last 90 days")),
        ("month", _("This month")),
        ("custom", _("Custom")),
    )
    DAYS = {"7d": 7, "30d": 30, "90d": 90}

    region = forms.RegexField(regex=r"^[0-9]{6,15}$", required=False, max_length=15, label=_("Region"))
    period = forms.ChoiceField(choices=PERIODS, required=False, label=_("Period"))
    start = forms.DateField(required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label=_("To (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, **kwargs):
        # An absent period is the default one, shown as chosen in the form.
        if data is not None and not data.get("period"):
            data = data.copy()
            data["period"] = DEFAULT_PERIOD
        super().__init__(data, **kwargs)

    def clean(self):
        data = super().clean()
        data["period"] = data.get("period") or DEFAULT_PERIOD
        if data["period"] != "custom":
            return data
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            raise forms.ValidationError(_("A custom period needs a start and an end date."))
        if end < start:
            raise forms.ValidationError(_("The period must end on or after its start."))
        if (end - start).days + 1 > MAX_CUSTOM_DAYS:
            raise forms.ValidationError(
                _("A custom period may cover at most %(n)s days."), params={"n": MAX_CUSTOM_DAYS}
            )
        return data

    def bounds(self, today: date | None = None) -> tuple[date, date]:
        """``[start, end)`` as local dates; the default period when the form is not valid."""
        today = today or timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {"period": DEFAULT_PERIOD}
        period = data["period"]
        if period == "custom":
            return data["start"], data["end"] + timedelta(days=1)
        if period == "month":
            first = today.replace(day=1)
            return first, (first + timedelta(days=32)).replace(day=1)
        return today - timedelta(days=self.DAYS[period] - 1), today + timedelta(days=1)

    def period_params(self) -> dict[str, str]:
        """The period part of the query string (to carry it over into links), valid or default."""
        if not self.is_valid():
            return {"period": DEFAULT_PERIOD}
        data = self.cleaned_data
        if data["period"] == "custom":
            return {"period": "custom", "start": data["start"].isoformat(), "end": data["end"].isoformat()}
        return {"period": data["period"]}
