"""The workbench queues: each a named filter over the problem cases a staff member may see
(``cases/access.py::visible_cases``) and the roles whose desk shows it.

A queue only narrows what the access module already allows; it never widens it. Counts of every
queue a user sees come from one aggregate query (``counts``); the rows of one queue from
``cases_in`` with the filters of ``apply_filters``.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from civicgrid.cases import deadlines
from civicgrid.cases.access import visible_cases
from civicgrid.cases.models import Case, region_q
from civicgrid.cases.workflow import problem
from civicgrid.org import access
from civicgrid.org.roles import Role

PAGE_SIZE = 50

# Escalation levels from the bottom of the region tree up (``Case.Level``). A grid team works at
# community level: cases start there and are not "escalated" until they leave it.
LEVELS = (Case.Level.COMMUNITY, Case.Level.STREET, Case.Level.DISTRICT, Case.Level.CITY)
UNIT_LEVEL = {
    "grid": Case.Level.COMMUNITY,
    "community": Case.Level.COMMUNITY,
    "street": Case.Level.STREET,
    "district": Case.Level.DISTRICT,
    "city": Case.Level.CITY,
}

# The roles of the problem workflow (and those who read it). Disputes, grievances and tips have
# desks of their own.
DESK_ROLES = frozenset(
    {Role.DISPATCHER, Role.HANDLER, Role.GRID_WORKER, Role.SUPERVISOR, Role.AUDITOR, Role.ADMINISTRATOR}
)


@dataclass(frozen=True)
class Desk:
    """Who is looking: their unit, the escalation levels that reach them, and the time."""

    unit_id: int | None
    levels: tuple[str, ...]
    now: object


def desk_of(user, now) -> Desk:
    """The desk of ``user`` at ``now``: escalations at their unit's level or above reach them."""
    staff = access.staff_of(user)
    if staff is None:  # a superuser: the city desk
        return Desk(None, (Case.Level.CITY,), now)
    mine = UNIT_LEVEL.get(staff.unit.region.level, Case.Level.COMMUNITY)
    from_index = max(LEVELS.index(mine), 1)  # "community" means not escalated at all
    return Desk(staff.unit_id, LEVELS[from_index:], now)


@dataclass(frozen=True)
class Queue:
    slug: str
    label: str
    roles: frozenset[str]
    where: Callable[[Desk], Q]
    help: str = ""
    # Cases on this queue can be dispatched together (``bulk_dispatch``).
    bulk_dispatch: bool = False


def _mine(desk: Desk) -> Q:
    if desk.unit_id is None:
        return Q(pk__in=[])
    return Q(owner_unit_id=desk.unit_id, status__in=problem.WITH_UNIT)


OPEN = sorted(problem.OPEN)
RUNNING = sorted(problem.ON_THE_CLOCK)

