"""Mediation: mediators, parties, consent, the period, sessions, the agreement, termination."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.cases.actions import (
    NO_STEP,
    Conflict,
    Invalid,
)
from civicgrid.disputes import rules
from civicgrid.disputes import workflow as wf
from civicgrid.disputes.access import mediators_of
from civicgrid.disputes.actions._base import (
    MAX_MEDIATORS,
    MAX_MINUTES,
    MAX_PARTIES,
    MAX_TEXT,
    PartyIn,
    _clean_party,
    _date_text,
    _messages,
    _past_date,
    _refused,
    _save,
    _text,
    _transition,
    permitted,
)
from civicgrid.disputes.models import (
    Agreement,
    Consent,
    Dispute,
    MediationSession,
    Party,
)

# --- before mediation -----------------------------------------------------------------------


def do_assign_mediators(dispute, *, mediators, acting_user, chosen_by_parties=False, expected_version=None, now=None):
    """Assign one or more mediators of the dispute's organisation (人民调解法 Art. 19); the
    parties may choose them (Art. 23(1))."""
    actor = permitted(dispute, "assign", acting_user, expected_version=expected_version)
    chosen = {u.pk: u for u in mediators or ()}
    if not chosen or len(chosen) > MAX_MEDIATORS:
        raise Invalid(_("Assign from 1 to %(n)s mediators.") % {"n": MAX_MEDIATORS})
    allowed = {u.pk for u in mediators_of(dispute.organisation)}
    if set(chosen) - allowed:
        raise Invalid(_("Only mediators of %(unit)s can be assigned.") % {"unit": dispute.organisation})
    now = now or timezone.now()
    with transaction.atomic():
        event = _transition(
            dispute,
            "assign",
            actor,
            now=now,
            expected_version=expected_version,
            payload={"mediators": sorted(chosen), "chosen_by_parties": bool(chosen_by_parties)},
        )
        dispute.mediators.set(list(chosen.values()))
        _save(dispute, mediators_chosen_by_parties=bool(chosen_by_parties))
    return event


def do_add_party(dispute, *, party: PartyIn, acting_user, expected_version=None, now=None) -> Party:
    actor = permitted(dispute, "add_party", acting_user, expected_version=expected_version)
    party = _clean_party(party)
    if dispute.parties.count() >= MAX_PARTIES:
        raise Invalid(_("At most %(n)s parties.") % {"n": MAX_PARTIES})
    with transaction.atomic():
        row = Party.objects.create(
            dispute=dispute, name=party.name, contact=party.contact, role=party.role, kind=party.kind
        )
        _transition(
            dispute,
            "add_party",
            actor,
            now=now or timezone.now(),
            expected_version=expected_version,
            payload={"party": row.pk, "role": row.role},
        )
    return row


def do_ask_consent(dispute, *, acting_user, expected_version=None, now=None):
    """The parties are asked whether they accept mediation (人民调解法 Art. 17)."""
    actor = permitted(dispute, "ask_consent", acting_user, expected_version=expected_version)
    try:
        rules.check_parties(dispute.parties.count())
    except rules.RuleBroken as e:
        raise _refused(e) from e
    return _transition(
        dispute,
        "ask_consent",
        actor,
        now=now or timezone.now(),
        expected_version=expected_version,
        payload={"round": dispute.consent_round},
    )


def do_record_consent(
    dispute, *, party, accepted: bool, channel, acting_user, note="", expected_version=None, now=None
) -> Consent:
    """A party's answer. Acceptance is recorded; a refusal ends the mediation before it starts,
    with the refusal on record (人民调解法 Art. 17)."""
    action = "record_consent" if accepted else "decline"
    actor = permitted(dispute, action, acting_user, expected_version=expected_version)
    if party is None or party.dispute_id != dispute.pk:
        raise Invalid(_("Choose a party of this dispute."))
    if channel not in Consent.Channel.values:
        raise Invalid(_("Say how the party answered."))
    note = _text(note, limit=500)
    if not accepted and not note:
        raise Invalid(_("Record what the party said when refusing."))
    if Consent.objects.filter(party=party, round=dispute.consent_round).exists():
        raise Invalid(_("This party's answer is already recorded."))
    now = now or timezone.now()
    changes = {}
    if not accepted:
        changes = {"closed_at": now, **NO_STEP}
    with transaction.atomic():
        consent = Consent.objects.create(
            dispute=dispute,
            party=party,
            round=dispute.consent_round,
            accepted=bool(accepted),
            channel=channel,
            note=note,
            recorded_at=now,
            recorded_by=acting_user,
        )
        payload = {"party": party.pk, "round": dispute.consent_round}
        if not accepted:
            payload["rule"] = f"{rules.PEOPLES_MEDIATION_LAW} Art. 17"
        _transition(
            dispute, action, actor, now=now, expected_version=expected_version, payload=payload, changes=changes
        )
        if not accepted:
            _save(dispute, outcome=Dispute.Outcome.REFUSED, ended_at=now)
    return consent


def _period_changes(end, start) -> dict:
    return {
        "step": "handle",
        "step_started_at": start,
        "step_due_at": end,
        "overdue_marked": False,
        "handle_due_at": end,
    }


def do_start_mediation(dispute, *, acting_user, agreed_days=None, expected_version=None, now=None):
    """Start mediation once every party has accepted it (人民调解法 Art. 17). The period is 30
    days, a court's 委派 30 or 委托 15/7 days from the referral, or what the parties agree."""
    actor = permitted(dispute, "start_mediation", acting_user, expected_version=expected_version)
    parties = list(dispute.parties.all())
    answered = dict(
        Consent.objects.filter(dispute=dispute, round=dispute.consent_round).values_list("party_id", "accepted")
    )
    now = now or timezone.now()
    try:
        rules.check_consents(answered.get(p.pk) for p in parties)
        days = rules.period_days(dispute.source, procedure=dispute.court_procedure, agreed_days=agreed_days)
    except rules.RuleBroken as e:
        raise _refused(e) from e
    start = rules.period_starts(dispute.source, received_at=dispute.received_at, mediation_started_at=now)
    end = rules.mediation_period_end(start, days)
    if end < now:
        rule = (
            rules.SPC_INVITED_MEDIATION_RULES if dispute.source in rules.COURT_SOURCES else rules.PEOPLES_MEDIATION_LAW
        )
        raise _refused(rules.RuleBroken("period_over", rule), deadline=_date_text(end))
    with transaction.atomic():
        event = _transition(
            dispute,
            "start_mediation",
            actor,
            now=now,
            expected_version=expected_version,
            payload={"days": days, "agreed": agreed_days is not None, "ends": end.isoformat()},
            changes={"accepted_at": now, **_period_changes(end, start)},
        )
        _save(
            dispute,
            mediation_started_at=dispute.mediation_started_at or now,
            period_days=days,
            period_agreed=agreed_days is not None,
            period_ends_at=end,
        )
    return event


