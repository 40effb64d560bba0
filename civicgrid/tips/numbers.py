"""The tip line's numbers: the "four 100%" — every tip screened, verified, handled and answered.

Conventions as in ``analytics/kpis.py``: a **region** is a code prefix ("" or the city's prefix:
the whole city, tips that name no district included; a district's code: the tips that name it),
a **period** is ``[start, end)`` and ``C`` (the cut-off) is the earlier of the period end and
now. The tips counted are those **submitted in the period** (their day of submission).

For each step s (screen, verify, handle, answer):

done(s)
    tips whose step s was done before ``C`` (a transfer concludes the step that was running).
due(s)
    tips whose step s was done before ``C``, or whose deadline for s passed before ``C``. A tip
    whose step s has not started (or whose deadline is still ahead) is not due yet; a tip that
    never reaches s (transferred or not substantiated before handling) is never due for it.
rate(s) = done(s) / due(s)
    the screened, verified, handled and answered rates. 100 % means no tip of the period was
    left past a deadline without its step.
on_time(s) = done(s) with the step done at or before its deadline (an approved extension of
    verification moves that deadline), and on_time_rate(s) = on_time(s) / due(s).

Outcomes (substantiated, not substantiated, transferred) and the rewards approved (count and
sum, by the day of approval within the period) are reported next to the rates. A rate is
``kpis.Rate``: ``value`` is None when nothing was due. Everything is one aggregate query.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from civicgrid.analytics.kpis import Rate, as_datetime, rate, region_q
from civicgrid.cases.models import Case
from civicgrid.geo import codes
from civicgrid.tips import workflow
from civicgrid.tips.models import TipReward

# step → (deadline field, done field) on Tip
STEP_FIELDS = {
    workflow.SCREEN: ("screen_due_at", "screened_at"),
    workflow.VERIFY: ("verify_due_at", "verified_at"),
    workflow.HANDLE: ("handle_due_at", "handled_at"),
    workflow.ANSWER: ("answer_due_at", "answered_at"),
}


@dataclass(frozen=True)
class StepNumbers:
    step: str
    due: int
    done: int
    on_time: int

    @property
    def rate(self) -> Rate:
        return rate(self.done, self.due)

    @property
    def on_time_rate(self) -> Rate:
        return rate(self.on_time, self.due)


@dataclass(frozen=True)
class TipNumbers:
    submitted: int
    screened: StepNumbers
    verified: StepNumbers
    handled: StepNumbers
    answered: StepNumbers
    substantiated: int
    not_substantiated: int
    transferred: int
    open_overdue: int
    rewards_approved: int
    reward_amount: Decimal

    @property
    def steps(self) -> tuple[StepNumbers, ...]:
        return (self.screened, self.verified, self.handled, self.answered)


def city_prefix() -> str:
    return codes.subtree_prefix(settings.CITY_CODE, codes.CITY)


def tip_region_q(prefix: str) -> Q:
    """Tip cases (a filter on ``Case``) in the region with code prefix ``prefix``. The whole city
    includes the tips that name no place."""
    prefix = prefix or ""
    if not prefix or city_prefix().startswith(prefix):
        return Q()
    return region_q(prefix)


def four_rates(prefix: str, start, end, *, now=None) -> TipNumbers:
    """The tip numbers of region ``prefix`` for tips submitted in ``[start, end)``."""
    start, end = as_datetime(start), as_datetime(end)
    if start >= end:
        raise ValueError("the period must end after it starts")
    now = now or timezone.now()
    cutoff = min(end, now)
    region = tip_region_q(prefix)
    tips = Case.objects.filter(kind=Case.Kind.TIP, tip__isnull=False).filter(region)
    exprs = {}
    for step, (due_field, done_field) in STEP_FIELDS.items():
        done = Q(**{f"tip__{done_field}__lt": cutoff})
        exprs[f"{step}_done"] = Count("pk", filter=done)
        exprs[f"{step}_due"] = Count("pk", filter=done | Q(**{f"tip__{due_field}__lt": cutoff}))
        exprs[f"{step}_on_time"] = Count("pk", filter=done & Q(**{f"tip__{done_field}__lte": F(f"tip__{due_field}")}))
    for outcome in workflow.OUTCOMES:
        exprs[outcome] = Count("pk", filter=Q(tip__outcome=outcome))
    exprs["submitted"] = Count("pk")
    exprs["open_overdue"] = Count("pk", filter=Q(status__in=workflow.OPEN, step_due_at__lt=now))
    row = tips.filter(reported_at__gte=start, reported_at__lt=end).aggregate(**exprs)
    rewards = TipReward.objects.filter(
        decision=TipReward.Decision.APPROVED,
        decided_at__gte=start,
        decided_at__lt=end,
    )
    if region:  # the whole city needs no filter: every reward is a tip's
        rewards = rewards.filter(tip__case__in=tips.values("pk"))
    rewards = rewards.aggregate(n=Count("pk"), total=Sum("amount"))

    def step_numbers(step):
        return StepNumbers(step, row[f"{step}_due"], row[f"{step}_done"], row[f"{step}_on_time"])

    return TipNumbers(
        submitted=row["submitted"],
        screened=step_numbers(workflow.SCREEN),
        verified=step_numbers(workflow.VERIFY),
        handled=step_numbers(workflow.HANDLE),
        answered=step_numbers(workflow.ANSWER),
        substantiated=row[workflow.SUBSTANTIATED],
        not_substantiated=row[workflow.NOT_SUBSTANTIATED],
        transferred=row[workflow.TRANSFERRED],
        open_overdue=row["open_overdue"],
        rewards_approved=rewards["n"],
        reward_amount=rewards["total"] or Decimal("0"),
    )
