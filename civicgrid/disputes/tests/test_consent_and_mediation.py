"""Consent, the start of mediation and its period, sessions (人民调解法 Art. 17, 19, 23, 27)."""

from datetime import datetime, time

import pytest
import time_machine

from civicgrid.cases.actions import Conflict, Forbidden, Invalid
from civicgrid.cases.models import CaseEvent
from civicgrid.disputes import actions
from civicgrid.disputes.models import Consent, MediationSession, Party
from civicgrid.disputes.tests.conftest import TZ, assigned, at, mediating, reload


def end_of(day):
    return datetime.combine(datetime.fromisoformat(day).date(), time.max, tzinfo=TZ)


def written(dispute):
    """What a refused action must leave as it was."""
    dispute = reload(dispute)
    return (
        dispute.case.version,
        dispute.case.status,
        CaseEvent.objects.filter(case=dispute.case).count(),
        Consent.objects.filter(dispute=dispute).count(),
        dispute.mediation_started_at,
        MediationSession.objects.filter(dispute=dispute).count(),
    )


def asked(m, now=None):
    d = assigned(m, now=now)
    actions.do_ask_consent(d, acting_user=m.mia, now=now)
    return reload(d)


def consent(d, m, party, accepted=True, note="", now=None):
    actions.do_record_consent(d, party=party, accepted=accepted, channel="phone", note=note, acting_user=m.mia, now=now)
    return reload(d)


class TestAssigning:
    def test_it_assigns_mediators_of_the_organisation(self, mediation):
        d = assigned(mediation)
        assert list(d.mediators.all()) == [mediation.mia]
        event = CaseEvent.objects.filter(case=d.case, action="assign").get()
        assert event.payload == {"mediators": [mediation.mia.pk], "chosen_by_parties": False}

    def test_it_records_mediators_chosen_by_the_parties(self, mediation):
        d = assigned(mediation)
        actions.do_assign_mediators(
            d, mediators=[mediation.mia, mediation.max], chosen_by_parties=True, acting_user=mediation.mia
        )
        d = reload(d)
        assert set(d.mediators.all()) == {mediation.mia, mediation.max}
        assert d.mediators_chosen_by_parties

    def test_it_refuses_a_mediator_of_another_organisation(self, mediation):
        d = assigned(mediation)
        before = written(d)
        with pytest.raises(Invalid):
            actions.do_assign_mediators(d, mediators=[mediation.mo], acting_user=mediation.mia)
        assert written(d) == before

    def test_it_refuses_assignment_by_an_outsider(self, mediation):
        d = assigned(mediation)
        with pytest.raises(Forbidden):
            actions.do_assign_mediators(d, mediators=[mediation.max], acting_user=mediation.mo)


class TestConsent:
    def test_it_asks_consent_only_with_two_parties(self, mediation):
        d = assigned(mediation)
        Party.objects.filter(dispute=d, role="respondent").delete()
        before = written(d)
        with pytest.raises(Invalid) as e:
            actions.do_ask_consent(d, acting_user=mediation.mia)
        assert "人民调解法 Art. 2" in e.value.message
        assert written(d) == before

    def test_it_refuses_to_start_without_every_partys_consent_citing_art_17(self, mediation):
        d = asked(mediation)
        first = d.parties.order_by("pk").first()
        d = consent(d, mediation, first)
        before = written(d)
        with pytest.raises(Invalid) as e:
            actions.do_start_mediation(d, acting_user=mediation.mia)
        assert "人民调解法 Art. 17" in e.value.message
        assert written(d) == before

    def test_it_ends_the_mediation_when_a_party_refuses(self, mediation):
        d = asked(mediation)
        first, second = d.parties.order_by("pk")
        d = consent(d, mediation, first)
        d = consent(d, mediation, second, accepted=False, note="不愿调解，要起诉")
        assert (d.case.status, d.outcome) == ("refused", "refused")
        assert d.case.closed_at is not None and d.ended_at is not None
        refusal = Consent.objects.get(party=second)
        assert (refusal.accepted, refusal.note) == (False, "不愿调解，要起诉")
        event = CaseEvent.objects.filter(case=d.case).order_by("-seq").first()
        assert event.action == "decline"
        assert event.payload == {"party": second.pk, "round": 1, "rule": "人民调解法 Art. 17"}
        with pytest.raises(Forbidden):
            actions.do_start_mediation(d, acting_user=mediation.mia)

    def test_it_needs_what_a_refusing_party_said(self, mediation):
        d = asked(mediation)
        before = written(d)
        with pytest.raises(Invalid):
            consent(d, mediation, d.parties.first(), accepted=False)
        assert written(d) == before

    def test_it_records_each_partys_answer_once(self, mediation):
        d = asked(mediation)
        party = d.parties.first()
        d = consent(d, mediation, party)
        with pytest.raises(Invalid):
            consent(d, mediation, party)

    def test_it_refuses_a_party_of_another_dispute(self, mediation):
        d = asked(mediation)
        other = assigned(mediation)
        with pytest.raises(Invalid):
            consent(d, mediation, other.parties.first())

    def test_it_lets_only_an_assigned_mediator_record_consent(self, mediation):
        d = asked(mediation)
        with pytest.raises(Forbidden):
            actions.do_record_consent(
                d, party=d.parties.first(), accepted=True, channel="phone", acting_user=mediation.max
            )

    def test_it_refuses_a_stale_version(self, mediation):
        d = asked(mediation)
        with pytest.raises(Conflict):
            actions.do_record_consent(
                d,
                party=d.parties.first(),
                accepted=True,
                channel="phone",
                acting_user=mediation.mia,
                expected_version=d.case.version - 1,
            )