def do_extend_period(dispute, *, days, acting_user, expected_version=None, now=None):
    """The parties agree on ``days`` more for the mediation (the period applies "unless the
    parties agree otherwise"; SPC 2016: a court's period is extended with their consent)."""
    actor = permitted(dispute, "extend_period", acting_user, expected_version=expected_version)
    try:
        days = rules.period_days(dispute.source, agreed_days=days)
    except (rules.RuleBroken, TypeError) as e:
        raise Invalid(_messages()["agreed_days_out_of_range"]) from e
    end = rules.mediation_period_end(dispute.period_ends_at, days)
    now = now or timezone.now()
    with transaction.atomic():
        event = _transition(
            dispute,
            "extend_period",
            actor,
            now=now,
            expected_version=expected_version,
            payload={"days": days, "ends": end.isoformat()},
            changes={"step_due_at": end, "handle_due_at": end, "overdue_marked": False},
        )
        _save(dispute, period_ends_at=end, period_days=(dispute.period_days or 0) + days, period_agreed=True)
    return event


# --- sessions -------------------------------------------------------------------------------


def do_schedule_session(
    dispute, *, mode, scheduled_for, acting_user, venue="", public=False, expected_version=None, now=None
) -> MediationSession:
    actor = permitted(dispute, "schedule_session", acting_user, expected_version=expected_version)
    if mode not in MediationSession.Mode.values:
        raise Invalid(_("A session is in person or online."))
    if not isinstance(scheduled_for, datetime) or timezone.is_naive(scheduled_for):
        raise Invalid(_("Give the date and time of the session."))
    venue = _text(venue, limit=200)
    if mode == MediationSession.Mode.IN_PERSON and not venue:
        raise Invalid(_("Say where the session takes place."))
    now = now or timezone.now()
    with transaction.atomic():
        session = MediationSession.objects.create(
            dispute=dispute,
            mode=mode,
            scheduled_for=scheduled_for,
            venue=venue,
            public=bool(public),
            created_by=acting_user,
        )
        _transition(
            dispute,
            "schedule_session",
            actor,
            now=now,
            expected_version=expected_version,
            payload={"session": session.pk, "mode": mode, "at": scheduled_for.isoformat()},
        )
    return session


