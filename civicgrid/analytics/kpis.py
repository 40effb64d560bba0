"""The numbers leaders read (DESIGN.md §5): one place where every formula is written once.

Every function takes a **region** as a code prefix (``geo/codes.py``: ``subtree_prefix``; ``""``
or the city's prefix means the whole city) and a **period** ``[start, end)`` (start inclusive,
end exclusive; dates are local midnights in ``settings.TIME_ZONE``). ``FORMULAS.md`` next to this
module explains each formula with its sources; the text below is the reference.

Periods and the cut-off
-----------------------
Which cases belong to a period depends on the number: *reported in* the period (``reported_at``),
*dispatched in* it (``dispatched_at``; a reopened case is dispatched again, so it moves to the
period of its latest dispatch), *handled in* it (``handled_at``) or *rated in* it (``rated_at``).
``C`` (the cut-off) is the earlier of the period end and now: "due" means a deadline before ``C``
and "closed" means closed before ``C``, so a finished month reads the same whenever it is
computed, and the running month does not count deadlines that have not come yet.

Only problem cases (``Case.Kind.PROBLEM``) are counted unless ``kind`` says otherwise.

Formulas
--------
Response rate (响应率, 接诉即办条例 Art. 32)
    answered on time / due to be answered. Over cases reported in the period that have an accept
    deadline (on-the-spot resolutions have none). *Answered* = accepted (立案, ``accepted_at``),
    rejected with a reason or merged into an open case (the ``reject``/``merge`` event); *on
    time* = at or before ``accept_due_at`` and before ``C``. *Due to be answered* = answered on
    time, or ``accept_due_at < C``.
结案数 / 应结案数 (closure rate) and 按期结案数 / 应结案数 (on-time closure rate, processes.md §1.5)
    应结案数 = cases dispatched in the period, not resolved on the spot, that were due
    (``handle_due_at < C`` or closed before ``C``), **minus the parked ones** (缓办, the 金华
    variant "应结案数 − 缓办数"). 结案数 = those closed before ``C``; 按期结案数 = those closed
    before ``C`` whose last handling was on time (``handled_on_time``). The parked count is
    reported next to the rates so that parking cannot hide work unseen.
Resolution rate (解决率, Art. 32)
    confirmed closures / cases closed or due. Over cases dispatched in the period (on-the-spot
    resolutions included: they are solved problems) that were due or closed before ``C``,
    parked cases **included** (a parked problem is not solved). Confirmed = closed before ``C``
    and still closed, i.e. verified and not reopened since.
Satisfaction rate (满意率, Art. 32)
    (satisfied 3 + basically satisfied 2) / ratings given in the period.
Rework rate (返工率)
    cases with ``rework_count > 0`` / cases handled in the period (on-the-spot excluded).
Extension rate (延期率)
    cases with ``extension_count > 0`` / cases dispatched in the period (on-the-spot excluded).
Reopen rate
    cases with ``reopen_count > 0`` / cases reported in the period that were ever closed
    (closed now or reopened; on-the-spot resolutions excluded: the grid worker reported them).
Average handling time
    mean of ``handled_at − dispatched_at`` in hours over cases handled in the period
    (on-the-spot excluded; a reopened case not yet handled again is left out).
On-the-spot resolutions
    cases reported in the period that a grid worker resolved on the spot (小事不出网格).
Overdue count (now, not the period)
    cases on the clock (open and not parked) whose current step is past ``step_due_at`` or
    that the sweeper marked overdue.
Backlog (now, not the period)
    open cases (parked included) reported more than ``backlog_days`` (30) days ago, with age
    buckets.

A rate is ``Rate(numerator, denominator, value)``; ``value`` is ``None`` when the denominator is
0: nothing is divided by zero and no unit shows 100 % of nothing.

Rankings
--------
``rankings`` gives the same numbers for every district (or every street of a district) from one
grouped aggregate and sorts them by a composite score: the weighted mean of rates, by default
响应率 30 %, 解决率 35 %, 满意率 35 % (the 准格尔旗 example, processes.md §4.2; the weights
Beijing uses are not public). The weights are configurable (``CIVICGRID_RANKING_WEIGHTS`` or the
``weights`` argument) but only over rates where a higher value means problems better solved:
case volume, escalations to higher levels and complaint counts can never raise a score
(DESIGN.md §1). A unit missing any weighted rate (no denominator) gets no score and is listed
after the ranked ones.

All counting is done in the database with ``Count(..., filter=Q(...))``: ``summary`` is one
aggregate over the region plus a small one over rejected and merged reports (their answer time is
only in the events), ``rankings`` the same two grouped by region plus the region names.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from numbers import Real

from django.conf import settings
from django.db import connections
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, Func, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.models import Case, CaseEvent, region_q
from civicgrid.cases.workflow import problem
from civicgrid.categories.models import Category
from civicgrid.geo import codes
from civicgrid.geo.models import Region

DEFAULT_BACKLOG_DAYS = 30
# Upper edges (days) of the backlog age buckets after ``backlog_days``; the last bucket is open.
BACKLOG_EDGES = (60, 90, 180, 365)
# Ratings that count as satisfied: 满意 (3) and 基本满意 (2).
SATISFIED_RATINGS = (3, 2)
# Events that answer a report without filing it: a reasoned rejection, a merge into an open case.
ANSWER_ACTIONS = ("reject", "merge")

# Rates a ranking may weigh: for each, a higher value means problems better solved. Volume,
# escalation and complaint counts are deliberately absent (DESIGN.md §1).
RANKABLE = ("response", "closure", "on_time_closure", "resolution", "satisfaction")
DEFAULT_WEIGHTS = {"response": 30, "resolution": 35, "satisfaction": 35}
RANKING_LEVELS = (codes.DISTRICT, codes.STREET, codes.COMMUNITY)


# --- pure formulas --------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """``numerator / denominator``; ``value`` (0..1) is None when the denominator is 0."""

    numerator: int
    denominator: int
    value: float | None

    @property
    def percent(self) -> Decimal | None:
        """The value in percent, rounded half-up to two places (93.72), or None."""
        return percent(self.numerator, self.denominator)


def overdue_q(now) -> Q:
    """Open problems past their step deadline at ``now``, or already marked overdue by the
    sweeper (parked cases are not on the clock and never overdue)."""
    return Q(status__in=problem.ON_THE_CLOCK) & (Q(step_due_at__lt=now) | Q(overdue_marked=True))


def _check_counts(numerator, denominator) -> None:
    for n in (numerator, denominator):
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"counts must be non-negative integers, not {n!r}")
    if numerator > denominator:
        raise ValueError(f"numerator {numerator} exceeds denominator {denominator}")


def rate(numerator: int, denominator: int) -> Rate:
    """The rate ``numerator / denominator``: ``value`` None when ``denominator`` is 0.

    A numerator above the denominator or a negative count is a counting error: ValueError."""
    _check_counts(numerator, denominator)
    return Rate(numerator, denominator, numerator / denominator if denominator else None)


def percent(numerator: int, denominator: int) -> Decimal | None:
    """``numerator / denominator × 100`` rounded half-up to 0.01 (as published), None for 0/0."""
    _check_counts(numerator, denominator)
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def closure_rate(closed: int, due: int, parked: int = 0) -> Rate:
    """结案率 = 结案数 / 应结案数, where 应结案数 = ``due − parked`` (缓办; 0 for the plain formula)."""
    return rate(closed, due - parked)


def on_time_closure_rate(closed_on_time: int, due: int, parked: int = 0) -> Rate:
    """按期结案率 = 按期结案数 / 应结案数, 应结案数 as in ``closure_rate``."""
    return rate(closed_on_time, due - parked)


def check_weights(weights) -> dict[str, float]:
    """``weights`` validated: keys among ``RANKABLE``, values non-negative, some positive."""
    out = {}
    for key, w in dict(weights).items():
        if key not in RANKABLE:
            raise ValueError(f"{key!r} cannot be weighed in a ranking; choose among {', '.join(RANKABLE)}")
        if isinstance(w, bool) or not isinstance(w, Real) or w < 0:
            raise ValueError(f"weight of {key!r} must be a non-negative number, not {w!r}")
        if w:
            out[key] = float(w)
    if not out:
        raise ValueError("at least one ranking weight must be positive")
    return out


def ranking_weights() -> dict[str, float]:
    """The configured weights (``settings.CIVICGRID_RANKING_WEIGHTS``) or the 30/35/35 default."""
    return check_weights(getattr(settings, "CIVICGRID_RANKING_WEIGHTS", None) or DEFAULT_WEIGHTS)


def composite_score(rates, weights=None) -> float | None:
    """Σ wₖ·rateₖ / Σ wₖ × 100 over the weighted rates (``rates`` maps a ``RANKABLE`` key to a
    ``Rate``). None when any weighted rate has no denominator: scoring on the remaining rates
    would reward a unit for collecting no ratings or answering no cases."""
    weights = check_weights(weights) if weights is not None else ranking_weights()
    total = 0.0
    for key, w in weights.items():
        value = rates[key].value
        if value is None:
            return None
        total += w * value
    return total / sum(weights.values()) * 100


# --- labels ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    description: str


METRICS = (
    Metric(
        "response",
        _("Response rate (响应率)"),
        _(
            "Cases answered (accepted, rejected with a reason or merged) within the accept deadline, of the cases "
            "reported in the period that were due to be answered."
        ),
    ),
    Metric(
        "closure",
        _("Closure rate (结案率)"),
        _("Cases closed, of the cases dispatched in the period that were due for closure (parked cases excluded)."),
    ),
    Metric(
        "on_time_closure",
        _("On-time closure rate (按期结案率)"),
        _("Cases closed and handled within the deadline, of the cases due for closure (parked cases excluded)."),
    ),
    Metric(
        "resolution",
        _("Resolution rate (解决率)"),
        _(
            "Cases closed after verification and not reopened since, of the cases dispatched in the period that "
            "were closed or due (parked cases included)."
        ),
    ),
    Metric(
        "satisfaction",
        _("Satisfaction rate (满意率)"),
        _("Ratings 'satisfied' or 'basically satisfied', of the ratings residents gave in the period."),
    ),
    Metric(
        "rework",
        _("Rework rate (返工率)"),
        _("Cases that failed a verification at least once, of the cases handled in the period."),
    ),
    Metric(
        "extension",
        _("Extension rate (延期率)"),
        _("Cases granted at least one extension, of the cases dispatched in the period."),
    ),
    Metric(
        "reopen",
        _("Reopen rate"),
        _("Cases their reporter reopened, of the cases reported in the period that were ever closed."),
    ),
    Metric(
        "average_handling_hours",
        _("Average handling time (hours)"),
        _("Mean time from dispatch to the unit's handling report, over the cases handled in the period."),
    ),
    Metric(
        "on_spot",
        _("Resolved on the spot"),
        _("Cases reported in the period that a grid worker resolved on the spot."),
    ),
    Metric(
        "overdue",
        _("Overdue now"),
        _("Open cases, not parked, whose current step is past its deadline or was marked overdue."),
    ),
    Metric(
        "backlog",
        _("Backlog"),
        _("Open cases reported more than the backlog threshold (30 days by default) ago, by age."),
    ),
)
METRIC_BY_KEY = {m.key: m for m in METRICS}


# --- region and period ----------------------------------------------------------------------


def as_datetime(value) -> datetime:
    """An aware datetime: a date is its local midnight (``settings.TIME_ZONE``)."""
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            raise ValueError("period bounds must be timezone-aware datetimes or dates")
        return value
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=timezone.get_current_timezone())
    raise TypeError(f"a period bound must be a date or datetime, not {type(value).__name__}")


def _period(start, end) -> tuple[datetime, datetime]:
    start, end = as_datetime(start), as_datetime(end)
    if start >= end:
        raise ValueError("the period must end after it starts")
    return start, end


def _in(field: str, start, end) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def _cases(prefix: str, kind):
    qs = Case.objects.filter(region_q(prefix))
    if kind is not None:
        qs = qs.filter(kind=kind)
    return qs


# --- the aggregate expressions: every formula's conditions, once ----------------------------


def _event_answers(qs, start, end, cutoff):
    """The response-rate part that only the events hold: cases reported in the period and
    answered on time by a rejection or a merge (``accepted_at`` stays empty for them).

    A separate small query (it reads only rejected and merged cases, by index), so that the main
    aggregate has no correlated subquery. ``event_on_time`` joins the numerator and
    ``event_not_due`` (answered on time, deadline not yet passed) the denominator."""
    event = CaseEvent.objects.filter(
        case=OuterRef("pk"), action__in=ANSWER_ACTIONS, at__lte=OuterRef("accept_due_at"), at__lt=cutoff
    )
    qs = qs.filter(
        _in("reported_at", start, end),
        Exists(event),
        accept_due_at__isnull=False,
        accepted_at__isnull=True,
        status__in=(problem.REJECTED, problem.MERGED),
    )
    exprs = {"event_on_time": Count("pk"), "event_not_due": Count("pk", filter=Q(accept_due_at__gte=cutoff))}
    return qs, exprs


class HandlingTime(Func):
    """``handled_at − dispatched_at``, a duration in whole microseconds.

    On SQLite Django subtracts two datetimes by calling Python for every row
    (``django_timestamp_diff``), a third of the summary's time over a city's cases. SQLite's own
    functions give the same whole microseconds from the stored UTC text (``YYYY-MM-DD
    HH:MM:SS[.ffffff]``): the seconds from ``strftime('%s')`` of the part before the fraction
    (given the fraction it would round to milliseconds), plus the difference of the fractions."""

    output_field = DurationField()

    def __init__(self):
        super().__init__(F("handled_at"), F("dispatched_at"))

    def as_sql(self, compiler, connection, **extra_context):
        handled, dispatched = self.get_source_expressions()
        difference = ExpressionWrapper(handled - dispatched, output_field=DurationField())
        return compiler.compile(difference)

    def as_sqlite(self, compiler, connection, **extra_context):
        (handled, handled_params), (dispatched, dispatched_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        # "%%" is a literal "%" in a query with parameters.
        seconds = [f"strftime('%%s', substr({column}, 1, 19))" for column in (handled, dispatched)]
        fractions = [f"CAST(substr({column} || '000000', 21, 6) AS INTEGER)" for column in (handled, dispatched)]
        sql = f"(({seconds[0]} - {seconds[1]}) * 1000000 + {fractions[0]} - {fractions[1]})"
        return sql, (*handled_params, *dispatched_params) * 2


def _backlog_buckets(backlog_days: int) -> list[tuple[int, int | None]]:
    if isinstance(backlog_days, bool) or not isinstance(backlog_days, int) or backlog_days < 0:
        raise ValueError("backlog_days must be a non-negative integer")
    edges = [backlog_days, *(e for e in BACKLOG_EDGES if e > backlog_days)]
    return [(lo, edges[i + 1] if i + 1 < len(edges) else None) for i, lo in enumerate(edges)]


def _expressions(start, end, now, buckets) -> tuple[dict, Q]:
    """The aggregates behind ``Kpis`` and the condition selecting every row any of them counts."""
    cutoff = min(end, now)
    reported = _in("reported_at", start, end)
    # 响应率: accepted on time. Rejections and merges on time are counted by ``_event_answers``.
    answered_on_time = Q(accepted_at__lte=F("accept_due_at"), accepted_at__lt=cutoff)
    has_accept_deadline = reported & Q(accept_due_at__isnull=False)
    # 应结案: dispatched in the period and due (deadline or closure before the cut-off).
    dispatched_any = _in("dispatched_at", start, end)
    due_or_closed = Q(handle_due_at__lt=cutoff) | Q(closed_at__lt=cutoff)
    closed = Q(closed_at__lt=cutoff)
    dispatched = dispatched_any & Q(closed_on_spot=False)
    due = dispatched & due_or_closed
    parked = Q(status=problem.PARKED)
    should_close = due & ~parked
    handled = _in("handled_at", start, end) & Q(closed_on_spot=False)
    timed = handled & Q(dispatched_at__lte=F("handled_at"))
    rated = _in("rated_at", start, end) & Q(rating__isnull=False)
    open_ = Q(status__in=problem.OPEN)

    def n(condition):
        return Count("pk", filter=condition)

    exprs = {
        "reported": n(reported),
        "response_num": n(has_accept_deadline & answered_on_time),
        "response_den": n(has_accept_deadline & (answered_on_time | Q(accept_due_at__lt=cutoff))),
        "dispatched": n(dispatched),
        "due": n(due),
        "parked": n(due & parked),
        "closed": n(should_close & closed),
        "closed_on_time": n(should_close & closed & Q(handled_on_time=True)),
        "resolution_num": n(dispatched_any & closed & Q(status=problem.CLOSED)),
        "resolution_den": n(dispatched_any & due_or_closed),
        "rated": n(rated),
        "satisfied": n(rated & Q(rating__in=SATISFIED_RATINGS)),
        "handled": n(handled),
        "reworked": n(handled & Q(rework_count__gt=0)),
        "extended": n(dispatched & Q(extension_count__gt=0)),
        "reopen_num": n(reported & Q(closed_on_spot=False, reopen_count__gt=0)),
        "reopen_den": n(reported & Q(closed_on_spot=False) & (Q(closed_at__isnull=False) | Q(reopen_count__gt=0))),
        "on_spot": n(reported & Q(closed_on_spot=True)),
        "timed": n(timed),
        # A sum, not an average, so that the rows of a ranking add up to the region's summary.
        "handling_total": Sum(HandlingTime(), filter=timed),
        "open": n(open_),
        "overdue": n(overdue_q(now)),
    }
    for i, (lo, hi) in enumerate(buckets):
        older = Q(reported_at__lt=now - timedelta(days=lo))
        if hi is not None:
            older &= Q(reported_at__gte=now - timedelta(days=hi))
        exprs[f"backlog_{i}"] = n(open_ & older)
    rows = reported | dispatched_any | _in("handled_at", start, end) | _in("rated_at", start, end) | open_
    return exprs, rows


@dataclass(frozen=True)
class BacklogBucket:
    """Open cases whose age in days is above ``min_days`` and at most ``max_days`` (None: no limit)."""

    min_days: int
    max_days: int | None
    count: int


@dataclass(frozen=True)
class Kpis:
    """The numbers for one region and period (``summary``) or one row of ``rankings``."""

    reported: int
    dispatched: int
    handled: int
    rated: int
    due: int  # dispatched in the period and due, parked included
    parked: int  # of those, parked (缓办): out of 应结案数
    response: Rate
    closure: Rate
    on_time_closure: Rate
    resolution: Rate
    satisfaction: Rate
    rework: Rate
    extension: Rate
    reopen: Rate
    average_handling_hours: float | None
    on_spot: int
    open: int
    overdue: int
    backlog: int
    backlog_buckets: tuple[BacklogBucket, ...]

    @property
    def should_close(self) -> int:
        """应结案数 = due − parked."""
        return self.due - self.parked

    def rates(self) -> dict[str, Rate]:
        return {key: getattr(self, key) for key in (*RANKABLE, "rework", "extension", "reopen")}


def _mean_hours(total, count) -> float | None:
    """The mean of ``count`` durations summing to ``total`` (a timedelta, or microseconds from a
    backend that returns them), in hours; None when there is none."""
    if not count or total is None:
        return None
    if isinstance(total, timedelta):
        total = total // timedelta(microseconds=1)
    return total / count / 3_600_000_000


def _kpis(row: dict, buckets) -> Kpis:
    g = row.get
    bucket_counts = tuple(BacklogBucket(lo, hi, g(f"backlog_{i}") or 0) for i, (lo, hi) in enumerate(buckets))
    return Kpis(
        reported=g("reported") or 0,
        dispatched=g("dispatched") or 0,
        handled=g("handled") or 0,
        rated=g("rated") or 0,
        due=g("due") or 0,
        parked=g("parked") or 0,
        response=rate(
            (g("response_num") or 0) + (g("event_on_time") or 0), (g("response_den") or 0) + (g("event_not_due") or 0)
        ),
        closure=closure_rate(g("closed") or 0, g("due") or 0, g("parked") or 0),
        on_time_closure=on_time_closure_rate(g("closed_on_time") or 0, g("due") or 0, g("parked") or 0),
        resolution=rate(g("resolution_num") or 0, g("resolution_den") or 0),
        satisfaction=rate(g("satisfied") or 0, g("rated") or 0),
        rework=rate(g("reworked") or 0, g("handled") or 0),
        extension=rate(g("extended") or 0, g("dispatched") or 0),
        reopen=rate(g("reopen_num") or 0, g("reopen_den") or 0),
        average_handling_hours=_mean_hours(g("handling_total"), g("timed")),
        on_spot=g("on_spot") or 0,
        open=g("open") or 0,
        overdue=g("overdue") or 0,
        backlog=sum(b.count for b in bucket_counts),
        backlog_buckets=bucket_counts,
    )


# --- queries --------------------------------------------------------------------------------


def summary(prefix, start, end, *, now=None, backlog_days=DEFAULT_BACKLOG_DAYS, kind=Case.Kind.PROBLEM) -> Kpis:
    """Every number for the region ``prefix`` and the period ``[start, end)``, in two queries.

    ``open``, ``overdue`` and the backlog describe the open cases at ``now``, not the period."""
    start, end = _period(start, end)
    now = now or timezone.now()
    buckets = _backlog_buckets(backlog_days)
    exprs, rows = _expressions(start, end, now, buckets)
    row = _cases(prefix, kind).filter(rows).aggregate(**exprs)
    answers, answer_exprs = _event_answers(_cases(prefix, kind), start, end, min(end, now))
    row.update(answers.aggregate(**answer_exprs))
    return _kpis(row, buckets)


@dataclass(frozen=True)
class RankingRow:
    code: str
    name: str
    kpis: Kpis
    score: float | None  # composite score 0..100; None: a weighted rate has no denominator
    rank: int | None  # 1 = best; None when unscored


def rankings(
    level,
    parent_prefix,
    start,
    end,
    *,
    now=None,
    weights=None,
    backlog_days=DEFAULT_BACKLOG_DAYS,
    kind=Case.Kind.PROBLEM,
) -> list[RankingRow]:
    """The numbers of every region of ``level`` ("district", "street" or "community") under
    ``parent_prefix``, best composite score first (ties by code); unscored regions last, by code.

    Every region of the level is listed, including those without cases. Volume, escalations and
    complaint counts are shown in the numbers but never enter the score."""
    return ranking_and_summary(
        level, parent_prefix, start, end, now=now, weights=weights, backlog_days=backlog_days, kind=kind
    )[0]


def ranking_and_summary(
    level,
    parent_prefix,
    start,
    end,
    *,
    now=None,
    weights=None,
    backlog_days=DEFAULT_BACKLOG_DAYS,
    kind=Case.Kind.PROBLEM,
) -> tuple[list[RankingRow], Kpis]:
    """``rankings(level, parent_prefix, …)`` and ``summary(parent_prefix, …)`` from the ranking's
    two grouped queries: every number of the summary is a count or a total that the rows of the
    ranking add up to (the average handling time is their total over their count), so the
    region is read once instead of twice."""
    if level not in RANKING_LEVELS:
        raise ValueError(f"rankings are by {', '.join(RANKING_LEVELS)}, not {level!r}")
    parent_prefix = parent_prefix or ""
    if len(parent_prefix) >= codes.LEVEL_LENGTH[level]:
        raise ValueError(f"{parent_prefix!r} is not above the {level} level")
    weights = check_weights(weights) if weights is not None else ranking_weights()
    start, end = _period(start, end)
    now = now or timezone.now()
    buckets = _backlog_buckets(backlog_days)
    exprs, rows = _expressions(start, end, now, buckets)
    # Grouped by an expression equal to the level's code column, not by the column itself: given
    # the column, SQLite reads the whole table in the order of its index (one random read per
    # row) to spare itself sorting the rows; a scan and a sort take about two thirds of the time.
    code = Substr(f"{level}_code", 1, codes.LEVEL_LENGTH[level])
    per_code = _cases(parent_prefix, kind).filter(rows).values(code=code).annotate(**exprs).order_by()
    grouped = {row["code"]: row for row in per_code}
    answers, answer_exprs = _event_answers(_cases(parent_prefix, kind), start, end, min(end, now))
    for row in answers.values(code=code).annotate(**answer_exprs).order_by():
        grouped.setdefault(row["code"], {}).update(row)
    by_code = {key: _kpis(row, buckets) for key, row in grouped.items()}
    total = _kpis(_added_up(grouped.values(), exclude="code"), buckets)

    regions = Region.objects.filter(level=level, code__startswith=parent_prefix).only("code", "name_zh", "name_en")
    names = {r.code: r.name for r in regions}
    empty = _kpis({}, buckets)
    out = []
    for code in sorted(names.keys() | by_code.keys()):
        kpis = by_code.get(code, empty)
        out.append(RankingRow(code, names.get(code, code), kpis, composite_score(kpis.rates(), weights), None))
    scored = sorted((r for r in out if r.score is not None), key=lambda r: (-r.score, r.code))
    unscored = [r for r in out if r.score is None]
    ranked = [RankingRow(r.code, r.name, r.kpis, r.score, i) for i, r in enumerate(scored, start=1)]
    return ranked + unscored, total


def _added_up(rows, *, exclude: str) -> dict:
    """The rows of a grouped aggregate added up, key by key (``exclude`` is the grouping column);
    an empty group's None (a sum over no rows) adds nothing."""
    total: dict = {}
    for row in rows:
        for key, value in row.items():
            if key != exclude and value is not None:
                total[key] = total[key] + value if key in total else value
    return total