class TestThePeriod:
    def test_it_starts_a_30_day_period(self, mediation):
        now = at("2025-03-03")
        with time_machine.travel(now, tick=False):
            d = mediating(mediation, now=now)
        # 4 March is day 1, 2 April (a Wednesday) day 30.
        assert d.case.status == "mediating"
        assert d.period_days == 30 and d.period_ends_at == end_of("2025-04-02")
        assert (d.case.step, d.case.step_started_at, d.case.step_due_at) == ("handle", now, end_of("2025-04-02"))
        assert d.case.handle_due_at == end_of("2025-04-02")

    def test_it_starts_the_period_the_parties_agreed(self, mediation):
        now = at("2025-03-03")
        with time_machine.travel(now, tick=False):
            d = mediating(mediation, now=now, agreed_days=45)
        # 45 days from 3 March: 31 March is day 28, 17 April (a Thursday) day 45.
        assert (d.period_days, d.period_agreed, d.period_ends_at) == (45, True, end_of("2025-04-17"))

    def test_it_extends_the_period_when_the_parties_agree(self, mediation):
        now = at("2025-03-03")
        with time_machine.travel(now, tick=False):
            d = mediating(mediation, now=now)
            actions.do_extend_period(d, days=7, acting_user=mediation.mia, now=now)
        d = reload(d)
        # 2 April + 7 days = 9 April (a Wednesday).
        assert (d.period_days, d.period_ends_at, d.case.step_due_at) == (37, end_of("2025-04-09"), end_of("2025-04-09"))

    @pytest.mark.parametrize("days", [0, 366])
    def test_it_refuses_an_extension_out_of_range(self, mediation, days):
        d = mediating(mediation)
        before = written(d)
        with pytest.raises(Invalid):
            actions.do_extend_period(d, days=days, acting_user=mediation.mia)
        assert written(d) == before


