"""A grievance through every statutory step, each deadline on hand-computed dates (2025 calendar:
Labour Day 1-5 May; Dragon Boat 31 May - 2 Jun), and the refusals on the way. A refused
action writes nothing."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from civicgrid.cases.actions import Conflict, Forbidden, Invalid
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.grievances import actions
from civicgrid.grievances.models import Document, Evaluation, Grievance, Hearing
from civicgrid.grievances.tests.conftest import accusation, admit, assign, decide, reload, submit

TZ = ZoneInfo("Asia/Shanghai")


def at(m, d, hh=10, mm=0):
    return dt.datetime(2025, m, d, hh, mm, tzinfo=TZ)


def end_of(m, d):
    return dt.datetime(2025, m, d, 23, 59, 59, 999999, tzinfo=TZ)


def snapshot(case):
    """Everything an action could write about ``case``."""
    c = Case.objects.filter(pk=case.pk).values().get()
    g = Grievance.objects.filter(pk=case.pk).values().get()
    return (
        c,
        g,
        CaseEvent.objects.filter(case_id=case.pk).count(),
        Document.objects.count(),
        Hearing.objects.count(),
        Evaluation.objects.count(),
    )


def refused(error, fn, case, match, **kw):
    before = snapshot(case)
    with pytest.raises(error, match=match or None):
        fn(reload(case), **kw)
    assert snapshot(case) == before


class TestTriage:
    def test_it_assigns_the_body_with_its_notice_and_objection_clocks(self, world):
        case = assign(world, submit(world, now=at(3, 1)), now=at(3, 3))
        g = case.grievance
        assert case.status == "assigned" and case.owner_unit == world.urban_a and g.authority_unit == world.urban_a
        # Art. 23: notice 15 days after Mon 3 Mar = Tue 18 Mar; objection 5 working days = Mon 10 Mar 17:30.
        assert case.step == "notice" and case.step_due_at == end_of(3, 18) == g.notice_due_at
        assert g.objection_due_at == at(3, 10, 17, 30)
        assert g.office == world.office_a and g.triaged_at == at(3, 3)

    def test_it_needs_a_report_day_for_an_assignment(self, world):
        case = submit(world, now=at(3, 1))
        refused(
            Invalid,
            actions.do_assign_grievance,
            case,
            "report of the result",
            acting_user=world.gina,
            unit=world.urban_a,
            mode="assign",
            now=at(3, 3),
        )
        case = assign(world, case, mode="assign", report_due_on=dt.date(2025, 5, 30), now=at(3, 3))
        assert case.grievance.mode == "assign" and case.grievance.report_due_on == dt.date(2025, 5, 30)

    def test_it_never_sends_an_accusation_to_the_unit_it_is_about(self, world):
        case = accusation(world, complained_unit=world.housing_a)
        for unit in (world.housing_a, world.housing_team):
            refused(
                Invalid,
                actions.do_assign_grievance,
                case,
                r"Art\. 30",
                acting_user=world.gina,
                unit=unit,
                mode="transfer",
            )
        assert assign(world, case).owner_unit == world.urban_a

    def test_it_lets_a_non_accusation_go_to_the_unit_it_is_about(self, world):
        case = submit(world, complained_unit=world.housing_a)
        assert assign(world, case, unit=world.housing_a).owner_unit == world.housing_a

    def test_it_lets_only_grievance_officers_of_the_place_triage(self, world):
        case = submit(world)
        for user in (world.carl, world.dan, world.sara, world.rita, None):
            refused(Forbidden, actions.do_assign_grievance, case, "", acting_user=user, unit=world.urban_a, mode="x")

    def test_it_declines_with_a_written_notice(self, world):
        case = submit(world, now=at(3, 1))
        actions.do_decline_grievance(
            reload(case), acting_user=world.gina, reason="属于诉讼事项，请向法院起诉", now=at(3, 2)
        )
        case = reload(case)
        assert case.status == "not_accepted" and not case.is_open and case.closed_at == at(3, 2)
        assert Document.objects.get().kind == "not_accepted"
        refused(
            Invalid,
            actions.do_decline_grievance,
            submit(world),
            "Reason is required",
            acting_user=world.gina,
            reason="",
        )


class TestObjection:
    def test_it_takes_an_objection_within_5_working_days_back_to_triage(self, world):
        case = assign(world, submit(world, now=at(3, 1)), now=at(3, 3))
        actions.do_object_to_assignment(
            reload(case), acting_user=world.carl, reason="不属本单位职权", now=at(3, 10, 17)
        )
        case = reload(case)
        assert case.status == "registered" and case.owner_unit is None and case.grievance.authority_unit is None
        # Back to the office: 15 days from Mon 10 Mar = Tue 25 Mar.
        assert case.step == "triage" and case.step_due_at == end_of(3, 25) == case.grievance.triage_due_at

    def test_it_refuses_an_objection_after_5_working_days_citing_article_23(self, world):
        case = assign(world, submit(world, now=at(3, 1)), now=at(3, 3))
        refused(
            Invalid,
            actions.do_object_to_assignment,
            case,
            r"5 working days.*Art\. 23",
            acting_user=world.carl,
            reason="不属本单位职权",
            now=at(3, 10, 17, 31),
        )

    def test_it_lets_only_the_body_object(self, world):
        case = assign(world, submit(world))
        for user in (world.hugo, world.gina, world.olga):
            refused(Forbidden, actions.do_object_to_assignment, case, "", acting_user=user, reason="x")


class TestHandling:
    def test_it_starts_the_60_days_at_acceptance_with_the_written_notice(self, world):
        case = admit(world, assign(world, submit(world, now=at(3, 1)), now=at(3, 3)), now=at(3, 5))
        g = case.grievance
        # Art. 34: 5 Mar + 60 days = Sun 4 May, inside Labour Day (1-5 May): Tue 6 May.
        assert case.status == "handling" and case.step == "handle"
        assert case.step_due_at == end_of(5, 6) == g.handle_due_at == case.handle_due_at
        assert g.noticed_at == at(3, 5) and g.noticed_at <= g.notice_due_at
        assert Document.objects.get().kind == "notice"

    def test_it_extends_once_by_up_to_30_days_with_the_reason_told(self, world):
        case = admit(world, assign(world, submit(world, now=at(3, 1)), now=at(3, 3)), now=at(3, 5))
        actions.do_extend_grievance(
            reload(case), acting_user=world.carl, days=20, reason="需要补充鉴定", approved_by="局长", now=at(4, 20)
        )
        case = reload(case)
        # 60 + 20 = 80 days after 5 Mar = Sat 24 May: Mon 26 May.
        assert case.step_due_at == end_of(5, 26) == case.grievance.handle_due_at
        assert case.grievance.extension_days == 20 and case.extension_count == 1
        doc = Document.objects.get(kind="extension")
        assert doc.text == "需要补充鉴定" and "局长" in doc.basis
        event = CaseEvent.objects.get(case=case, action="extend")
        assert event.public and event.reason == "需要补充鉴定"
        refused(
            Invalid,
            actions.do_extend_grievance,
            case,
            r"only once.*Art\. 34",
            acting_user=world.carl,
            days=5,
            reason="r",
            approved_by="局长",
            now=at(5, 1),
        )

    @pytest.mark.parametrize(
        "days,now,match",
        [(31, at(4, 1), "1 to 30 days"), (0, at(4, 1), "1 to 30 days"), (10, at(5, 7, 0, 1), "no longer")],
    )
    def test_it_refuses_a_bad_extension(self, world, days, now, match):
        case = admit(world, assign(world, submit(world, now=at(3, 1)), now=at(3, 3)), now=at(3, 5))
        refused(
            Invalid,
            actions.do_extend_grievance,
            case,
            match,
            acting_user=world.carl,
            days=days,
            reason="r",
            approved_by="局长",
            now=now,
        )

    def test_it_does_not_admit_a_matter_for_another_procedure(self, world):
        case = assign(world, submit(world))
        actions.do_not_admit_grievance(reload(case), acting_user=world.carl, reason="应通过行政复议解决")
        assert reload(case).status == "not_accepted"

    def test_it_writes_the_decision_document(self, world):
        case = admit(world, assign(world, submit(world, now=at(3, 1)), now=at(3, 3)), now=at(3, 5))
        case = decide(world, case, now=at(5, 5), served_on=dt.date(2025, 5, 5), outcome="explain")
        g = case.grievance
        assert case.status == "decided" and not case.is_open and case.step == ""
        assert g.outcome == "explain" and case.handled_on_time is True
        # Art. 35: received Mon 5 May (the day of receipt is not counted, holiday or not): a review
        # may be asked until Wed 4 Jun.
        assert g.review_request_by == end_of(6, 4)
        doc = Document.objects.get(kind="decision")
        assert doc.outcome == "explain" and doc.basis and doc.served_on == dt.date(2025, 5, 5)

    def test_it_refuses_a_decision_without_its_basis_or_outcome(self, world):
        case = admit(world, assign(world, submit(world)))
        for kw, match in (({"outcome": "maybe"}, "support, explain"), ({"basis": ""}, "Legal basis is required")):
            args = {"outcome": "support", "text": "t", "basis": "b", **kw}
            refused(Invalid, actions.do_decide_grievance, case, match, acting_user=world.carl, **args)

    def test_it_refuses_a_stale_version(self, world):
        case = admit(world, assign(world, submit(world)))
        refused(
            Conflict,
            actions.do_decide_grievance,
            case,
            "changed by someone else",
            acting_user=world.carl,
            outcome="support",
            text="t",
            basis="b",
            expected_version=case.version - 1,
        )


def decided(world):
    case = admit(world, assign(world, submit(world, now=at(3, 1)), now=at(3, 3)), now=at(3, 5))
    return decide(world, case, now=at(5, 5), served_on=dt.date(2025, 5, 5))


class TestReview:
    def test_it_sends_a_review_to_the_next_level_up_with_30_days(self, world):
        case = decided(world)
        actions.do_request_review(
            reload(case), acting_user=None, has_token=True, grounds="测量仍有误", now=at(6, 4, 20)
        )
        case = reload(case)
        g = case.grievance
        assert case.status == "in_review" and case.is_open and case.closed_at is None
        assert case.owner_unit == world.urban_city == g.review_unit
        # Art. 35: 4 Jun + 30 days = Fri 4 Jul.
        assert case.step == "review" and case.step_due_at == end_of(7, 4) == g.review_due_at
        assert g.review_grounds == "测量仍有误"
        assert CaseEvent.objects.get(case=case, action="request_review").reason == ""

    def test_it_refuses_a_review_asked_for_after_30_days_citing_article_35(self, world):
        case = decided(world)
        refused(
            Invalid,
            actions.do_request_review,
            case,
            r"within 30 days of receiving the written reply, that is by 2025-06-04 23:59.*Art\. 35",
            acting_user=None,
            has_token=True,
            now=at(6, 5, 0, 1),
        )

    def test_it_registers_a_review_asked_for_by_letter_on_the_day_it_arrived(self, world):
        case = decided(world)
        actions.do_request_review(reload(case), acting_user=world.gina, received_on=dt.date(2025, 6, 4), now=at(6, 9))
        assert reload(case).grievance.review_due_at == end_of(7, 4)

    def test_it_lets_only_the_petitioner_or_an_officer_ask(self, world):
        case = decided(world)
        for user in (world.carl, world.olga, world.dan, None):
            refused(Forbidden, actions.do_request_review, case, "", acting_user=user, now=at(6, 1))

    def test_it_lets_the_reviewing_body_answer_and_opens_the_re_review_window(self, world):
        case = decided(world)
        actions.do_request_review(reload(case), acting_user=None, has_token=True, now=at(6, 3))
        refused(Forbidden, actions.do_answer_review, case, "", acting_user=world.carl, outcome="upheld", text="t")
        actions.do_answer_review(
            reload(case), acting_user=world.hugo, outcome="upheld", text="维持原意见", now=at(7, 10)
        )
        case = reload(case)
        # Art. 36: opinion received Thu 10 Jul: re-review may be asked until Sat 9 Aug -> Mon 11 Aug.
        assert case.status == "reviewed" and case.grievance.rereview_request_by == end_of(8, 11)

    def test_it_refuses_a_second_review(self, world):
        case = decided(world)
        actions.do_request_review(reload(case), acting_user=None, has_token=True, now=at(6, 3))
        refused(Invalid, actions.do_request_review, case, "re-review", acting_user=None, has_token=True)

    def test_it_waits_for_an_officer_to_name_the_reviewing_body_when_there_is_no_level_above(self, world):
        case = assign(world, submit(world), unit=world.housing_a)  # a commission with no unit above it
        actions.do_admit_grievance(reload(case), acting_user=world.pete, text="已接收")
        actions.do_decide_grievance(reload(case), acting_user=world.pete, outcome="support", text="t", basis="b")
        actions.do_request_review(reload(case), acting_user=None, has_token=True)
        case = reload(case)
        assert case.status == "in_review" and case.owner_unit is None and case.grievance.review_unit is None
        actions.do_route_review(reload(case), acting_user=world.cora, unit=world.urban_city)
        case = reload(case)
        assert case.owner_unit == world.urban_city == case.grievance.review_unit


class TestRereview:
    def reviewed(self, world):
        case = decided(world)
        actions.do_request_review(reload(case), acting_user=None, has_token=True, now=at(6, 3))
        actions.do_answer_review(reload(case), acting_user=world.hugo, outcome="upheld", text="维持", now=at(7, 10))
        return reload(case)

    def test_it_runs_the_re_review_without_counting_hearing_days(self, world):
        case = self.reviewed(world)
        actions.do_request_rereview(reload(case), acting_user=None, has_token=True, now=at(8, 1))
        case = reload(case)
        # Art. 36: 1 Aug + 30 days = Sun 31 Aug: Mon 1 Sep; the level above the reviewing body.
        assert case.status == "in_rereview" and case.owner_unit == world.government
        assert case.step_due_at == end_of(9, 1)
        actions.do_start_hearing(reload(case), acting_user=world.ruth, first_day=dt.date(2025, 8, 11), now=at(8, 11))
        assert reload(case).step_due_at is None  # the clock stands still during the hearing
        actions.do_end_hearing(reload(case), acting_user=world.ruth, last_day=dt.date(2025, 8, 12), now=at(8, 12))
        case = reload(case)
        # Hearing 11-12 Aug = 2 days: 1 Aug + 32 days = Tue 2 Sep.
        assert case.step_due_at == end_of(9, 2) == case.grievance.rereview_due_at
        actions.do_answer_rereview(reload(case), acting_user=world.ruth, outcome="upheld", text="维持", now=at(8, 20))
        case = reload(case)
        assert case.status == "final" and not case.is_open

    def test_it_refuses_a_re_review_after_a_re_review_citing_article_36(self, world):
        case = self.reviewed(world)
        actions.do_request_rereview(reload(case), acting_user=None, has_token=True, now=at(8, 1))
        actions.do_answer_rereview(reload(case), acting_user=world.ruth, outcome="upheld", text="维持", now=at(8, 20))
        for fn in (actions.do_request_rereview, actions.do_request_review):
            refused(Invalid, fn, case, r"already been re-reviewed.*Art\. 36", acting_user=None, has_token=True)

    def test_it_refuses_a_late_re_review_and_one_before_a_review(self, world):
        case = self.reviewed(world)
        refused(
            Invalid,
            actions.do_request_rereview,
            case,
            r"by 2025-08-11 23:59.*Art\. 36",
            acting_user=None,
            has_token=True,
            now=at(8, 12),
        )
        refused(
            Invalid,
            actions.do_request_rereview,
            decided(world),
            "review of the decision first",
            acting_user=None,
            has_token=True,
        )

    def test_it_refuses_an_opinion_while_a_hearing_is_open(self, world):
        case = self.reviewed(world)
        actions.do_request_rereview(reload(case), acting_user=None, has_token=True, now=at(8, 1))
        actions.do_start_hearing(reload(case), acting_user=world.ruth, first_day=dt.date(2025, 8, 11), now=at(8, 11))
        refused(
            Invalid,
            actions.do_answer_rereview,
            case,
            "hearing is open",
            acting_user=world.ruth,
            outcome="upheld",
            text="t",
        )
        refused(Invalid, actions.do_start_hearing, case, "already open", acting_user=world.ruth)


class TestEvaluation:
    def test_it_takes_one_evaluation_per_stage(self, world):
        case = decided(world)
        actions.do_evaluate_grievance(reload(case), acting_user=None, has_token=True, rating=1, comment="不满意")
        case = reload(case)
        assert case.rating == 1 and Evaluation.objects.get().stage == "decided"
        refused(
            Invalid,
            actions.do_evaluate_grievance,
            case,
            "already evaluated",
            acting_user=None,
            has_token=True,
            rating=2,
        )
        refused(
            Invalid,
            actions.do_evaluate_grievance,
            case,
            "3 \\(satisfied\\)",
            acting_user=None,
            has_token=True,
            rating=5,
        )
        refused(Forbidden, actions.do_evaluate_grievance, case, "", acting_user=world.carl, rating=3)

    def test_it_is_not_offered_while_the_matter_is_open(self, world):
        case = admit(world, assign(world, accusation(world)))
        refused(
            Forbidden, actions.do_evaluate_grievance, case, "not allowed", acting_user=None, has_token=True, rating=3
        )

    def test_it_takes_an_evaluation_of_a_refusal_too(self, world):
        case = submit(world)
        actions.do_decline_grievance(reload(case), acting_user=world.gina, reason="属于诉讼事项")
        actions.do_evaluate_grievance(reload(case), acting_user=None, has_token=True, rating=1)
        assert Evaluation.objects.get().stage == "not_accepted"
