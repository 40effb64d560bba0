"""How the command centre shows the numbers: tiles, ranking cells, backlog rows and the trend chart.

Nothing here counts: every number comes from ``analytics/kpis.py``; this module only formats
them (a rate with no denominator is "—", never 100 % of nothing) and lays out the trend chart
as inline SVG drawn on the server (no chart library).
"""

from dataclasses import dataclass

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from civicgrid.analytics import kpis

NO_DATA = "—"

# The tiles leaders read first (DESIGN.md §5), in this order. Volume is never among them.
TILE_RATES = ("response", "on_time_closure", "closure", "resolution", "satisfaction", "rework")


@dataclass(frozen=True)
class Cell:
    """A formatted number: ``text`` to show, ``title`` (numerator/denominator) on hover."""

    text: str
    title: str
    missing: bool = False


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    value: Cell
    description: str


def rate_cell(rate: kpis.Rate) -> Cell:
    if rate.value is None:
        return Cell(NO_DATA, _("Nothing to count in the period (0 of 0)"), True)
    text = f"{number_format(rate.percent, 2)}%"
    return Cell(text, _("%(num)s of %(den)s") % {"num": rate.numerator, "den": rate.denominator})


def hours_cell(hours: float | None, handled: int) -> Cell:
    if hours is None:
        return Cell(NO_DATA, _("No case handled in the period"), True)
    return Cell(
        _("%(hours)s h") % {"hours": number_format(round(hours, 1), 1)},
        _("Mean over the cases handled in the period (%(n)s)") % {"n": handled},
    )


def count_cell(n: int, title: str) -> Cell:
    return Cell(number_format(n), title)


def tiles(k: kpis.Kpis) -> list[Tile]:
    """The headline tiles: the rates, overdue now and the average handling time."""
    out = []
    for key in TILE_RATES:
        metric = kpis.METRIC_BY_KEY[key]
        out.append(Tile(key, str(metric.label), rate_cell(getattr(k, key)), str(metric.description)))
    overdue = kpis.METRIC_BY_KEY["overdue"]
    out.append(
        Tile(
            "overdue",
            str(overdue.label),
            count_cell(k.overdue, _("%(n)s of %(open)s open cases") % {"n": k.overdue, "open": k.open}),
            str(overdue.description),
        )
    )
    avg = kpis.METRIC_BY_KEY["average_handling_hours"]
    hours = hours_cell(k.average_handling_hours, k.handled)
    out.append(Tile("average_handling_hours", str(avg.label), hours, str(avg.description)))
    return out


def context_tiles(k: kpis.Kpis) -> list[Tile]:
    """Volumes shown for context only: they are never a score (DESIGN.md §1)."""
    return [
        Tile(
            "reported",
            _("Reported in the period"),
            count_cell(k.reported, _("Problems reported in the period")),
            _("Volume, for context: more reports are not worse and fewer are not better."),
        ),
        Tile(
            "open",
            _("Open now"),
            count_cell(k.open, _("Open problems, parked ones included")),
            _("Problems not finished yet, at this moment."),
        ),
        Tile(
            "parked",
            _("Parked (缓办)"),
            count_cell(k.parked, _("%(n)s of %(due)s cases due") % {"n": k.parked, "due": k.due}),
            _(
                "Cases due in the period that were parked: left out of 应结案数, kept in the resolution rate, "
                "shown here so that parking cannot hide work."
            ),
        ),
        Tile(
            "on_spot",
            str(kpis.METRIC_BY_KEY["on_spot"].label),
            count_cell(k.on_spot, _("Reported in the period and resolved on the spot")),
            str(kpis.METRIC_BY_KEY["on_spot"].description),
        ),
    ]


@dataclass(frozen=True)
class BacklogRow:
    label: str
    count: int


def backlog_rows(k: kpis.Kpis) -> list[BacklogRow]:
    rows = []
    for b in k.backlog_buckets:
        if b.max_days is None:
            label = _("over %(min)s days") % {"min": b.min_days}
        else:
            label = _("%(min)s–%(max)s days") % {"min": b.min_days, "max": b.max_days}
        rows.append(BacklogRow(label, b.count))
    return rows


def score_text(score: float | None) -> str:
    return NO_DATA if score is None else number_format(round(score, 1), 1)


def weights_text(weights: dict[str, float]) -> str:
    """ "Response rate 30 %, resolution rate 35 %, …" as shares of the total weight."""
    total = sum(weights.values())
    parts = []
    for key, w in weights.items():
        share = number_format(round(w / total * 100, 1), 0 if (w / total * 100).is_integer() else 1)
        parts.append(_("%(metric)s %(share)s%%") % {"metric": kpis.METRIC_BY_KEY[key].label, "share": share})
    return ", ".join(parts)


# --- the trend chart ------------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str
    anchor: str = "middle"  # SVG text-anchor: the first date starts at its tick, the last ends at it


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    reported_points: str
    closed_points: str
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    description: str
    days: tuple  # the kpis.DayCount rows, for the data table


def _nice_ceiling(n: int) -> int:
    """The smallest 1, 2 or 5 × 10^k at or above ``n`` (at least 1): round axis maxima."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= n:
                return m * step
        step *= 10


def trend_chart(days, *, width=720, height=220) -> TrendChart:
    """Reported and closed problems per day as two polylines in a ``width`` × ``height`` box."""
    left, right, top, bottom = 44, width - 10, 10, height - 28
    n = len(days)
    peak = max((max(d.reported, d.closed) for d in days), default=0)
    y_max = _nice_ceiling(peak)
    x_step = (right - left) / (n - 1) if n > 1 else 0

    def x(i):
        return round(left + i * x_step, 1) if n > 1 else (left + right) / 2

    def y(v):
        return round(bottom - (bottom - top) * v / y_max, 1)

    reported = " ".join(f"{x(i)},{y(d.reported)}" for i, d in enumerate(days))
    closed = " ".join(f"{x(i)},{y(d.closed)}" for i, d in enumerate(days))
    y_ticks = tuple(Tick(y(v), number_format(v)) for v in sorted({0, y_max // 2, y_max}))
    picks = sorted({0, n // 2, n - 1}) if n else []
    anchors = {0: "start", n - 1: "end"} if n > 1 else {}
    x_ticks = tuple(Tick(x(i), date_format(days[i].day, "SHORT_DATE_FORMAT"), anchors.get(i, "middle")) for i in picks)
    total_reported = sum(d.reported for d in days)
    total_closed = sum(d.closed for d in days)
    if n:
        busiest = max(days, key=lambda d: (d.reported, d.day))
        description = _(
            "From %(first)s to %(last)s, %(reported)s problems were reported and %(closed)s closed; "
            "the most reports in one day were %(peak)s, on %(peak_day)s."
        ) % {
            "first": date_format(days[0].day),
            "last": date_format(days[-1].day),
            "reported": number_format(total_reported),
            "closed": number_format(total_closed),
            "peak": number_format(busiest.reported),
            "peak_day": date_format(busiest.day),
        }
    else:
        description = _("No days in the period.")
    return TrendChart(
        width, height, left, right, top, bottom, reported, closed, y_ticks, x_ticks, description, tuple(days)
    )