class TestCourtReferrals:
    def referral(self, m, *, source, procedure="", received):
        return actions.do_receive_referral(
            acting_user=m.mia,
            category=m.neighbour,
            region_code="120101001001001",
            cause="诉前委派",
            source=source,
            referred_by="A区人民法院",
            procedure=procedure,
            received_at=received,
            parties=[actions.PartyIn("甲", "applicant"), actions.PartyIn("乙", "respondent")],
            now=received,
        )

    def test_it_runs_a_delegated_mediations_30_days_from_the_referral(self, mediation):
        d = self.referral(mediation, source="court_delegated", received=at("2025-03-03"))
        assert (d.case.status, d.organisation, d.period_days) == ("applied", mediation.committee_a, 30)
        assert d.period_ends_at == end_of("2025-04-02")

    def test_it_runs_an_entrusted_mediations_7_days_under_the_simplified_procedure(self, mediation):
        d = self.referral(mediation, source="court_entrusted", procedure="simplified", received=at("2025-03-03"))
        # 7 days from Mon 3 March: Mon 10 March.
        assert d.period_ends_at == end_of("2025-03-10")
        now = at("2025-03-05")
        with time_machine.travel(now, tick=False):
            actions.do_assign_mediators(d, mediators=[mediation.mia], acting_user=mediation.mia, now=now)
            d = reload(d)
            actions.do_ask_consent(d, acting_user=mediation.mia, now=now)
            d = reload(d)
            for p in d.parties.all():
                d = consent(d, mediation, p, now=now)
            actions.do_start_mediation(d, acting_user=mediation.mia, now=now)
        d = reload(d)
        # The clock started at the referral, not at the start of mediation.
        assert d.case.step_started_at == at("2025-03-03") and d.case.step_due_at == end_of("2025-03-10")

    def test_it_refuses_to_start_once_the_courts_period_has_passed(self, mediation):
        d = self.referral(mediation, source="court_entrusted", procedure="simplified", received=at("2025-03-03"))
        now = at("2025-03-11")  # day 8 of a 7-day period
        with time_machine.travel(now, tick=False):
            actions.do_assign_mediators(d, mediators=[mediation.mia], acting_user=mediation.mia, now=now)
            d = reload(d)
            actions.do_ask_consent(d, acting_user=mediation.mia, now=now)
            d = reload(d)
            for p in d.parties.all():
                d = consent(d, mediation, p, now=now)
            before = written(d)
            with pytest.raises(Invalid) as e:
                actions.do_start_mediation(d, acting_user=mediation.mia, now=now)
            assert "2025-03-10" in e.value.message and "特邀调解" in e.value.message
            assert written(d) == before
            # With the parties' agreement to a longer period (10 days from the referral: 13 March) it starts.
            actions.do_start_mediation(d, acting_user=mediation.mia, agreed_days=10, now=now)
        assert reload(d).period_ends_at == end_of("2025-03-13")

    def test_it_needs_the_procedure_of_an_entrusted_mediation(self, mediation):
        with pytest.raises(Invalid) as e:
            self.referral(mediation, source="court_entrusted", received=at("2025-03-03"))
        assert "特邀调解" in e.value.message

    def test_it_lets_only_a_mediator_of_the_place_register_a_referral(self, mediation):
        with pytest.raises(Forbidden):
            actions.do_receive_referral(
                acting_user=mediation.mo,
                category=mediation.neighbour,
                region_code="120101001",
                cause="x",
                source="police",
                referred_by="A派出所",
            )


class TestSessions:
    def test_it_keeps_a_dated_record_of_an_online_session(self, mediation):
        d = mediating(mediation)
        start = at("2025-03-05", 14)
        session = actions.do_schedule_session(
            d, mode="online", scheduled_for=start, venue="线上调解室 3", acting_user=mediation.mia
        )
        d = reload(d)
        actions.do_record_session(
            d, session=session, participants="张三、李四、调解员", minutes="双方同意修复漏水", acting_user=mediation.mia
        )
        session.refresh_from_db()
        assert (session.mode, session.held_at, session.participants) == ("online", start, "张三、李四、调解员")
        events = CaseEvent.objects.filter(case=d.case, action__in=["schedule_session", "record_session"])
        assert all("张三" not in str(e.payload) and not e.reason for e in events)

    def test_it_needs_a_venue_for_a_session_in_person(self, mediation):
        d = mediating(mediation)
        with pytest.raises(Invalid):
            actions.do_schedule_session(d, mode="in_person", scheduled_for=at("2025-03-05"), acting_user=mediation.mia)

    def test_it_records_a_session_once_and_not_before_it_happens(self, mediation):
        d = mediating(mediation)
        future = actions.do_schedule_session(
            d, mode="online", scheduled_for=at("2099-01-01"), acting_user=mediation.mia
        )
        with pytest.raises(Invalid):
            actions.do_record_session(
                reload(d), session=future, participants="a", minutes="b", acting_user=mediation.mia
            )
        past = actions.do_schedule_session(
            reload(d), mode="online", scheduled_for=at("2025-03-05"), acting_user=mediation.mia
        )
        actions.do_record_session(reload(d), session=past, participants="a", minutes="b", acting_user=mediation.mia)
        with pytest.raises(Invalid):
            actions.do_record_session(reload(d), session=past, participants="a", minutes="c", acting_user=mediation.mia)
