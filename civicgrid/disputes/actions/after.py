"""After the agreement: judicial confirmation, follow-up and closing, the police and criminal outcomes."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.cases.actions import (
    NO_STEP,
    Invalid,
)
from civicgrid.disputes import rules
from civicgrid.disputes.actions._base import (
    MAX_TEXT,
    _date_text,
    _past_date,
    _refused,
    _save,
    _start_of,
    _text,
    _transition,
    permitted,
)
from civicgrid.disputes.models import (
    Agreement,
    Dispute,
    FollowUp,
    JudicialConfirmation,
    PoliceReferral,
)
from civicgrid.org.roles import UnitType

# --- judicial confirmation ------------------------------------------------------------------


def _effective_agreement(dispute) -> Agreement | None:
    return Agreement.objects.filter(dispute=dispute, effective_on__isnull=False).order_by("-pk").first()


def _pending_confirmation(dispute) -> JudicialConfirmation:
    jc = JudicialConfirmation.objects.filter(dispute=dispute).order_by("-pk").first()
    if jc is None:
        raise Invalid(_("There is no application for judicial confirmation."))
    return jc


def do_apply_for_confirmation(
    dispute, *, court, applied_on, acting_user, joint=True, expected_version=None, now=None
) -> JudicialConfirmation:
    """The parties' joint application to the court, within 30 days of the agreement taking
    effect (人民调解法 Art. 33); the court then decides on acceptance within 3 days (SPC 2011
    Art. 4)."""
    actor = permitted(dispute, "apply_confirmation", acting_user, expected_version=expected_version)
    now = now or timezone.now()
    court = _text(court, limit=200, required_message=_("Name the court."))
    applied_on = _past_date(applied_on, now, _("the application"))
    agreement = _effective_agreement(dispute)
    effective_on = agreement.effective_on if agreement is not None else None
    try:
        apply_by = rules.check_confirmation_application(effective_on, applied_on, joint=bool(joint))
    except rules.RuleBroken as e:
        deadline = rules.confirmation_apply_by(effective_on) if effective_on else None
        raise _refused(e, deadline=_date_text(deadline) if deadline else "", applied=applied_on.isoformat()) from e
    accept_by = rules.court_accept_by(applied_on)
    with transaction.atomic():
        jc = JudicialConfirmation.objects.create(
            dispute=dispute,
            agreement=agreement,
            court=court,
            applied_on=applied_on,
            apply_by=apply_by,
            accept_by=accept_by,
        )
        _transition(
            dispute,
            "apply_confirmation",
            actor,
            now=now,
            expected_version=expected_version,
            payload={
                "confirmation": jc.pk,
                "applied_on": applied_on.isoformat(),
                "apply_by": apply_by.isoformat(),
                "accept_by": accept_by.isoformat(),
            },
        )
    return jc


def do_record_court_acceptance(
    dispute, *, accepted: bool, on, acting_user, court_number="", note="", expected_version=None, now=None
) -> JudicialConfirmation:
    """The court's decision on acceptance (due within 3 days, SPC 2011 Art. 4). When accepted
    the decision is due within 15 days (Art. 5); when not, the agreement still binds."""
    action = "court_accept" if accepted else "court_decline"
    actor = permitted(dispute, action, acting_user, expected_version=expected_version)
    now = now or timezone.now()
    jc = _pending_confirmation(dispute)
    on = _past_date(on, now, _("the court's answer"))
    try:
        rules.check_court_date(jc.applied_on, on, "court_date_before_application")
    except rules.RuleBroken as e:
        raise _refused(e) from e
    court_number = _text(court_number, limit=60)
    note = _text(note, limit=500)
    late = rules.is_late(jc.accept_by, on)
    if accepted:
        decide_by = rules.court_decide_by(on)
        fields = dict(accepted_on=on, court_number=court_number, decide_by=decide_by, result_note=note)
        payload = {"confirmation": jc.pk, "on": on.isoformat(), "late": late, "decide_by": decide_by.isoformat()}
    else:
        fields = dict(result=JudicialConfirmation.Result.NOT_ACCEPTED, decided_on=on, result_note=note)
        payload = {"confirmation": jc.pk, "on": on.isoformat(), "late": late}
    with transaction.atomic():
        _save(jc, **fields)
        _transition(dispute, action, actor, now=now, expected_version=expected_version, payload=payload)
    return jc


def do_record_court_extension(dispute, *, acting_user, expected_version=None, now=None) -> JudicialConfirmation:
    """The court president extended the decision time by 10 days, once (SPC 2011 Art. 5)."""
    actor = permitted(dispute, "court_extend", acting_user, expected_version=expected_version)
    jc = _pending_confirmation(dispute)
    try:
        rules.check_court_extension(jc.extended)
    except rules.RuleBroken as e:
        raise _refused(e) from e
    decide_by = rules.court_decide_by(jc.accepted_on, extended=True)
    with transaction.atomic():
        _save(jc, extended=True, decide_by=decide_by)
        _transition(
            dispute,
            "court_extend",
            actor,
            now=now or timezone.now(),
            expected_version=expected_version,
            payload={"confirmation": jc.pk, "decide_by": decide_by.isoformat()},
        )
    return jc


def do_record_court_decision(
    dispute, *, confirmed: bool, on, acting_user, note="", expected_version=None, now=None
) -> JudicialConfirmation:
    """The court's decision: confirmed (enforceable) or not (the parties may mediate again or
    sue; 人民调解法 Art. 33)."""
    action = "court_confirm" if confirmed else "court_reject"
    actor = permitted(dispute, action, acting_user, expected_version=expected_version)
    now = now or timezone.now()
    jc = _pending_confirmation(dispute)
    on = _past_date(on, now, _("the court's decision"))
    try:
        rules.check_court_date(jc.accepted_on, on, "court_date_before_acceptance")
    except rules.RuleBroken as e:
        raise _refused(e) from e
    result = JudicialConfirmation.Result.CONFIRMED if confirmed else JudicialConfirmation.Result.REJECTED
    note = _text(note, limit=500)
    late = rules.is_late(jc.decide_by, on)
    with transaction.atomic():
        _save(jc, result=result, decided_on=on, result_note=note)
        _transition(
            dispute,
            action,
            actor,
            now=now,
            expected_version=expected_version,
            payload={"confirmation": jc.pk, "on": on.isoformat(), "late": late},
        )
        if not confirmed:
            # The agreement was found invalid: the dispute is unresolved again.
            _save(dispute, outcome=Dispute.Outcome.NONE)
    return jc


def do_remediate(dispute, *, acting_user, expected_version=None, now=None):
    """After the court found the agreement invalid the parties may change it or reach a new one
    by mediation (人民调解法 Art. 33): consent is asked again."""
    actor = permitted(dispute, "remediate", acting_user, expected_version=expected_version)
    with transaction.atomic():
        event = _transition(
            dispute,
            "remediate",
            actor,
            now=now or timezone.now(),
            expected_version=expected_version,
            payload={"round": dispute.consent_round + 1},
        )
        _save(dispute, consent_round=dispute.consent_round + 1)
    return event


# --- after the agreement --------------------------------------------------------------------


def do_follow_up(
    dispute, *, on, method, performance, acting_user, note="", expected_version=None, now=None
) -> FollowUp:
    """A check on the agreement's performance (人民调解法 Art. 31: the committee supervises it)."""
    actor = permitted(dispute, "follow_up", acting_user, expected_version=expected_version)
    now = now or timezone.now()
    agreement = _effective_agreement(dispute)
    if agreement is None:
        raise Invalid(_("There is no agreement in force to follow up."))
    on = _past_date(on, now, _("the follow-up"))
    if on < agreement.effective_on:
        raise Invalid(_("A follow-up cannot come before the agreement took effect."))
    if method not in FollowUp.Method.values or performance not in FollowUp.Performance.values:
        raise Invalid(_("Say how the follow-up was done and how the agreement is performed."))
    note = _text(note, limit=MAX_TEXT)
    with transaction.atomic():
        row = FollowUp.objects.create(
            dispute=dispute,
            agreement=agreement,
            on=on,
            method=method,
            performance=performance,
            note=note,
            recorded_by=acting_user,
        )
        _transition(
            dispute,
            "follow_up",
            actor,
            now=now,
            expected_version=expected_version,
            payload={"follow_up": row.pk, "performance": performance},
        )
    return row


