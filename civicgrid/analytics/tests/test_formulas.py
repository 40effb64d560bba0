"""The pure formulas, against hand computation and the figures cities published (processes.md §1.5)."""

from decimal import Decimal

import pytest

from civicgrid.analytics import kpis
from civicgrid.analytics.kpis import Rate, closure_rate, composite_score, on_time_closure_rate, percent, rate


def test_tianmen_published_rates():
    # 天门: 应结案 972, 结案 911 → 93.72 %; 按期 737 → 75.82 %.
    assert closure_rate(911, 972).percent == Decimal("93.72")
    assert on_time_closure_rate(737, 972).percent == Decimal("75.82")


def test_lianyungang_published_rates():
    # 连云港: 应结案 24932, 结案 23974 → 96.16 %; 按期 22345 → 89.62 %.
    assert closure_rate(23974, 24932).percent == Decimal("96.16")
    assert on_time_closure_rate(22345, 24932).percent == Decimal("89.62")


def test_parked_cases_leave_the_denominator():
    # 金华: 应结案数 − 缓办数. 1000 due of which 28 parked is Tianmen's 972.
    r = closure_rate(911, 1000, parked=28)
    assert (r.numerator, r.denominator, r.percent) == (911, 972, Decimal("93.72"))
    assert on_time_closure_rate(737, 1000, parked=28) == rate(737, 972)


def test_rate_keeps_numerator_denominator_and_value():
    r = rate(3, 4)
    assert r == Rate(3, 4, 0.75)
    assert r.percent == Decimal("75.00")
    assert rate(1, 3).percent == Decimal("33.33")
    assert rate(2, 3).percent == Decimal("66.67")
    assert percent(1, 8) == Decimal("12.50")
    assert percent(1, 800) == Decimal("0.13")  # 0.125 rounds half up, as published tables do


def test_zero_denominator_is_none_not_100_percent():
    r = rate(0, 0)
    assert r.value is None and r.percent is None
    assert percent(0, 0) is None
    assert closure_rate(0, 5, parked=5).value is None  # everything due was parked: nothing to rate


@pytest.mark.parametrize(("n", "d"), [(5, 0), (4, 3), (-1, 3), (1, -1), (1.0, 2), (True, 2)])
def test_impossible_counts_are_refused(n, d):
    with pytest.raises(ValueError):
        rate(n, d)


def test_composite_score_uses_the_weights():
    rates = {
        "response": rate(9, 10),
        "resolution": rate(8, 10),
        "satisfaction": rate(1, 2),
        "closure": rate(0, 0),
        "on_time_closure": rate(0, 0),
    }
    # 30/35/35: 0.30·0.9 + 0.35·0.8 + 0.35·0.5 = 0.725.
    assert composite_score(rates, {"response": 30, "resolution": 35, "satisfaction": 35}) == pytest.approx(72.5)
    # Weights need not add up to 100: they are normalised.
    assert composite_score(rates, {"response": 1, "resolution": 1}) == pytest.approx(85.0)
    assert composite_score(rates, {"satisfaction": 2, "response": 0}) == pytest.approx(50.0)


def test_composite_score_is_none_when_a_weighted_rate_is_missing():
    rates = {k: rate(1, 1) for k in kpis.RANKABLE}
    rates["satisfaction"] = rate(0, 0)  # nobody rated: skipping the term would reward that
    assert composite_score(rates, {"response": 30, "resolution": 35, "satisfaction": 35}) is None
    assert composite_score(rates, {"response": 30, "resolution": 35}) == pytest.approx(100.0)


def test_default_and_configured_weights(settings):
    assert kpis.ranking_weights() == {"response": 30.0, "resolution": 35.0, "satisfaction": 35.0}
    settings.CIVICGRID_RANKING_WEIGHTS = {"on_time_closure": 60, "satisfaction": 40}
    assert kpis.ranking_weights() == {"on_time_closure": 60.0, "satisfaction": 40.0}


@pytest.mark.parametrize(
    "weights",
    [
        {"reported": 10},  # case volume
        {"response": 30, "escalations": 10},  # fewer escalations must not score
        {"complaints": 1},
        {"overdue": 1},
        {"response": -1, "resolution": 2},
        {"response": 0},
        {},
    ],
)
def test_weights_cannot_reward_fewer_complaints(weights):
    with pytest.raises(ValueError):
        kpis.check_weights(weights)


def test_every_metric_has_a_translatable_label():
    keys = [m.key for m in kpis.METRICS]
    assert len(keys) == len(set(keys))
    for key in (*kpis.RANKABLE, "rework", "extension", "reopen", "overdue", "backlog"):
        metric = kpis.METRIC_BY_KEY[key]
        assert str(metric.label) and str(metric.description)
        assert type(metric.label).__name__ == "__proxy__"  # gettext_lazy


def test_region_prefix_picks_the_level_column():
    assert kpis.region_q("") == kpis.region_q(None)
    assert kpis.region_q("").children == []
    assert kpis.region_q("12").children == [("district_code__startswith", "12")]
    for code, column in [
        ("120101", "district_code"),
        ("120101001", "street_code"),
        ("120101001001", "community_code"),
        ("120101001001001", "grid_code"),
    ]:
        assert kpis.region_q(code).children == [(column, code)]
    with pytest.raises(ValueError):
        kpis.region_q("12a")