def do_record_session(
    dispute, *, session, participants, minutes, acting_user, held_at=None, expected_version=None, now=None
) -> MediationSession:
    """The dated record of a session: who took part and the minutes (人民调解法 Art. 27)."""
    actor = permitted(dispute, "record_session", acting_user, expected_version=expected_version)
    if session is None or session.dispute_id != dispute.pk:
        raise Invalid(_("Choose a session of this dispute."))
    if session.held_at is not None:
        raise Invalid(_("This session is already recorded."))
    now = now or timezone.now()
    held_at = held_at or session.scheduled_for
    if held_at > now:
        raise Invalid(_("A session can be recorded once it has taken place."))
    participants = _text(participants, limit=1000, required_message=_("List who took part."))
    minutes = _text(minutes, limit=MAX_MINUTES, required_message=_("Write the minutes of the session."))
    with transaction.atomic():
        updated = MediationSession.objects.filter(pk=session.pk, held_at__isnull=True).update(
            held_at=held_at, participants=participants, minutes=minutes
        )
        if updated != 1:
            raise Conflict(_("This session is already recorded."))
        _transition(
            dispute,
            "record_session",
            actor,
            now=now,
            expected_version=expected_version,
            payload={"session": session.pk, "held_at": held_at.isoformat()},
        )
    session.held_at, session.participants, session.minutes = held_at, participants, minutes
    return session


# --- the agreement --------------------------------------------------------------------------


def current_agreement(dispute) -> Agreement | None:
    return Agreement.objects.filter(dispute=dispute).order_by("-pk").first()


def _draft(dispute) -> Agreement | None:
    latest = current_agreement(dispute)
    if latest is not None and latest.form == Agreement.Form.WRITTEN and latest.effective_on is None:
        return latest
    return None


def do_draft_agreement(
    dispute, *, terms, acting_user, facts="", performance="", perform_by=None, expected_version=None, now=None
) -> Agreement:
    """Write (or revise) the written agreement before it is printed and signed (人民调解法
    Art. 28–29): the facts, disputed items and responsibilities, the terms, how and by when."""
    actor = permitted(dispute, "draft_agreement", acting_user, expected_version=expected_version)
    terms = _text(terms, limit=5000)
    try:
        rules.check_agreement(rules.WRITTEN, terms=terms, signed_by_all=True, sealed=True)
    except rules.RuleBroken as e:
        raise _refused(e) from e
    facts = _text(facts, limit=5000)
    performance = _text(performance, limit=MAX_TEXT)
    now = now or timezone.now()
    fields = dict(facts=facts, terms=terms, performance=performance, perform_by=perform_by)
    with transaction.atomic():
        draft = _draft(dispute)
        if draft is None:
            draft = Agreement.objects.create(
                dispute=dispute, form=Agreement.Form.WRITTEN, drafted_at=now, drafted_by=acting_user, **fields
            )
        else:
            _save(draft, drafted_at=now, drafted_by=acting_user, **fields)
        _transition(
            dispute,
            "draft_agreement",
            actor,
            now=now,
            expected_version=expected_version,
            payload={"agreement": draft.pk},
        )
    return draft


