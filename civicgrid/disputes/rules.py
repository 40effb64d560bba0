"""The statutory periods and checks of mediation: plain functions, no Django (processes.md §3).

Periods in days are counted as the Civil Procedure Law counts them (民事诉讼法 Art. 85): the day
an event happens is not counted, a period ends at the end of its last day, and a last day that
is a public holiday or weekend moves to the next working day. ``lib/workcalendar.py`` does this
for ``Nd`` durations; every function takes the ``calendar`` to use (default: the project's).

The refusals name the rule they apply: ``RuleBroken.rule`` is the citation shown to the user.
"""

from collections.abc import Iterable
from datetime import date, datetime, time

from civicgrid.lib.workcalendar import WorkCalendar, default_calendar

PEOPLES_MEDIATION_LAW = "人民调解法"
SPC_CONFIRMATION_RULES = "最高人民法院关于人民调解协议司法确认程序的若干规定 (2011)"
SPC_INVITED_MEDIATION_RULES = "最高人民法院关于人民法院特邀调解的规定 (2016)"

# Sources of a dispute (``Dispute.Source`` uses the same values).
SCREENING, APPLICATION, HOTLINE, POLICE = "screening", "application", "hotline", "police"
COURT_DELEGATED, COURT_ENTRUSTED = "court_delegated", "court_entrusted"
COURT_SOURCES = frozenset({COURT_DELEGATED, COURT_ENTRUSTED})
ORDINARY, SIMPLIFIED = "ordinary", "simplified"

DEFAULT_MEDIATION_DAYS = 30
COURT_DELEGATED_DAYS = 30
COURT_ENTRUSTED_DAYS = {ORDINARY: 15, SIMPLIFIED: 7}
CONFIRMATION_WINDOW_DAYS = 30
COURT_ACCEPT_DAYS = 3
COURT_DECIDE_DAYS = 15
COURT_DECIDE_EXTENSION_DAYS = 10
# A period the parties agree on is a whole number of days in this range (a sanity bound on input).
MIN_AGREED_DAYS, MAX_AGREED_DAYS = 1, 365
# The smallest dispute: two parties.
MIN_PARTIES = 2


class RuleBroken(Exception):
    """An action the rules refuse: ``code`` says which check failed, ``rule`` cites it."""

    def __init__(self, code: str, rule: str):
        super().__init__(f"{code} ({rule})")
        self.code = code
        self.rule = rule


def _cal(calendar: WorkCalendar | None) -> WorkCalendar:
    return calendar or default_calendar()


def _noon(day: date, calendar: WorkCalendar) -> datetime:
    """A moment inside ``day`` in the calendar's zone (the day, not the hour, is what counts)."""
    return datetime.combine(day, time(12), tzinfo=calendar.tz)


def _days_after(start: datetime | date, days: int, calendar: WorkCalendar | None) -> datetime:
    cal = _cal(calendar)
    if not isinstance(start, datetime):
        start = _noon(start, cal)
    return cal.add(start, f"{days}d")


# --- the mediation period -------------------------------------------------------------------


def period_days(source: str, *, procedure: str = "", agreed_days: int | None = None) -> int:
    """Days the mediation may take.

    People's mediation: the law sets no period; 30 days is the default the rules for diversified
    dispute resolution set "unless the parties agree otherwise" (深圳经济特区矛盾纠纷多元化解条例
    2022, processes.md §3). Court-referred mediation (SPC 特邀调解 rules 2016): 委派 (before the
    case is filed) 30 days; 委托 (after filing) 15 days under the ordinary procedure, 7 under the
    simplified one. In every case the parties may agree on another period (``agreed_days``)."""
    if agreed_days is not None:
        if isinstance(agreed_days, bool) or not isinstance(agreed_days, int):
            raise TypeError("agreed_days must be an int")
        if not MIN_AGREED_DAYS <= agreed_days <= MAX_AGREED_DAYS:
            raise RuleBroken("agreed_days_out_of_range", f"{MIN_AGREED_DAYS}–{MAX_AGREED_DAYS}")
        return agreed_days
    if source == COURT_DELEGATED:
        return COURT_DELEGATED_DAYS
    if source == COURT_ENTRUSTED:
        if procedure not in COURT_ENTRUSTED_DAYS:
            raise RuleBroken("procedure_unknown", SPC_INVITED_MEDIATION_RULES)
        return COURT_ENTRUSTED_DAYS[procedure]
    return DEFAULT_MEDIATION_DAYS


def period_starts(source: str, *, received_at: datetime, mediation_started_at: datetime) -> datetime:
    """When the mediation period starts: a court's period runs from the day the mediation body
    received the court's referral (SPC 特邀调解 rules 2016); people's mediation from the day it
    started with every party's consent (人民调解法 Art. 17)."""
    return received_at if source in COURT_SOURCES else mediation_started_at


def mediation_period_end(start: datetime | date, days: int, calendar: WorkCalendar | None = None) -> datetime:
    """End of a mediation period of ``days`` calendar days from ``start`` (see ``period_days``)."""
    return _days_after(start, days, calendar)


# --- consent --------------------------------------------------------------------------------


def check_parties(count: int) -> None:
    """A dispute is between at least two parties (人民调解法 Art. 2: 民间纠纷 between parties)."""
    if count < MIN_PARTIES:
        raise RuleBroken("too_few_parties", f"{PEOPLES_MEDIATION_LAW} Art. 2")


