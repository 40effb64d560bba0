"""The tip handlers' queues: the tips in their scope by the step they wait for, with deadlines.
Shared by the staff pages and the API; no content is read here (nothing to log)."""

from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from civicgrid.tips import rules, workflow
from civicgrid.tips.access import visible_tips
from civicgrid.tips.actions import step_periods
from civicgrid.tips.models import TipMessage, TipReward


@dataclass(frozen=True)
class Queue:
    slug: str
    label: str
    help: str
    where: Q
    open: bool = True


QUEUES = (
    Queue(
        "screen",
        _("To screen"),
        _("New tips waiting for their first check."),
        Q(case__status=workflow.SUBMITTED),
    ),
    Queue(
        "verify",
        _("To verify"),
        _("Screened tips waiting for verification."),
        Q(case__status=workflow.SCREENED),
    ),
    Queue(
        "handle",
        _("To handle"),
        _("Substantiated tips waiting to be dealt with."),
        Q(case__status=workflow.VERIFIED),
    ),
    Queue(
        "answer",
        _("To answer"),
        _("Tips whose checking has ended: the submitter is owed the answer."),
        Q(case__status__in=sorted(workflow.TO_ANSWER)),
    ),
    Queue(
        "rewards",
        _("Rewards to decide"),
        _("Reward proposals waiting for a second tip handler."),
        Q(rewards__decision=TipReward.Decision.PENDING),
    ),
    Queue(
        "ended",
        _("Answered"),
        _("Tips answered and closed."),
        Q(case__status=workflow.ANSWERED),
        open=False,
    ),
)
BY_SLUG = {q.slug: q for q in QUEUES}
PAGE_SIZE = 50


def counts(user) -> dict[str, int]:
    """The number of tips in each queue (one query)."""
    return visible_tips(user).aggregate(**{q.slug: Count("pk", filter=q.where, distinct=True) for q in QUEUES})


def tips_in(user, queue: Queue):
    """The tips of ``queue`` the user may see: the most urgent first (the latest for ended)."""
    qs = (
        visible_tips(user)
        .filter(queue.where)
        .annotate(information_count=Count("messages", filter=Q(messages__kind=TipMessage.Kind.INFORMATION)))
    )
    if queue.open:
        return qs.order_by(F("case__step_due_at").asc(nulls_last=True), "created_at", "pk")
    return qs.order_by("-case__closed_at", "-pk")


def sla_colour(case, now) -> str | None:
    """The colour of the running step of a tip case, measured in its period's unit."""
    if not case.step or case.step not in rules.STEPS:
        return None
    unit = rules.periods(step_periods())[case.step].unit
    return rules.sla_colour(case.step_started_at, case.step_due_at, now, unit=unit)
