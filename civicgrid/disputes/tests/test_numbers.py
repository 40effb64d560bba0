"""The dispute numbers (``disputes/numbers.py``) on hand-counted examples."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from civicgrid.disputes import actions, numbers
from civicgrid.disputes.models import ScreeningReport
from civicgrid.disputes.tests.conftest import apply, at, reload


def test_it_computes_the_reference_citys_resolution_rate():
    # The reference city: 145,510 of 149,916 disputes mediated reached an agreement.
    rate = numbers.resolution_rate(145_510, 149_916)
    assert rate.percent == Decimal("97.06")
    assert (rate.numerator, rate.denominator) == (145_510, 149_916)


def test_it_gives_no_rate_for_nothing_mediated():
    assert numbers.resolution_rate(0, 0).value is None


def test_it_refuses_more_agreed_than_mediated():
    with pytest.raises(ValueError):
        numbers.resolution_rate(3, 2)


def _through(m, d, mediator, assigner, outcome, now):
    """Move ``d`` to ``outcome``: refused, mediating, agreed or terminated."""
    with time_machine.travel(now, tick=False):
        actions.do_assign_mediators(d, mediators=[mediator], acting_user=assigner, now=now)
        actions.do_ask_consent(reload(d), acting_user=mediator, now=now)
        parties = list(reload(d).parties.order_by("pk"))
        if outcome == "refused":
            actions.do_record_consent(
                reload(d),
                party=parties[0],
                accepted=False,
                channel="phone",
                note="不同意",
                acting_user=mediator,
                now=now,
            )
            return reload(d)
        for p in parties:
            actions.do_record_consent(reload(d), party=p, accepted=True, channel="phone", acting_user=mediator, now=now)
        actions.do_start_mediation(reload(d), acting_user=mediator, now=now)
        if outcome == "agreed":
            actions.do_reach_agreement(
                reload(d), form="oral", effective_on=now.date(), terms="和解", acting_user=mediator, now=now
            )
        elif outcome == "terminated":
            actions.do_terminate_mediation(
                reload(d), ground="failed", routes=["litigation"], acting_user=mediator, now=now
            )
    return reload(d)


def screened(m, day):
    now = at(day)
    with time_machine.travel(now, tick=False):
        return actions.do_identify_dispute(
            acting_user=m.personas.gwen,
            category=m.neighbour,
            region_code="120101001001001",
            cause="排查发现",
            source="screening",
            parties=[actions.PartyIn("甲", "applicant"), actions.PartyIn("乙", "respondent")],
            now=now,
        )


@pytest.fixture
def march(mediation):
    """District A in March 2025: four disputes found (two by screening), two mediated, one agreed,
    one terminated (then a criminal case), one refused; one more in February and one in district B."""
    m = mediation
    d1 = apply(m, now=at("2025-03-03"))
    _through(m, d1, m.mia, m.max, "agreed", at("2025-03-03"))
    d2 = screened(m, "2025-03-04")
    _through(m, d2, m.mia, m.max, "terminated", at("2025-03-04"))
    d3 = screened(m, "2025-03-05")
    _through(m, d3, m.mia, m.max, "refused", at("2025-03-05"))
    apply(m, now=at("2025-03-06"))  # still waiting for consent
    d5 = apply(m, now=at("2025-02-28"))
    _through(m, d5, m.mia, m.max, "agreed", at("2025-02-28"))
    d6 = apply(m, now=at("2025-03-03"), region_code="120102001001001")
    _through(m, d6, m.mo, m.mo, "agreed", at("2025-03-03"))
    with time_machine.travel(at("2025-04-02"), tick=False):
        actions.do_record_criminal_case(reload(d2), on=date(2025, 3, 20), acting_user=m.mia)
        actions.do_record_criminal_case(reload(d5), on=date(2025, 4, 1), acting_user=m.mia)
    ScreeningReport.objects.create(
        community=m.city.community_a,
        period_start=date(2025, 3, 1),
        period_end=date(2025, 3, 31),
        submitted_at=at("2025-04-01"),
        submitted_by=m.personas.gwen,
    )
    return m


def test_it_counts_a_district_over_a_month(march):
    n = numbers.dispute_numbers("120101", date(2025, 3, 1), date(2025, 4, 1))
    assert (n.found, n.screened, n.mediated, n.agreed, n.refused, n.terminated) == (4, 2, 2, 1, 1, 1)
    assert n.criminal == 1  # recorded 20 March; the one recorded 1 April is April's
    assert (n.resolution.numerator, n.resolution.denominator, n.resolution.percent) == (1, 2, Decimal("50.00"))
    assert (n.mediation.numerator, n.mediation.denominator) == (2, 4)
    assert (n.coverage.numerator, n.coverage.denominator) == (1, 1)


def test_it_counts_the_whole_city(march):
    n = numbers.dispute_numbers("12", date(2025, 3, 1), date(2025, 4, 1))
    assert (n.found, n.mediated, n.agreed) == (5, 3, 2)
    assert (n.resolution.numerator, n.resolution.denominator) == (2, 3)
    assert (n.coverage.numerator, n.coverage.denominator) == (1, 2)  # community B sent no report


def test_it_counts_a_period_by_the_day_a_dispute_was_registered(march):
    n = numbers.dispute_numbers("120101", date(2025, 2, 1), date(2025, 3, 1))
    assert (n.found, n.agreed, n.criminal) == (1, 1, 0)
    assert n.coverage.numerator == 0


def test_it_does_not_count_an_agreement_the_court_found_invalid(march, mediation):
    from civicgrid.disputes.models import Dispute

    d1 = Dispute.objects.filter(outcome="agreed", case__district_code="120101").order_by("pk").first()
    Dispute.objects.filter(pk=d1.pk).update(outcome="")  # as ``do_record_court_decision`` leaves it
    n = numbers.dispute_numbers("120101", date(2025, 3, 1), date(2025, 4, 1))
    assert (n.mediated, n.agreed) == (2, 0)


def test_it_refuses_an_empty_period():
    with pytest.raises(ValueError):
        numbers.dispute_numbers("", date(2025, 3, 1), date(2025, 3, 1))