@dataclass(frozen=True)
class DayCount:
    day: date
    reported: int
    closed: int


def daily_trend(prefix, start, end, *, kind=Case.Kind.PROBLEM) -> list[DayCount]:
    """Cases reported and cases closed on each local day of ``[start, end)``, zero days included.

    A case closed and later reopened no longer counts as closed on its first closing day."""
    start, end = _period(start, end)
    tz = timezone.get_current_timezone()
    qs = _cases(prefix, kind)
    reported = _per_local_day(qs.filter(_in("reported_at", start, end)), "reported_at", tz)
    closed = _per_local_day(qs.filter(_in("closed_at", start, end)), "closed_at", tz)
    first = timezone.localtime(start, tz).date()
    last = timezone.localtime(end - timedelta(microseconds=1), tz).date()
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [DayCount(d, reported.get(d, 0), closed.get(d, 0)) for d in days]


def _per_local_day(qs, field: str, tz) -> dict[date, int]:
    """How many rows of ``qs`` have ``field`` on each local day (in ``tz``).

    SQLite converts to local time by calling Python for every row, so there the rows are
    counted per stored UTC hour (the text's first 13 characters) and the hours are put on their
    local days here, which is exact whenever each hour lies within one local day (every zone
    whose offsets are whole hours); otherwise it counts per converted day like other backends."""
    if connections[qs.db].vendor == "sqlite":
        per_hour = qs.annotate(hour=Substr(field, 1, 13)).values("hour").annotate(n=Count("pk")).order_by()
        days: dict[date, int] = {}
        for hour, n in per_hour.values_list("hour", "n"):
            begins = datetime.fromisoformat(f"{hour}:00:00+00:00")
            day = timezone.localtime(begins, tz).date()
            if timezone.localtime(begins + timedelta(hours=1) - timedelta(microseconds=1), tz).date() != day:
                break  # a local day starts inside this hour
            days[day] = days.get(day, 0) + n
        else:
            return days
    per_day = qs.annotate(day=TruncDate(field, tzinfo=tz)).values("day").annotate(n=Count("pk")).order_by()
    return dict(per_day.values_list("day", "n"))