def do_close_dispute(dispute, *, acting_user, expected_version=None, now=None):
    """Close the file once the agreement's performance has been followed up (人民调解法 Art. 31)
    and the record is complete for the archive (Art. 27)."""
    actor = permitted(dispute, "close", acting_user, expected_version=expected_version)
    agreement = _effective_agreement(dispute)
    try:
        rules.check_closing(FollowUp.objects.filter(agreement=agreement).count() if agreement else 0)
    except rules.RuleBroken as e:
        raise _refused(e) from e
    now = now or timezone.now()
    with transaction.atomic():
        event = _transition(
            dispute, "close", actor, now=now, expected_version=expected_version, changes={"closed_at": now, **NO_STEP}
        )
        _save(dispute, ended_at=now)
    return event


# --- the police and criminal outcomes -------------------------------------------------------


def do_refer_to_police(
    dispute, *, risk, acting_user, police_unit=None, station="", expected_version=None, now=None
) -> PoliceReferral:
    """Report a dispute that may lead to a public-security or criminal case to the police
    (人民调解法 Art. 25). It refers the dispute; nothing about a person is recorded."""
    actor = permitted(dispute, "refer_police", acting_user, expected_version=expected_version)
    risk = _text(risk, limit=MAX_TEXT, required_message=_("Say what in the dispute may escalate."))
    station = _text(station, limit=200)
    if police_unit is not None and (not police_unit.active or police_unit.unit_type != UnitType.PUBLIC_SECURITY):
        raise Invalid(_("Choose a public security unit."))
    if police_unit is None and not station:
        raise Invalid(_("Name the police unit or station the dispute is referred to."))
    now = now or timezone.now()
    with transaction.atomic():
        row = PoliceReferral.objects.create(
            dispute=dispute,
            police_unit=police_unit,
            station=station,
            risk=risk,
            referred_at=now,
            referred_by=acting_user,
        )
        _transition(
            dispute,
            "refer_police",
            actor,
            now=now,
            expected_version=expected_version,
            payload={"referral": row.pk, "police_unit": police_unit.code if police_unit else ""},
        )
    return row


