"""The grievance numbers on hand-computed examples."""

import datetime as dt
from zoneinfo import ZoneInfo

from civicgrid.grievances import access, numbers
from civicgrid.grievances.models import Evaluation, Grievance
from civicgrid.grievances.tests.conftest import accusation, admit, assign, decide, reload, submit

TZ = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=10):
    return dt.datetime(y, m, d, hh, tzinfo=TZ)


NOW = at(2025, 9, 1)


def test_it_counts_the_long_open_backlog_by_unit_and_age(world):
    # Received 1 Mar 2025: 184 days before 1 Sep -> 180-365; with urban management A.
    g1 = assign(world, submit(world, now=at(2025, 3, 1)), now=at(2025, 3, 3))
    # Received 20 May: 104 days -> 90-180; still with the office.
    submit(world, now=at(2025, 5, 20))
    # Received 1 Jun 2023: over two years -> "over 730 days"; in handling at urban management A.
    admit(world, assign(world, submit(world, now=at(2023, 6, 1)), now=at(2023, 6, 2)), now=at(2023, 6, 5))
    # Received 1 Aug: 31 days -> not long-open. Received 1 Jan and decided: not open.
    submit(world, now=at(2025, 8, 1))
    decide(world, admit(world, assign(world, submit(world, now=at(2025, 1, 2)))), now=at(2025, 2, 10))

    rows = numbers.backlog(Grievance.objects.all(), now=NOW)
    assert [(r.unit, r.total, [b.count for b in r.buckets]) for r in rows] == [
        (world.urban_a, 2, [0, 1, 0, 1]),
        (None, 1, [1, 0, 0, 0]),
    ]
    assert [b.label for b in rows[0].buckets] == ["90–180 days", "180–365 days", "365–730 days", "over 730 days"]
    assert [c.grievance.received_at for c in [reload(g1)]] == [at(2025, 3, 1)]
    assert list(numbers.long_open(Grievance.objects.all(), now=NOW).values_list("received_at", flat=True)) == [
        at(2023, 6, 1),
        at(2025, 3, 1),
        at(2025, 5, 20),
    ]


def test_it_counts_only_what_the_reader_may_see(world):
    accusation(world, complained_unit=world.housing_a, now=at(2025, 1, 5))
    submit(world, now=at(2025, 1, 6))
    assert sum(r.total for r in numbers.backlog(access.visible_grievances(world.gina), now=NOW)) == 2
    assert sum(r.total for r in numbers.backlog(access.visible_grievances(world.pete), now=NOW)) == 1
    assert numbers.backlog(access.visible_grievances(world.olga), now=NOW) == []


def test_it_gives_the_on_time_rate_of_each_step(world):
    # a: received Mon 3 Mar; triaged 5 Mar (due 18 Mar: on time); notice 10 Mar (due 20 Mar: on
    # time); accepted 10 Mar, so concluded by 9 May (10 Mar + 60 days, a Friday) - decided 20 May: late.
    a = submit(world, now=at(2025, 3, 3))
    a = admit(world, assign(world, a, now=at(2025, 3, 5)), now=at(2025, 3, 10))
    assert a.grievance.handle_due_at == dt.datetime(2025, 5, 9, 23, 59, 59, 999999, tzinfo=TZ)
    decide(world, a, now=at(2025, 5, 20))
    # b: received 4 Mar, triaged 25 Mar (due 19 Mar: late); notice 20 Apr (due 9 Apr: late);
    # accepted 20 Apr: outside the period for handling.
    b = submit(world, now=at(2025, 3, 4))
    admit(world, assign(world, b, now=at(2025, 3, 25)), now=at(2025, 4, 20))
    # c: received 20 Mar, never triaged; due 4 Apr (Qingming holiday) -> 7 Apr, before the cut-off: due.
    submit(world, now=at(2025, 3, 20))
    # d: received 5 Apr, outside the period.
    submit(world, now=at(2025, 4, 5))

    rates = {
        r.name: (r.rate.numerator, r.rate.denominator)
        for r in numbers.on_time(Grievance.objects.all(), at(2025, 3, 1, 0), at(2025, 4, 1, 0), now=NOW)
    }
    assert rates == {"triage": (1, 3), "notice": (1, 2), "handling": (0, 1), "review": (0, 0), "rereview": (0, 0)}


def test_it_does_not_count_a_running_step_before_its_deadline(world):
    # Received 25 Aug; triage due 9 Sep, after "now" (1 Sep): neither due nor done.
    submit(world, now=at(2025, 8, 25))
    rates = numbers.on_time(Grievance.objects.all(), at(2025, 8, 1, 0), at(2025, 9, 1, 0), now=NOW)
    assert rates[0].rate.denominator == 0 and rates[0].rate.value is None


def test_it_gives_the_satisfaction_rate_of_evaluations(world):
    g = submit(world)
    for stage, rating in (("decided", 3), ("reviewed", 2), ("final", 1)):
        Evaluation.objects.create(grievance_id=g.pk, stage=stage, rating=rating, at=at(2025, 6, 1))
    r = numbers.satisfaction(Grievance.objects.all(), at(2025, 6, 1, 0), at(2025, 7, 1, 0))
    assert (r.numerator, r.denominator) == (2, 3)


def test_it_sums_up_a_place_for_the_command_centre(world):
    submit(world, now=at(2025, 1, 6))
    s = numbers.summary(Grievance.objects.all(), dt.date(2025, 1, 1), dt.date(2025, 2, 1), now=NOW)
    assert s.long_open == 1 and s.backlog[0].unit is None
    assert (s.steps[0].rate.numerator, s.steps[0].rate.denominator) == (0, 1)  # never triaged, due 21 Jan
    assert s.satisfaction.value is None


def test_it_offers_no_count_of_reviews_or_escalations():
    public = {n for n in dir(numbers) if not n.startswith("_")}
    assert not {n for n in public if "review_count" in n or "escalat" in n or "raised" in n}