QUEUES: tuple[Queue, ...] = (
    Queue(
        "to_accept",
        _("To accept"),
        frozenset({Role.DISPATCHER}),
        lambda d: Q(status=problem.REPORTED),
        _("New reports waiting to be filed or rejected."),
    ),
    Queue(
        "to_dispatch",
        _("To dispatch"),
        frozenset({Role.DISPATCHER}),
        lambda d: Q(status=problem.ACCEPTED),
        _("Filed cases waiting for a unit."),
        bulk_dispatch=True,
    ),
    Queue(
        "mine",
        _("Mine to handle"),
        frozenset({Role.HANDLER}),
        _mine,
        _("Cases owned by my unit that are dispatched, signed for or in progress."),
    ),
    Queue(
        "to_verify",
        _("To verify"),
        frozenset({Role.GRID_WORKER, Role.DISPATCHER}),
        lambda d: Q(status=problem.HANDLED),
        _("Handled cases waiting for a check of the fix."),
    ),
    Queue(
        "overdue",
        _("Overdue"),
        frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.AUDITOR}),
        lambda d: Q(status__in=RUNNING, step_due_at__lt=d.now),
        _("Cases whose current step is past its deadline."),
    ),
    Queue(
        "escalated",
        _("Escalated to my level"),
        frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.AUDITOR}),
        lambda d: Q(status__in=OPEN, escalation_level__in=d.levels),
        _("Open cases escalated to the level of my unit or above."),
    ),
    Queue(
        "urged",
        _("Urged"),
        frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.HANDLER, Role.AUDITOR}),
        lambda d: Q(status__in=OPEN, urge_count__gt=0),
        _("Open cases a supervisor has urged."),
    ),
    Queue(
        "parked",
        _("Parked"),
        frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.AUDITOR}),
        lambda d: Q(status=problem.PARKED),
        _("Cases that cannot be solved now; their clock is stopped."),
    ),
    Queue(
        "extensions",
        _("Extension requests"),
        frozenset({Role.DISPATCHER, Role.SUPERVISOR}),
        lambda d: Q(status__in=[problem.SIGNED, problem.IN_PROGRESS]) & ~Q(pending_extension=""),
        _("Units asking for more time."),
    ),
    Queue(
        "all",
        _("All in my scope"),
        DESK_ROLES,
        lambda d: Q(),
        _("Every case I may see, open or not: filter to search."),
    ),
)
BY_SLUG = {q.slug: q for q in QUEUES}


def queues_for(user) -> list[Queue]:
    """The queues on the desk of ``user``, in display order."""
    roles = access.roles_of(user)
    return [q for q in QUEUES if q.roles & roles]


def problem_cases(user):
    """The problem cases ``user`` may see: what every queue narrows."""
    return visible_cases(user).filter(kind=Case.Kind.PROBLEM)


def counts(user, queues, desk: Desk) -> dict[str, int]:
    """How many cases each of ``queues`` holds for ``user``: one aggregate query."""
    if not queues:
        return {}
    return problem_cases(user).aggregate(**{q.slug: Count("pk", filter=q.where(desk)) for q in queues})


def cases_in(user, queue: Queue, desk: Desk):
    return problem_cases(user).filter(queue.where(desk))


# --- filters and sorting --------------------------------------------------------------------

SORTS = {
    "due": (F("step_due_at").asc(nulls_last=True), "pk"),
    "-due": (F("step_due_at").desc(nulls_last=True), "-pk"),
    "new": ("-reported_at", "-pk"),
    "old": ("reported_at", "pk"),
}


def apply_filters(cases, *, region="", category_class=None, status="", number=""):
    """Narrow ``cases`` by region code prefix, category class (or leaf), status and number."""
    if region:
        cases = cases.filter(region_q(region))
    if category_class is not None:
        cases = cases.filter(Q(category_id=category_class.pk) | Q(category__parent_id=category_class.pk))
    if status:
        cases = cases.filter(status=status)
    if number:
        cases = cases.filter(number__startswith=number.upper())
    return cases


def sorted_cases(cases, sort: str):
    return cases.order_by(*SORTS.get(sort, SORTS["due"]))


def with_sla(cases, colour: str, now):
    """Cases whose running step has SLA ``colour``.

    Red is a database condition (the step is past due). Green and yellow depend on the share of
    *working* time used, which only the working calendar knows, so those return the matching ids
    in order (one query over the candidate rows); the caller pages over the list."""
    running = cases.exclude(step="").exclude(step_started_at=None).exclude(step_due_at=None)
    if colour == deadlines.RED:
        return running.filter(step_due_at__lte=now)
    rows = (
        running.filter(step_due_at__gt=now)
        .select_related(None)
        .select_related("category")
        .only("pk", "step", "step_started_at", "step_due_at", "category__deadlines")
    )
    return [
        c.pk for c in rows if deadlines.sla_colour(c.category, c.step, c.step_started_at, c.step_due_at, now) == colour
    ]