def do_record_police_feedback(
    dispute, *, referral, feedback, acting_user, expected_version=None, now=None
) -> PoliceReferral:
    actor = permitted(dispute, "police_feedback", acting_user, expected_version=expected_version)
    if referral is None or referral.dispute_id != dispute.pk:
        raise Invalid(_("Choose a police referral of this dispute."))
    if referral.feedback_at is not None:
        raise Invalid(_("The police's feedback on this referral is already recorded."))
    feedback = _text(feedback, limit=MAX_TEXT, required_message=_("Write what the police did."))
    now = now or timezone.now()
    with transaction.atomic():
        _transition(
            dispute,
            "police_feedback",
            actor,
            now=now,
            expected_version=expected_version,
            payload={"referral": referral.pk},
        )
        _save(referral, feedback=feedback, feedback_at=now)
    return referral


def do_record_criminal_case(dispute, *, on, acting_user, note="", expected_version=None, now=None):
    """Record that the dispute became a criminal case (民转刑), as the police or a court notified:
    the outcome the numbers count. Recorded once."""
    actor = permitted(dispute, "record_criminal_case", acting_user, expected_version=expected_version)
    if dispute.became_criminal_at is not None:
        raise Invalid(_("This outcome is already recorded."))
    now = now or timezone.now()
    on = _past_date(on, now, _("the notice"))
    note = _text(note, limit=300)
    at = _start_of(on)
    with transaction.atomic():
        event = _transition(
            dispute,
            "record_criminal_case",
            actor,
            now=now,
            expected_version=expected_version,
            payload={"on": on.isoformat()},
        )
        _save(dispute, became_criminal_at=at, criminal_note=note)
    return event