def check_consents(answers: Iterable[bool | None]) -> None:
    """Mediation starts only when every party has accepted it: a party that has not answered
    blocks the start, and a refusal means mediation may not proceed (人民调解法 Art. 17;
    Art. 23(2): a party may accept or refuse mediation). ``answers`` holds one item per party:
    True (accepted), False (refused) or None (not asked or not answered)."""
    answers = list(answers)
    check_parties(len(answers))
    if any(a is False for a in answers):
        raise RuleBroken("consent_refused", f"{PEOPLES_MEDIATION_LAW} Art. 17")
    if any(a is None for a in answers):
        raise RuleBroken("consent_missing", f"{PEOPLES_MEDIATION_LAW} Art. 17")


# --- the agreement --------------------------------------------------------------------------


WRITTEN, ORAL = "written", "oral"


def check_agreement(form: str, *, terms: str, signed_by_all: bool, sealed: bool) -> None:
    """What makes an agreement effective.

    Written (人民调解法 Art. 28–29): it may state the parties, the main facts, the disputed items
    and each party's responsibility, and the agreed terms with the manner and time of
    performance; it takes effect when every party has signed, sealed or fingerprinted it and the
    mediator has signed it with the committee's seal. Oral (Art. 28, 30): the mediator records
    its content; it takes effect when the parties agree. Either way the terms must be stated."""
    if form not in (WRITTEN, ORAL):
        raise RuleBroken("agreement_form_unknown", f"{PEOPLES_MEDIATION_LAW} Art. 28")
    if not (terms or "").strip():
        raise RuleBroken("agreement_terms_missing", f"{PEOPLES_MEDIATION_LAW} Art. 28–29")
    if form == WRITTEN and not (signed_by_all and sealed):
        raise RuleBroken("agreement_not_signed", f"{PEOPLES_MEDIATION_LAW} Art. 29")


# Routes a party may take instead (人民调解法 Art. 26, 33; SPC 2016: a failed 委派 mediation
# goes back to the court, which registers the case). ``Dispute.Route`` gives their labels.
ROUTES = frozenset({"litigation", "arbitration", "administrative", "court_registration", "other"})


def check_termination(routes: Iterable[str]) -> None:
    """A mediation that fails is terminated and the parties are told that they may protect their
    rights by arbitration, administrative or judicial routes (人民调解法 Art. 26): the routes told
    must be on record."""
    routes = set(routes)
    if not routes or routes - ROUTES:
        raise RuleBroken("routes_missing", f"{PEOPLES_MEDIATION_LAW} Art. 26")


def check_closing(follow_ups: int) -> None:
    """The committee supervises the performance of the agreement (人民调解法 Art. 31): a file
    with an agreement closes only after at least one follow-up."""
    if follow_ups < 1:
        raise RuleBroken("follow_up_missing", f"{PEOPLES_MEDIATION_LAW} Art. 31")


# --- judicial confirmation ------------------------------------------------------------------


def confirmation_apply_by(effective_on: date, calendar: WorkCalendar | None = None) -> datetime:
    """Last moment for the parties' joint application for judicial confirmation: 30 days from
    the day the agreement took effect (人民调解法 Art. 33; 民事诉讼法 2023 Art. 205)."""
    return _days_after(effective_on, CONFIRMATION_WINDOW_DAYS, calendar)


def check_confirmation_application(
    effective_on: date | None, applied_on: date, *, joint: bool, calendar: WorkCalendar | None = None
) -> datetime:
    """Refuse an application that is not joint, comes before the agreement took effect or after
    the 30 days (人民调解法 Art. 33). Returns the application deadline."""
    if not joint:
        raise RuleBroken("confirmation_not_joint", f"{PEOPLES_MEDIATION_LAW} Art. 33")
    if effective_on is None or applied_on < effective_on:
        raise RuleBroken("agreement_not_effective", f"{PEOPLES_MEDIATION_LAW} Art. 33")
    cal = _cal(calendar)
    deadline = confirmation_apply_by(effective_on, cal)
    if _noon(applied_on, cal) > deadline:
        raise RuleBroken("confirmation_too_late", f"{PEOPLES_MEDIATION_LAW} Art. 33")
    return deadline


def court_accept_by(applied_on: date, calendar: WorkCalendar | None = None) -> datetime:
    """The court decides whether to accept within 3 days of receiving the application
    (SPC rules on judicial confirmation 2011, Art. 4)."""
    return _days_after(applied_on, COURT_ACCEPT_DAYS, calendar)


def court_decide_by(accepted_on: date, *, extended: bool = False, calendar: WorkCalendar | None = None) -> datetime:
    """The court decides within 15 days of accepting; a court president may extend this once by
    10 days in special circumstances (SPC rules on judicial confirmation 2011, Art. 5)."""
    days = COURT_DECIDE_DAYS + (COURT_DECIDE_EXTENSION_DAYS if extended else 0)
    return _days_after(accepted_on, days, calendar)


def check_court_extension(already_extended: bool) -> None:
    """The court's decision time is extended once, by 10 days (SPC rules 2011, Art. 5)."""
    if already_extended:
        raise RuleBroken("court_extended_once", f"{SPC_CONFIRMATION_RULES} Art. 5")


def check_court_date(earlier: date, later: date, code: str) -> None:
    """A court step cannot be dated before the step it answers."""
    if later < earlier:
        raise RuleBroken(code, SPC_CONFIRMATION_RULES)


def is_late(deadline: datetime | None, at: datetime | date, calendar: WorkCalendar | None = None) -> bool:
    """Whether ``at`` (a moment, or a day) falls after ``deadline``."""
    if deadline is None:
        return False
    if not isinstance(at, datetime):
        at = _noon(at, _cal(calendar))
    return at > deadline
