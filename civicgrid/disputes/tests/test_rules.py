"""The statutory periods and checks of ``disputes/rules.py`` on hand-computed dates.

Counting (民事诉讼法 Art. 85): the day of the event is not counted; a period ends at 24:00 of
its last day; a last day that is a holiday or weekend moves to the next working day. The 2025
holidays used: Qingming 4–6 April, Labour Day 1–5 May, National Day 1–8 October.
"""

import ast
import inspect
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from civicgrid.disputes import rules, workflow
from civicgrid.lib.workcalendar import WorkCalendar, parse_work_hours

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar(parse_work_hours("09:00-12:00,13:00-17:30"), fallback="error", tz=TZ)


def end_of(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.max, tzinfo=TZ)


def d(day: str) -> date:
    return date.fromisoformat(day)


def at(day: str, hour=10) -> datetime:
    return datetime.combine(d(day), time(hour), tzinfo=TZ)


class TestMediationPeriod:
    def test_it_gives_30_days_by_default(self):
        # Started Mon 3 March 2025: 4 March is day 1, 31 March day 28, 2 April day 30 (a Wednesday).
        days = rules.period_days(rules.APPLICATION)
        assert days == 30
        assert rules.mediation_period_end(at("2025-03-03"), days, CAL) == end_of("2025-04-02")

    def test_it_moves_a_period_ending_in_the_national_day_holiday(self):
        # Started Mon 8 Sept 2025: 30 Sept is day 22, 8 Oct day 30 (holiday) → Thu 9 Oct.
        assert rules.mediation_period_end(at("2025-09-08"), 30, CAL) == end_of("2025-10-09")

    def test_it_gives_a_court_delegated_mediation_30_days(self):
        assert rules.period_days(rules.COURT_DELEGATED) == 30

    def test_it_gives_an_entrusted_mediation_15_or_7_days(self):
        # Received Mon 3 March 2025: 15 days → Tue 18 March; 7 days → Mon 10 March.
        ordinary = rules.period_days(rules.COURT_ENTRUSTED, procedure=rules.ORDINARY)
        simplified = rules.period_days(rules.COURT_ENTRUSTED, procedure=rules.SIMPLIFIED)
        assert (ordinary, simplified) == (15, 7)
        assert rules.mediation_period_end(at("2025-03-03"), ordinary, CAL) == end_of("2025-03-18")
        assert rules.mediation_period_end(at("2025-03-03"), simplified, CAL) == end_of("2025-03-10")

    def test_it_needs_the_procedure_of_an_entrusted_mediation(self):
        with pytest.raises(rules.RuleBroken) as e:
            rules.period_days(rules.COURT_ENTRUSTED)
        assert e.value.code == "procedure_unknown"
        assert "特邀调解" in e.value.rule

    def test_it_takes_the_period_the_parties_agree_on(self):
        # Agreed 10 days from Mon 3 March 2025 → Thu 13 March.
        days = rules.period_days(rules.COURT_DELEGATED, agreed_days=10)
        assert days == 10
        assert rules.mediation_period_end(at("2025-03-03"), days, CAL) == end_of("2025-03-13")

    @pytest.mark.parametrize("days", [0, 366, -1])
    def test_it_refuses_an_agreed_period_out_of_range(self, days):
        with pytest.raises(rules.RuleBroken):
            rules.period_days(rules.APPLICATION, agreed_days=days)

    def test_it_runs_a_courts_period_from_the_referral(self):
        received, started = at("2025-03-03"), at("2025-03-10")
        assert (
            rules.period_starts(rules.COURT_DELEGATED, received_at=received, mediation_started_at=started) == received
        )
        assert rules.period_starts(rules.POLICE, received_at=received, mediation_started_at=started) == started
        assert rules.period_starts(rules.APPLICATION, received_at=received, mediation_started_at=started) == started


class TestConsent:
    def test_it_starts_with_every_partys_consent(self):
        rules.check_consents([True, True, True])

    def test_it_refuses_to_start_while_a_party_has_not_answered(self):
        with pytest.raises(rules.RuleBroken) as e:
            rules.check_consents([True, None])
        assert (e.value.code, e.value.rule) == ("consent_missing", "人民调解法 Art. 17")

    def test_it_refuses_to_start_after_a_refusal(self):
        with pytest.raises(rules.RuleBroken) as e:
            rules.check_consents([True, False])
        assert (e.value.code, e.value.rule) == ("consent_refused", "人民调解法 Art. 17")

    def test_it_needs_two_parties(self):
        with pytest.raises(rules.RuleBroken) as e:
            rules.check_consents([True])
        assert e.value.code == "too_few_parties"


class TestAgreement:
    def test_it_takes_effect_when_written_signed_and_sealed(self):
        rules.check_agreement(rules.WRITTEN, terms="赔偿500元", signed_by_all=True, sealed=True)

    @pytest.mark.parametrize(("signed", "sealed"), [(False, True), (True, False), (False, False)])
    def test_it_refuses_a_written_agreement_without_every_signature_and_the_seal(self, signed, sealed):
        with pytest.raises(rules.RuleBroken) as e:
            rules.check_agreement(rules.WRITTEN, terms="赔偿500元", signed_by_all=signed, sealed=sealed)
        assert (e.value.code, e.value.rule) == ("agreement_not_signed", "人民调解法 Art. 29")

    def test_it_records_an_oral_agreement_without_signatures(self):
        rules.check_agreement(rules.ORAL, terms="当场道歉", signed_by_all=False, sealed=False)

    def test_it_refuses_an_agreement_without_terms(self):
        with pytest.raises(rules.RuleBroken) as e:
            rules.check_agreement(rules.ORAL, terms="  ", signed_by_all=False, sealed=False)
        assert e.value.code == "agreement_terms_missing"