def _localized(name_zh: str, name_en: str) -> str:
    if (get_language() or "").startswith("en") and name_en:
        return name_en
    return name_zh


@dataclass(frozen=True)
class Hotspot:
    grid_code: str
    category_id: int
    category_code: str
    category_name: str
    count: int


def hotspots(prefix, start, end, min_count=3, *, limit=100, kind=Case.Kind.PROBLEM) -> list[Hotspot]:
    """(grid, category) pairs with at least ``min_count`` problems reported in ``[start, end)``,
    most first (ties by grid, then category code): where to treat the source.

    Rejected reports (not a case) and merged duplicates (the same problem reported twice) are
    not counted: a hotspot is a problem that comes back, not one that many people saw."""
    if min_count < 1:
        raise ValueError("min_count must be at least 1")
    start, end = _period(start, end)
    # The category's code and names are looked up for the pairs kept, not joined to every case:
    # grouping the cases by grid and category alone is the cheaper half of the work.
    category = Category.objects.filter(pk=OuterRef("category_id"))
    rows = (
        _cases(prefix, kind)
        .filter(_in("reported_at", start, end))
        .exclude(status__in=(problem.REJECTED, problem.MERGED))
        .values("grid_code", "category_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=min_count)
        .annotate(
            category_code=Subquery(category.values("code")),
            category_name_zh=Subquery(category.values("name_zh")),
            category_name_en=Subquery(category.values("name_en")),
        )
        .order_by("-n", "grid_code", "category_code")[:limit]
    )
    return [
        Hotspot(
            r["grid_code"],
            r["category_id"],
            r["category_code"],
            _localized(r["category_name_zh"], r["category_name_en"]),
            r["n"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class OverdueUnit:
    unit_id: int | None  # None: not (or no longer) with a unit — the governance centre's to act on
    unit_code: str
    unit_name: str
    count: int


NOT_DISPATCHED = _("Not dispatched (with the governance centre)")


def overdue_units(prefix, *, now=None, kind=Case.Kind.PROBLEM) -> list[OverdueUnit]:
    """Units owning overdue cases (as in ``Kpis.overdue``) in the region, most first."""
    now = now or timezone.now()
    overdue = overdue_q(now)
    rows = (
        _cases(prefix, kind)
        .filter(overdue)
        .values("owner_unit_id", "owner_unit__code", "owner_unit__name_zh", "owner_unit__name_en")
        .annotate(n=Count("pk"))
        .order_by("-n", F("owner_unit__code").asc(nulls_last=True))
    )
    out = []
    for r in rows:
        if r["owner_unit_id"] is None:
            out.append(OverdueUnit(None, "", NOT_DISPATCHED, r["n"]))
        else:
            name = _localized(r["owner_unit__name_zh"], r["owner_unit__name_en"])
            out.append(OverdueUnit(r["owner_unit_id"], r["owner_unit__code"], name, r["n"]))
    return out
