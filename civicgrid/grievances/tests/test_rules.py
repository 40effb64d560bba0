"""The statutory periods of rules.py on hand-computed dates of the 2025 official calendar.

2025 holidays used below: Spring Festival 28 Jan – 4 Feb; Labour Day 1–5 May; Dragon Boat
31 May – 2 Jun; National Day 1–8 Oct, with 28 Sep (Sunday) a make-up working day. "Nd" counts
calendar days from the day after receipt and ends at 24:00 of the Nth day, moved to the end of
the next working day when that day is not one; "Nwd" ends at 17:30 of the Nth working day.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from civicgrid.grievances import rules
from civicgrid.lib.workcalendar import WorkCalendar, parse_work_hours

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar(parse_work_hours("09:00-12:00,13:00-17:30"), fallback="error", tz=TZ)


def at(y, m, d, hh=10, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=TZ)


def end_of(y, m, d) -> dt.datetime:
    return dt.datetime.combine(dt.date(y, m, d), dt.time.max, tzinfo=TZ)


def close_of(y, m, d) -> dt.datetime:
    return dt.datetime(y, m, d, 17, 30, tzinfo=TZ)


class TestTriageAndNotice:
    def test_it_gives_the_office_15_days_to_triage(self):
        # Art. 22. Received Mon 3 Mar: 4 Mar is day 1, 18 Mar (Tue, a working day) day 15.
        assert rules.triage_due(at(2025, 3, 3), CAL) == end_of(2025, 3, 18)

    def test_it_moves_a_triage_deadline_off_the_national_day_holiday(self):
        # Received Tue 16 Sep: day 15 is 1 Oct, a holiday (1-8 Oct); the next working day is Thu 9 Oct.
        assert rules.triage_due(at(2025, 9, 16, 16, 45), CAL) == end_of(2025, 10, 9)

    def test_it_gives_the_body_15_days_for_its_written_notice(self):
        # Art. 23. Received Tue 14 Jan: day 15 is 29 Jan, inside the Spring Festival (28 Jan - 4 Feb);
        # the next working day is Wed 5 Feb.
        assert rules.notice_due(at(2025, 1, 14), CAL) == end_of(2025, 2, 5)


class TestObjection:
    def test_it_counts_5_working_days_over_labour_day(self):
        # Art. 23. Received Wed 30 Apr 16:00; 1-5 May are holidays: Tue 6 May is working day 1,
        # 7, 8, 9 May days 2-4, Mon 12 May day 5, closing at 17:30.
        assert rules.objection_due(at(2025, 4, 30, 16), CAL) == close_of(2025, 5, 12)

    def test_it_counts_a_make_up_sunday_as_a_working_day(self):
        # Received Fri 26 Sep: Sun 28 Sep (make-up) is day 1, 29 and 30 Sep days 2-3, 1-8 Oct off,
        # Thu 9 Oct day 4, Fri 10 Oct day 5.
        assert rules.objection_due(at(2025, 9, 26), CAL) == close_of(2025, 10, 10)

    def test_it_accepts_an_objection_until_the_close_of_the_fifth_working_day(self):
        rules.check_objection(at(2025, 4, 30, 16), close_of(2025, 5, 12), CAL)

    def test_it_refuses_a_late_objection_citing_article_23(self):
        with pytest.raises(rules.RuleBroken) as e:
            rules.check_objection(at(2025, 4, 30, 16), at(2025, 5, 12, 17, 31), CAL)
        assert e.value.article == 23
        assert "Art. 23" in str(e.value)
        assert e.value.params["due"] == close_of(2025, 5, 12)


class TestHandling:
    def test_it_gives_60_days_from_acceptance(self):
        # Art. 34. Accepted Mon 3 Mar: 28 days to 31 Mar, 30 in April (58), day 60 is Fri 2 May,
        # a holiday (1-5 May): the deadline moves to Tue 6 May.
        assert rules.handling_due(at(2025, 3, 3), CAL) == end_of(2025, 5, 6)

    def test_it_counts_an_extension_from_acceptance(self):
        # 60 + 30 = 90 days after 3 Mar: 2 May + 30 days = Sun 1 Jun, inside Dragon Boat (31 May - 2 Jun):
        # Tue 3 Jun.
        assert rules.handling_due(at(2025, 3, 3), CAL, 30) == end_of(2025, 6, 3)

    def test_it_allows_one_extension_of_up_to_30_days_before_the_deadline(self):
        rules.check_extension(30, 0, end_of(2025, 5, 6), at(2025, 5, 6, 23))
        rules.check_extension(1, 0, end_of(2025, 5, 6), at(2025, 4, 1))

    @pytest.mark.parametrize("days", [0, 31, -5])
    def test_it_refuses_an_extension_outside_1_to_30_days(self, days):
        with pytest.raises(rules.RuleBroken) as e:
            rules.check_extension(days, 0, end_of(2025, 5, 6), at(2025, 4, 1))
        assert e.value.article == 34

    def test_it_refuses_a_second_extension(self):
        with pytest.raises(rules.RuleBroken, match="only once") as e:
            rules.check_extension(10, 1, end_of(2025, 6, 3), at(2025, 5, 10))
        assert e.value.article == 34

    def test_it_refuses_an_extension_once_the_deadline_has_passed(self):
        with pytest.raises(rules.RuleBroken, match="no longer be extended"):
            rules.check_extension(10, 0, end_of(2025, 5, 6), at(2025, 5, 7, 0, 1))


class TestReview:
    def test_it_gives_30_days_from_receiving_the_reply_to_ask_for_a_review(self):
        # Art. 35. Reply received Tue 10 Jun: day 30 is Thu 10 Jul.
        assert rules.review_request_deadline(at(2025, 6, 10, 0, 0), CAL) == end_of(2025, 7, 10)

    def test_it_moves_the_review_window_off_a_holiday(self):
        # Reply received Sat 5 Apr (Qingming): day 30 is Mon 5 May, a holiday; Tue 6 May.
        assert rules.review_request_deadline(at(2025, 4, 5, 0, 0), CAL) == end_of(2025, 5, 6)

    def test_it_accepts_a_review_asked_for_on_the_last_day(self):
        rules.check_review_request(at(2025, 6, 10, 0, 0), at(2025, 7, 10, 23, 59), CAL)

    def test_it_refuses_a_review_asked_for_after_30_days_citing_article_35(self):
        with pytest.raises(rules.RuleBroken) as e:
            rules.check_review_request(at(2025, 6, 10, 0, 0), at(2025, 7, 11, 0, 1), CAL)
        assert e.value.article == 35
        assert "Art. 35" in str(e.value)
        assert e.value.params["deadline"] == end_of(2025, 7, 10)

    def test_it_gives_the_reviewing_body_30_days(self):
        # Request received Thu 10 Jul: day 30 is Sat 9 Aug; the next working day is Mon 11 Aug.
        assert rules.review_answer_due(at(2025, 7, 10), CAL) == end_of(2025, 8, 11)


class TestRereview:
    def test_it_gives_30_days_to_ask_for_a_re_review(self):
        # Art. 36. Review opinion received Mon 11 Aug: day 30 is Wed 10 Sep.
        assert rules.rereview_request_deadline(at(2025, 8, 11, 0, 0), CAL) == end_of(2025, 9, 10)

    def test_it_refuses_a_late_re_review_citing_article_36(self):
        with pytest.raises(rules.RuleBroken) as e:
            rules.check_rereview_request(at(2025, 8, 11, 0, 0), at(2025, 9, 11, 9), CAL)
        assert e.value.article == 36

    def test_it_gives_the_re_reviewing_body_30_days_without_a_hearing(self):
        # Request received Fri 1 Aug: day 30 is Sun 31 Aug; Mon 1 Sep.
        assert rules.rereview_answer_due(at(2025, 8, 1), CAL) == end_of(2025, 9, 1)

    def test_it_does_not_count_the_days_hearings_took(self):
        # Hearings 11-12 Aug (2 days) and 20 Aug (1 day): 30 + 3 = 33 days after 1 Aug = Wed 3 Sep.
        days = rules.hearing_days([(dt.date(2025, 8, 11), dt.date(2025, 8, 12)), (dt.date(2025, 8, 20),) * 2])
        assert days == 3
        assert rules.rereview_answer_due(at(2025, 8, 1), CAL, days) == end_of(2025, 9, 3)

    def test_it_counts_a_day_two_hearings_share_once(self):
        # 11-12 Aug and 12-13 Aug cover 11, 12 and 13 Aug.
        periods = [(dt.date(2025, 8, 11), dt.date(2025, 8, 12)), (dt.date(2025, 8, 12), dt.date(2025, 8, 13))]
        assert rules.hearing_days(periods) == 3

    def test_it_rejects_a_hearing_that_ends_before_it_starts(self):
        with pytest.raises(ValueError):
            rules.hearing_days([(dt.date(2025, 8, 12), dt.date(2025, 8, 11))])

    def test_it_refuses_anything_after_a_re_review(self):
        with pytest.raises(rules.RuleBroken, match="already been re-reviewed") as e:
            rules.check_not_rereviewed(True)
        assert e.value.article == 36
        rules.check_not_rereviewed(False)


class TestSameMatter:
    def test_it_refuses_the_same_facts_after_re_review(self):
        with pytest.raises(rules.RuleBroken, match="same facts and reasons") as e:
            rules.check_same_facts(True, False)
        assert e.value.article == 36

    def test_it_takes_new_facts_after_re_review(self):
        rules.check_same_facts(True, True)
        rules.check_same_facts(False, False)

    def test_it_links_a_matter_being_handled_instead_of_registering_it_again(self):
        with pytest.raises(rules.RuleBroken) as e:
            rules.check_not_being_handled(True)
        assert e.value.article == 19
        rules.check_not_being_handled(False)

    def test_it_never_routes_an_accusation_to_the_unit_it_is_about(self):
        with pytest.raises(rules.RuleBroken) as e:
            rules.check_accusation_route(True, True)
        assert e.value.article == 30
        rules.check_accusation_route(False, True)
        rules.check_accusation_route(True, False)


def test_it_imports_nothing_from_django():
    import ast
    import inspect

    for module in (rules, __import__("civicgrid.grievances.workflow", fromlist=["x"])):
        tree = ast.parse(inspect.getsource(module))
        names = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        names += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [n for n in names if n and n.startswith("django")], module.__name__
