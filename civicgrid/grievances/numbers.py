"""The grievance numbers leaders read: the backlog of long-open grievances to clear (清仓见底) and
how often each statutory step was done on time. Every function takes a queryset of grievances
the reader may see (``access.visible_grievances``), so a number never counts what its reader
may not open.

What is deliberately **not** here (DESIGN.md §1): no number counts, per unit or in total, how
many reviews or re-reviews were asked for, how many matters were raised again at a higher level
or reached a higher level, nor anything about petitioners. Review and re-review are the
petitioner's rights: a unit is never better placed for fewer of them. The review and re-review
rates below measure whether the *reviewing* body answered in time — a right served on time.

Backlog (now, not a period)
    Open grievances (registered, with a body, in handling, in review or re-review) received more
    than ``long_open_days`` (90: beyond 60 days of handling plus the longest extension, Art. 34,
    no statutory period can still be running) days ago, by the unit holding them now (none: with
    the letters-and-visits office) and by age: 90-180 days, 180 days-1 year, 1-2 years, over 2.
On-time rate of a step, over the grievances whose step started in the period ``[start, end)``
    done on time / due. *Due* = done by now, or its deadline passed by now; *on time* = done at
    or before the deadline. The statutory steps run 15 to 90 days, longer than the month a leader
    reads, so the cut-off is now, not the period's end: a step started in the period is counted
    once it is done or due, and a period's numbers settle when its last step has run out.

    ============  ====================  ===================  ===================  ========
    step          started               done                 deadline             article
    ============  ====================  ===================  ===================  ========
    triage        ``received_at``       ``triaged_at``       ``triage_due_at``    22
    notice        ``assigned_at``       ``noticed_at``       ``notice_due_at``    23
    handling      ``accepted_at``       ``decided_at``       ``handle_due_at``    34
    review        ``review_requested``  ``review_answered``  ``review_due_at``    35
    re-review     ``rereview_request``  ``rereview_answer``  ``rereview_due_at``  36
    ============  ====================  ===================  ===================  ========

    A triage redone after an objection (Art. 23) counts with its new deadline.
Satisfaction rate
    (satisfied 3 + basically satisfied 2) / evaluations given in the period (Art. 21).

All counting is one aggregate query per number (``Count(..., filter=Q(...))``).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.analytics.kpis import Rate, as_datetime, rate
from civicgrid.grievances import workflow as wf
from civicgrid.grievances.models import Evaluation
from civicgrid.org.models import Unit

LONG_OPEN_DAYS = 90
# Upper edges (days) of the backlog's age buckets after ``long_open_days``; the last is open.
BACKLOG_EDGES = (180, 365, 730)
SATISFIED = (3, 2)

# (name, label, started, done, deadline)
STEPS = (
    ("triage", _("Triage within 15 days (Art. 22)"), "received_at", "triaged_at", "triage_due_at"),
    ("notice", _("Written notice within 15 days (Art. 23)"), "assigned_at", "noticed_at", "notice_due_at"),
    ("handling", _("Concluded within 60 days, or as extended (Art. 34)"), "accepted_at", "decided_at", "handle_due_at"),
    (
        "review",
        _("Review answered within 30 days (Art. 35)"),
        "review_requested_at",
        "review_answered_at",
        "review_due_at",
    ),
    (
        "rereview",
        _("Re-review answered within 30 days, hearings not counted (Art. 36)"),
        "rereview_requested_at",
        "rereview_answered_at",
        "rereview_due_at",
    ),
)


@dataclass(frozen=True)
class AgeBucket:
    low: int
    high: int | None
    count: int

    @property
    def label(self) -> str:
        if self.high is None:
            return str(_("over %(n)s days") % {"n": self.low})
        return str(_("%(low)s–%(high)s days") % {"low": self.low, "high": self.high})


@dataclass(frozen=True)
class BacklogRow:
    """Long-open grievances held by ``unit`` (None: with the letters-and-visits office)."""

    unit: Unit | None
    total: int
    buckets: tuple[AgeBucket, ...]


def _buckets(long_open_days: int) -> list[tuple[int, int | None]]:
    edges = [e for e in BACKLOG_EDGES if e > long_open_days]
    lows = [long_open_days, *edges]
    return list(zip(lows, [*edges, None], strict=True))


def backlog(grievances, *, now: datetime | None = None, long_open_days: int = LONG_OPEN_DAYS) -> list[BacklogRow]:
    """The long-open grievances among ``grievances`` by the unit holding them and by age, the
    largest backlog first (one grouped query plus the unit names)."""
    now = now or timezone.now()
    buckets = _buckets(long_open_days)
    counts = {}
    for i, (low, high) in enumerate(buckets):
        cond = Q(received_at__lte=now - timedelta(days=low))
        if high is not None:
            cond &= Q(received_at__gt=now - timedelta(days=high))
        counts[f"b{i}"] = Count("pk", filter=cond)
    rows = (
        grievances.filter(case__status__in=sorted(wf.OPEN), received_at__lte=now - timedelta(days=long_open_days))
        .values("case__owner_unit")
        .annotate(total=Count("pk"), **counts)
        .order_by()
    )
    rows = list(rows)
    units = Unit.objects.in_bulk([r["case__owner_unit"] for r in rows if r["case__owner_unit"]])
    out = [
        BacklogRow(
            units.get(r["case__owner_unit"]),
            r["total"],
            tuple(AgeBucket(low, high, r[f"b{i}"]) for i, (low, high) in enumerate(buckets)),
        )
        for r in rows
    ]
    return sorted(out, key=lambda row: (-row.total, row.unit.code if row.unit else ""))


def long_open(grievances, *, now: datetime | None = None, long_open_days: int = LONG_OPEN_DAYS):
    """The long-open grievances themselves, oldest first (for the backlog list and its export)."""
    now = now or timezone.now()
    return (
        grievances.filter(case__status__in=sorted(wf.OPEN), received_at__lte=now - timedelta(days=long_open_days))
        .select_related("case__owner_unit", "case__lead_official", "case__category")
        .order_by("received_at", "pk")
    )


@dataclass(frozen=True)
class StepRate:
    name: str
    label: str
    rate: Rate


def on_time(grievances, start: datetime, end: datetime, *, now: datetime | None = None) -> list[StepRate]:
    """The on-time rate of each statutory step started in ``[start, end)`` (one query)."""
    cutoff = now or timezone.now()
    exprs = {}
    for name, _label, started, done, deadline in STEPS:
        began = Q(**{f"{started}__gte": start, f"{started}__lt": end})
        finished = Q(**{f"{done}__lt": cutoff})
        exprs[f"{name}_due"] = Count("pk", filter=began & (finished | Q(**{f"{deadline}__lt": cutoff})))
        exprs[f"{name}_ok"] = Count("pk", filter=began & finished & Q(**{f"{done}__lte": F(deadline)}))
    row = grievances.aggregate(**exprs)
    return [StepRate(name, str(label), rate(row[f"{name}_ok"], row[f"{name}_due"])) for name, label, *_ in STEPS]


def satisfaction(grievances, start: datetime, end: datetime) -> Rate:
    """Satisfied and basically satisfied evaluations over those given in ``[start, end)``."""
    row = Evaluation.objects.filter(grievance__in=grievances, at__gte=start, at__lt=end).aggregate(
        total=Count("pk"), good=Count("pk", filter=Q(rating__in=SATISFIED))
    )
    return rate(row["good"], row["total"])


@dataclass(frozen=True)
class Summary:
    """The grievance numbers of a place and period, for the command centre."""

    long_open: int
    backlog: list[BacklogRow]
    steps: list[StepRate]
    satisfaction: Rate


def summary(grievances, start, end, *, now: datetime | None = None) -> Summary:
    """Backlog (now) and on-time and satisfaction rates of ``[start, end)``; ``start`` and ``end``
    are dates (local midnights) or aware datetimes. Four queries."""
    now = now or timezone.now()
    start, end = as_datetime(start), as_datetime(end)
    rows = backlog(grievances, now=now)
    return Summary(
        long_open=sum(r.total for r in rows),
        backlog=rows,
        steps=on_time(grievances, start, end, now=now),
        satisfaction=satisfaction(grievances, start, end),
    )
