"""The workflow engine: a workflow is a table of states and transitions.

Plain module (imports nothing from Django) so that every rule can be read in one place and
tested exhaustively. A transition names the action, the states it may start from, the state
it leads to (``None``: the state does not change), the roles that may take it, and the
deadline step it starts (or ``None``). Actions in ``cases/actions.py`` look the transition up
here before they write anything.

Roles are the staff roles of ``org/roles.py`` plus three relations to a case:
``resident`` (anyone, including an anonymous member of the public), ``reporter`` (the person
who reported this case, or who holds its private tracking link) and ``system`` (the deadline
sweeper and other scheduled work).
"""

from dataclasses import dataclass, field

RESIDENT = "resident"
REPORTER = "reporter"
SYSTEM = "system"


class WorkflowError(Exception):
    """Base class of the errors the engine raises."""


class UnknownAction(WorkflowError):
    pass


class NotAllowed(WorkflowError):
    """The action is not allowed in this state, or not for these roles."""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None
    roles: frozenset[str]
    starts_step: str | None = None
    needs_reason: bool = False
    doc: str = ""

    def leads_to(self, state: str) -> str:
        return self.target or state


@dataclass(frozen=True)
class Workflow:
    name: str
    states: tuple[str, ...]
    initial: str
    open_states: frozenset[str]
    transitions: tuple[Transition, ...]
    creating_actions: frozenset[str] = field(default_factory=frozenset)
    # Actions whose events the reporter sees on the tracking page; the others are staff-internal.
    public_actions: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self):
        seen = set()
        for t in self.transitions:
            if t.action in seen:
                raise ValueError(f"{self.name}: action {t.action!r} defined twice")
            seen.add(t.action)
            unknown = (t.sources | {t.target or self.initial}) - set(self.states)
            if unknown:
                raise ValueError(f"{self.name}: action {t.action!r} names unknown states {sorted(unknown)}")

    def transition(self, action: str) -> Transition:
        for t in self.transitions:
            if t.action == action:
                return t
        raise UnknownAction(f"{self.name} has no action {action!r}")

    def check(self, state: str | None, action: str, roles) -> Transition:
        """The transition for ``action`` from ``state`` by someone holding ``roles``; else NotAllowed.

        ``state`` is None for the actions that create a case (their ``sources`` are empty).
        """
        t = self.transition(action)
        if state is None and t.sources:
            raise NotAllowed(f"'{action}' does not create a case")
        if state is not None and state not in t.sources:
            raise NotAllowed(f"'{action}' is not allowed while the case is '{state}'")
        if not (t.roles & set(roles)):
            raise NotAllowed(f"'{action}' needs one of the roles: {', '.join(sorted(t.roles))}")
        return t

    def allowed(self, state: str, roles) -> list[str]:
        """The actions someone holding ``roles`` may take in ``state``, in table order."""
        roles = set(roles)
        return [t.action for t in self.transitions if state in t.sources and t.roles & roles]

    def is_open(self, state: str) -> bool:
        return state in self.open_states
