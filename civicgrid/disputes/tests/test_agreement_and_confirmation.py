"""The agreement (人民调解法 Art. 28–31), termination (Art. 26) and judicial confirmation
(Art. 33; SPC rules 2011 Art. 4–5), with every deadline on hand-computed dates."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from civicgrid.cases.actions import Forbidden, Invalid
from civicgrid.cases.models import CaseEvent
from civicgrid.disputes import actions
from civicgrid.disputes.models import Agreement, Dispute, FollowUp, JudicialConfirmation
from civicgrid.disputes.tests.conftest import TZ, agreed, at, mediating, reload


def end_of(day):
    return datetime.combine(date.fromisoformat(day), time.max, tzinfo=TZ)


def day(text):
    return date.fromisoformat(text)


def written(dispute):
    dispute = reload(dispute)
    return (
        dispute.case.version,
        dispute.case.status,
        dispute.outcome,
        CaseEvent.objects.filter(case=dispute.case).count(),
        Agreement.objects.filter(dispute=dispute).count(),
        list(Agreement.objects.filter(dispute=dispute).values_list("effective_on", flat=True)),
        JudicialConfirmation.objects.filter(dispute=dispute).count(),
        FollowUp.objects.filter(dispute=dispute).count(),
    )


class TestTheAgreement:
    def test_it_records_an_oral_agreement_effective_on_the_day_agreed(self, mediation):
        now = at("2025-03-10")
        with time_machine.travel(now, tick=False):
            d = agreed(mediation, now=now)
        a = d.agreements.get()
        assert (d.case.status, d.outcome, a.form, a.effective_on) == ("agreed", "agreed", "oral", day("2025-03-10"))
        assert (d.case.handled_at, d.case.handled_on_time, d.case.step) == (now, True, "")

    def test_it_makes_a_written_agreement_effective_once_signed_and_sealed(self, mediation):
        d = mediating(mediation)
        actions.do_draft_agreement(d, facts="漏水", terms="修复并赔偿500元", acting_user=mediation.mia)
        d = reload(d)
        before = written(d)
        with pytest.raises(Invalid) as e:
            actions.do_reach_agreement(
                d,
                form="written",
                effective_on=timezone.localdate(),
                signed_by_all=True,
                sealed=False,
                acting_user=mediation.mia,
            )
        assert "人民调解法 Art. 29" in e.value.message
        assert written(d) == before
        actions.do_reach_agreement(
            d,
            form="written",
            effective_on=timezone.localdate(),
            signed_by_all=True,
            sealed=True,
            acting_user=mediation.mia,
        )
        a = reload(d).agreements.get()
        assert (a.form, a.terms, a.effective_on) == ("written", "修复并赔偿500元", timezone.localdate())

    def test_it_needs_the_printed_draft_before_a_written_agreement(self, mediation):
        d = mediating(mediation)
        with pytest.raises(Invalid):
            actions.do_reach_agreement(
                d,
                form="written",
                effective_on=timezone.localdate(),
                signed_by_all=True,
                sealed=True,
                acting_user=mediation.mia,
            )

    def test_it_revises_the_draft_until_it_is_signed(self, mediation):
        d = mediating(mediation)
        actions.do_draft_agreement(d, terms="第一稿", acting_user=mediation.mia)
        actions.do_draft_agreement(reload(d), terms="第二稿", acting_user=mediation.mia)
        assert list(Agreement.objects.filter(dispute=d).values_list("terms", flat=True)) == ["第二稿"]

    def test_the_revised_draft_it_returns_is_the_stored_one(self, mediation):
        d = mediating(mediation)
        first = actions.do_draft_agreement(d, terms="第一稿", acting_user=mediation.mia)
        later = first.drafted_at + timedelta(hours=1)
        with time_machine.travel(later, tick=False):
            revised = actions.do_draft_agreement(reload(d), terms="第二稿", acting_user=mediation.mia)
        stored = Agreement.objects.get(pk=revised.pk)
        assert (revised.terms, revised.drafted_at, revised.drafted_by) == ("第二稿", later, mediation.mia)
        assert (stored.terms, stored.drafted_at, stored.drafted_by) == ("第二稿", later, mediation.mia)

    def test_it_refuses_an_effective_date_in_the_future_or_before_the_mediation(self, mediation):
        now = at("2025-03-10")
        with time_machine.travel(now, tick=False):
            d = mediating(mediation, now=now)
            for bad in (day("2025-03-11"), day("2025-03-09")):
                with pytest.raises(Invalid):
                    actions.do_reach_agreement(d, form="oral", effective_on=bad, terms="x", acting_user=mediation.mia)
        assert not Agreement.objects.exists()

    def test_it_keeps_the_terms_out_of_the_events(self, mediation):
        d = agreed(mediation, form="written")
        for e in CaseEvent.objects.filter(case=d.case):
            assert "赔偿" not in str(e.payload) and "赔偿" not in e.reason


class TestTermination:
    def test_it_records_the_other_routes_explained(self, mediation):
        d = mediating(mediation)
        actions.do_terminate_mediation(
            d, ground="failed", routes=["litigation", "arbitration"], note="告知可起诉", acting_user=mediation.mia
        )
        d = reload(d)
        assert (d.case.status, d.outcome, d.termination_ground) == ("terminated", "terminated", "failed")
        assert d.routes_explained == ["arbitration", "litigation"] and d.case.closed_at is not None

    def test_it_refuses_a_termination_without_the_routes_citing_art_26(self, mediation):
        d = mediating(mediation)
        before = written(d)
        with pytest.raises(Invalid) as e:
            actions.do_terminate_mediation(d, ground="failed", routes=[], acting_user=mediation.mia)
        assert "人民调解法 Art. 26" in e.value.message
        assert written(d) == before


class TestJudicialConfirmation:
    def effective_3_march(self, m):
        now = at("2025-03-03")
        with time_machine.travel(now, tick=False):
            return agreed(m, now=now, effective_on=day("2025-03-03"))

    def test_it_tracks_the_application_and_the_courts_deadlines(self, mediation):
        d = self.effective_3_march(mediation)
        with time_machine.travel(at("2025-04-02"), tick=False):
            # Day 30 after 3 March (4 March is day 1) is Wed 2 April: in time.
            jc = actions.do_apply_for_confirmation(
                d, court="A区人民法院", applied_on=day("2025-04-02"), acting_user=mediation.mia
            )
        assert jc.apply_by == end_of("2025-04-02")
        # The court decides on acceptance within 3 days: 5 April, in Qingming (4–6 April) → Mon 7 April.
        assert jc.accept_by == end_of("2025-04-07")
        d = reload(d)
        assert d.case.status == "jc_applied"
        with time_machine.travel(at("2025-04-07"), tick=False):
            jc = actions.do_record_court_acceptance(
                d, accepted=True, on=day("2025-04-07"), court_number="(2025)津0101民特1号", acting_user=mediation.mia
            )
        # 15 days from Mon 7 April: 8 April is day 1, Tue 22 April day 15.
        assert jc.decide_by == end_of("2025-04-22")
        event = CaseEvent.objects.filter(case=d.case, action="court_accept").get()
        assert event.payload["late"] is False
        d = reload(d)
        with time_machine.travel(at("2025-04-20"), tick=False):
            jc = actions.do_record_court_extension(d, acting_user=mediation.mia)
        # Extended by 10 days: Fri 2 May, in the Labour Day holiday (1–5 May) → Tue 6 May.
        assert (jc.extended, jc.decide_by) == (True, end_of("2025-05-06"))
        d = reload(d)
        with pytest.raises(Invalid):
            actions.do_record_court_extension(d, acting_user=mediation.mia)  # once only
        with time_machine.travel(at("2025-05-06"), tick=False):
            actions.do_record_court_decision(d, confirmed=True, on=day("2025-05-06"), acting_user=mediation.mia)
        d = reload(d)
        assert d.case.status == "jc_confirmed"
        assert JudicialConfirmation.objects.get().result == "confirmed"

    def test_it_refuses_the_application_on_day_31_citing_art_33_and_writes_nothing(self, mediation):
        d = self.effective_3_march(mediation)
        before = written(d)
        with time_machine.travel(at("2025-04-03"), tick=False), pytest.raises(Invalid) as e:
            actions.do_apply_for_confirmation(
                d, court="A区人民法院", applied_on=day("2025-04-03"), acting_user=mediation.mia
            )
        assert "人民调解法 Art. 33" in e.value.message
        assert "2025-04-02" in e.value.message and "2025-04-03" in e.value.message
        assert written(d) == before

    def test_it_refuses_an_application_that_is_not_joint(self, mediation):
        d = self.effective_3_march(mediation)
        before = written(d)
        with time_machine.travel(at("2025-03-05"), tick=False), pytest.raises(Invalid) as e:
            actions.do_apply_for_confirmation(
                d, court="A区人民法院", applied_on=day("2025-03-05"), joint=False, acting_user=mediation.mia
            )
        assert "jointly" in e.value.message and "Art. 33" in e.value.message
        assert written(d) == before

    def test_it_marks_a_late_answer_of_the_court(self, mediation):
        d = self.effective_3_march(mediation)
        with time_machine.travel(at("2025-03-20"), tick=False):
            actions.do_apply_for_confirmation(d, court="法院", applied_on=day("2025-03-10"), acting_user=mediation.mia)
            # Applied Mon 10 March: the court had until Thu 13 March; it answered on the 17th.
            actions.do_record_court_acceptance(
                reload(d), accepted=True, on=day("2025-03-17"), acting_user=mediation.mia
            )
        assert CaseEvent.objects.filter(case=d.case, action="court_accept").get().payload["late"] is True

    def test_it_refuses_a_court_date_before_the_application(self, mediation):
        d = self.effective_3_march(mediation)
        with time_machine.travel(at("2025-03-20"), tick=False):
            actions.do_apply_for_confirmation(d, court="法院", applied_on=day("2025-03-10"), acting_user=mediation.mia)
            with pytest.raises(Invalid):
                actions.do_record_court_acceptance(
                    reload(d), accepted=True, on=day("2025-03-09"), acting_user=mediation.mia
                )

    def test_it_keeps_the_agreement_when_the_court_does_not_accept(self, mediation):
        d = self.effective_3_march(mediation)
        with time_machine.travel(at("2025-03-20"), tick=False):
            actions.do_apply_for_confirmation(d, court="法院", applied_on=day("2025-03-10"), acting_user=mediation.mia)
            actions.do_record_court_acceptance(
                reload(d), accepted=False, on=day("2025-03-12"), acting_user=mediation.mia
            )
        d = reload(d)
        assert (d.case.status, d.outcome) == ("agreed", "agreed")
        assert JudicialConfirmation.objects.get().result == "not_accepted"

    def test_it_lets_the_parties_mediate_again_when_the_court_rejects(self, mediation):
        d = self.effective_3_march(mediation)
        with time_machine.travel(at("2025-03-25"), tick=False):
            actions.do_apply_for_confirmation(d, court="法院", applied_on=day("2025-03-10"), acting_user=mediation.mia)
            actions.do_record_court_acceptance(
                reload(d), accepted=True, on=day("2025-03-11"), acting_user=mediation.mia
            )
            actions.do_record_court_decision(
                reload(d), confirmed=False, on=day("2025-03-20"), acting_user=mediation.mia
            )
            d = reload(d)
            assert (d.case.status, d.outcome) == ("jc_rejected", "")
            actions.do_remediate(d, acting_user=mediation.mia)
        d = reload(d)
        assert (d.case.status, d.consent_round) == ("consenting", 2)
        with pytest.raises(Invalid):  # consent is asked again
            actions.do_start_mediation(d, acting_user=mediation.mia)

    def test_it_terminates_with_the_routes_after_the_court_rejects(self, mediation):
        d = self.effective_3_march(mediation)
        with time_machine.travel(at("2025-03-25"), tick=False):
            actions.do_apply_for_confirmation(d, court="法院", applied_on=day("2025-03-10"), acting_user=mediation.mia)
            actions.do_record_court_acceptance(
                reload(d), accepted=True, on=day("2025-03-11"), acting_user=mediation.mia
            )
            actions.do_record_court_decision(
                reload(d), confirmed=False, on=day("2025-03-20"), acting_user=mediation.mia
            )
            actions.do_terminate_mediation(reload(d), ground="failed", routes=["litigation"], acting_user=mediation.mia)
        d = reload(d)
        assert (d.case.status, d.termination_ground) == ("terminated", Dispute.Ground.NOT_CONFIRMED)


class TestFollowUpAndClosing:
    def test_it_closes_only_after_a_follow_up_citing_art_31(self, mediation):
        d = agreed(mediation)
        before = written(d)
        with pytest.raises(Invalid) as e:
            actions.do_close_dispute(d, acting_user=mediation.mia)
        assert "人民调解法 Art. 31" in e.value.message
        assert written(d) == before
        actions.do_follow_up(d, on=timezone.localdate(), method="phone", performance="full", acting_user=mediation.mia)
        actions.do_close_dispute(reload(d), acting_user=mediation.sue)  # the supervisor may close
        d = reload(d)
        assert d.case.status == "closed" and d.case.closed_at is not None and d.outcome == "agreed"

    def test_it_refuses_a_follow_up_before_the_agreement(self, mediation):
        now = at("2025-03-10")
        with time_machine.travel(now, tick=False):
            d = agreed(mediation, now=now)
            with pytest.raises(Invalid):
                actions.do_follow_up(
                    d, on=day("2025-03-09"), method="visit", performance="none", acting_user=mediation.mia
                )

    def test_it_lets_an_unassigned_mediator_do_nothing_after_the_agreement(self, mediation):
        d = agreed(mediation)
        with pytest.raises(Forbidden):
            actions.do_follow_up(
                d, on=timezone.localdate(), method="visit", performance="full", acting_user=mediation.max
            )