class TestJudicialConfirmation:
    def test_it_allows_the_application_until_day_30(self):
        # Effective Mon 3 March 2025: 4 March is day 1, Wed 2 April day 30.
        assert rules.confirmation_apply_by(d("2025-03-03"), CAL) == end_of("2025-04-02")
        deadline = rules.check_confirmation_application(d("2025-03-03"), d("2025-04-02"), joint=True, calendar=CAL)
        assert deadline == end_of("2025-04-02")

    def test_it_refuses_the_application_on_day_31(self):
        with pytest.raises(rules.RuleBroken) as e:
            rules.check_confirmation_application(d("2025-03-03"), d("2025-04-03"), joint=True, calendar=CAL)
        assert (e.value.code, e.value.rule) == ("confirmation_too_late", "人民调解法 Art. 33")

    def test_it_moves_a_window_ending_in_qingming(self):
        # Effective Wed 5 March 2025: 6 March is day 1, 31 March day 26, Fri 4 April day 30 (Qingming,
        # 4–6 April off) → Mon 7 April. An application on 7 April is in time, on 8 April too late.
        assert rules.confirmation_apply_by(d("2025-03-05"), CAL) == end_of("2025-04-07")
        rules.check_confirmation_application(d("2025-03-05"), d("2025-04-07"), joint=True, calendar=CAL)
        with pytest.raises(rules.RuleBroken):
            rules.check_confirmation_application(d("2025-03-05"), d("2025-04-08"), joint=True, calendar=CAL)

    def test_it_needs_a_joint_application(self):
        with pytest.raises(rules.RuleBroken) as e:
            rules.check_confirmation_application(d("2025-03-03"), d("2025-03-04"), joint=False, calendar=CAL)
        assert (e.value.code, e.value.rule) == ("confirmation_not_joint", "人民调解法 Art. 33")

    @pytest.mark.parametrize("effective_on", [None, "2025-03-05"])
    def test_it_needs_an_agreement_in_force(self, effective_on):
        effective = d(effective_on) if effective_on else None
        with pytest.raises(rules.RuleBroken) as e:
            rules.check_confirmation_application(effective, d("2025-03-04"), joint=True, calendar=CAL)
        assert e.value.code == "agreement_not_effective"

    def test_it_gives_the_court_3_days_to_accept(self):
        # Applied Mon 3 March 2025 → Thu 6 March. Applied Tue 1 April → Fri 4 April is Qingming → Mon 7 April.
        assert rules.court_accept_by(d("2025-03-03"), CAL) == end_of("2025-03-06")
        assert rules.court_accept_by(d("2025-04-01"), CAL) == end_of("2025-04-07")

    def test_it_gives_the_court_15_days_to_decide_plus_10(self):
        # Accepted Mon 7 April 2025: 8 April is day 1, Tue 22 April day 15. Extended: 25 days → Fri 2 May,
        # in the Labour Day holiday (1–5 May) → Tue 6 May.
        assert rules.court_decide_by(d("2025-04-07"), calendar=CAL) == end_of("2025-04-22")
        assert rules.court_decide_by(d("2025-04-07"), extended=True, calendar=CAL) == end_of("2025-05-06")

    def test_it_says_whether_a_court_step_came_late(self):
        deadline = end_of("2025-03-06")
        assert not rules.is_late(deadline, d("2025-03-06"), CAL)
        assert rules.is_late(deadline, d("2025-03-07"), CAL)
        assert not rules.is_late(None, d("2099-01-01"), CAL)

    def test_it_refuses_a_court_step_dated_before_the_step_it_answers(self):
        with pytest.raises(rules.RuleBroken):
            rules.check_court_date(d("2025-03-05"), d("2025-03-04"), "court_date_before_application")
        rules.check_court_date(d("2025-03-05"), d("2025-03-05"), "court_date_before_application")


@pytest.mark.parametrize("module", [rules, workflow])
def test_it_imports_nothing_from_django(module):
    tree = ast.parse(inspect.getsource(module))
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in imported if m and m.startswith("django")]


class TestEndings:
    def test_it_needs_the_other_routes_told_when_mediation_fails(self):
        rules.check_termination(["litigation", "arbitration"])
        for routes in ([], ["somewhere"]):
            with pytest.raises(rules.RuleBroken) as e:
                rules.check_termination(routes)
            assert (e.value.code, e.value.rule) == ("routes_missing", "人民调解法 Art. 26")

    def test_it_closes_only_after_a_follow_up(self):
        rules.check_closing(1)
        with pytest.raises(rules.RuleBroken) as e:
            rules.check_closing(0)
        assert (e.value.code, e.value.rule) == ("follow_up_missing", "人民调解法 Art. 31")

    def test_it_lets_the_court_extend_once(self):
        rules.check_court_extension(False)
        with pytest.raises(rules.RuleBroken) as e:
            rules.check_court_extension(True)
        assert e.value.rule.endswith("Art. 5")