def do_reach_agreement(
    dispute,
    *,
    form,
    effective_on,
    acting_user,
    signed_by_all=False,
    sealed=False,
    terms="",
    facts="",
    performance="",
    perform_by=None,
    expected_version=None,
    now=None,
) -> Agreement:
    """The parties agree. Written: the printed draft, effective on the day every party and the
    mediator signed it with the committee's seal (Art. 29). Oral: the content recorded by the
    mediator, effective on the day agreed (Art. 28, 30)."""
    actor = permitted(dispute, "reach_agreement", acting_user, expected_version=expected_version)
    now = now or timezone.now()
    draft = _draft(dispute) if form == rules.WRITTEN else None
    if form == rules.WRITTEN and draft is None:
        raise Invalid(_("Draft and print the written agreement first; then record that it was signed."))
    terms = draft.terms if draft is not None else _text(terms, limit=5000)
    try:
        rules.check_agreement(form, terms=terms, signed_by_all=bool(signed_by_all), sealed=bool(sealed))
    except rules.RuleBroken as e:
        raise _refused(e) from e
    effective_on = _past_date(effective_on, now, _("the agreement taking effect"))
    started = timezone.localtime(dispute.mediation_started_at).date() if dispute.mediation_started_at else None
    if started is not None and effective_on < started:
        raise Invalid(_("An agreement cannot take effect before the mediation started."))
    on_time = dispute.period_ends_at is None or now <= dispute.period_ends_at
    with transaction.atomic():
        if draft is None:
            agreement = Agreement.objects.create(
                dispute=dispute,
                form=Agreement.Form.ORAL,
                facts=_text(facts, limit=5000),
                terms=terms,
                performance=_text(performance, limit=MAX_TEXT),
                perform_by=perform_by,
                effective_on=effective_on,
                drafted_at=now,
                drafted_by=acting_user,
            )
        else:
            _save(draft, effective_on=effective_on)
            agreement = draft
        _transition(
            dispute,
            "reach_agreement",
            actor,
            now=now,
            expected_version=expected_version,
            payload={"agreement": agreement.pk, "form": form, "effective_on": effective_on.isoformat()},
            changes={"handled_at": now, "handled_on_time": on_time, **NO_STEP},
        )
        _save(dispute, outcome=Dispute.Outcome.AGREED, agreed_at=now)
    return agreement


def do_terminate_mediation(dispute, *, ground, routes, acting_user, note="", expected_version=None, now=None):
    """End a mediation without agreement and record the other routes the parties were told of
    (人民调解法 Art. 26; Art. 23(2) a party may stop it; Art. 33 after the court's refusal)."""
    actor = permitted(dispute, "terminate", acting_user, expected_version=expected_version)
    if dispute.case.status == wf.JC_REJECTED:
        ground = Dispute.Ground.NOT_CONFIRMED
    if ground not in Dispute.Ground.values:
        raise Invalid(_("Say why the mediation ends."))
    routes = sorted(set(routes or ()))
    try:
        rules.check_termination(routes)
    except rules.RuleBroken as e:
        raise _refused(e) from e
    note = _text(note, limit=MAX_TEXT)
    now = now or timezone.now()
    with transaction.atomic():
        event = _transition(
            dispute,
            "terminate",
            actor,
            now=now,
            expected_version=expected_version,
            payload={"ground": ground, "routes": routes},
            changes={"closed_at": now, **NO_STEP},
        )
        _save(
            dispute,
            outcome=Dispute.Outcome.TERMINATED,
            ended_at=now,
            termination_ground=ground,
            routes_explained=routes,
            termination_note=note,
        )
    return event
