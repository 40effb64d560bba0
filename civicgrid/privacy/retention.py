"""How long personal data is kept, and the purge that enforces it (``manage.py purge_personal_data``).

A case *ends* when it is closed (``closed_at``), rejected or merged (the time of that event:
neither state has a way out). ``PERSONAL_DATA_RETENTION_DAYS`` (default 180) after a case ended:

- the reporter's contact on the case is blanked and ``contact_shared`` cleared;
- the contacts of its supporters ("me too", and reporters of duplicates merged into it) are
  blanked; a duplicate's reporter who follows an open parent keeps being told about it;
- notification messages that were sent or gave up (``failed``) and are as old are deleted
  (their recipient is an address, their body a private tracking link).

The personal-data access log outlives the data it protects: a row is deleted only when it is
older than ``ACCESS_LOG_RETENTION_DAYS`` (default 730) *and* the data it is about is gone (its
case ended over ``PERSONAL_DATA_RETENTION_DAYS`` ago, or it concerns no case). An auditor can
so always answer "who read this contact?" for every contact still held, and for two years after
a read.

Audit events (``CaseEvent``) are not touched: they are hash-chained (``cases/chain.py``), and
``cases/actions.py`` writes no contact into them; contacts live only in ``Case.contact`` and
``Supporter.contact``.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.cases.models import Case, CaseEvent, Supporter
from civicgrid.cases.workflow import problem
from civicgrid.notify.models import Outbox
from civicgrid.privacy.models import PersonalDataAccess

DEFAULT_DATA_DAYS = 180
DEFAULT_ACCESS_LOG_DAYS = 730
# The events that end a case without a ``closed_at``; their states have no way out.
ENDING_ACTIONS = {problem.REJECTED: "reject", problem.MERGED: "merge"}


@dataclass(frozen=True)
class Periods:
    data_days: int
    access_log_days: int


def periods() -> Periods:
    """The retention periods of the settings; ValueError when they are unusable."""
    data_days = getattr(settings, "PERSONAL_DATA_RETENTION_DAYS", DEFAULT_DATA_DAYS)
    log_days = getattr(settings, "ACCESS_LOG_RETENTION_DAYS", DEFAULT_ACCESS_LOG_DAYS)
    if not isinstance(data_days, int) or data_days < problem.REOPEN_WINDOW_DAYS:
        # The reporter may reopen a closed case for REOPEN_WINDOW_DAYS and must still be told.
        raise ValueError(
            _("PERSONAL_DATA_RETENTION_DAYS must be a whole number of at least %(n)s days (the reopen window).")
            % {"n": problem.REOPEN_WINDOW_DAYS}
        )
    if not isinstance(log_days, int) or log_days < data_days:
        raise ValueError(
            _("ACCESS_LOG_RETENTION_DAYS must be at least PERSONAL_DATA_RETENTION_DAYS (%(n)s days).")
            % {"n": data_days}
        )
    return Periods(data_days, log_days)


def ended_before(cutoff) -> Q:
    """Cases that were closed, rejected or merged before ``cutoff``."""
    q = Q(status=problem.CLOSED, closed_at__lt=cutoff)
    for state, action in ENDING_ACTIONS.items():
        ended = CaseEvent.objects.filter(case=OuterRef("pk"), action=action, at__lt=cutoff)
        q |= Q(status=state) & Q(Exists(ended))
    return q


@dataclass
class Plan:
    """What a purge at ``now`` changes: one queryset per kind of row."""

    cases: object
    supporters: object
    outbox: object
    access_log: object

    def counts(self) -> dict[str, int]:
        return {
            "cases": self.cases.count(),
            "supporters": self.supporters.count(),
            "outbox": self.outbox.count(),
            "access_log": self.access_log.count(),
        }


def plan(now=None, limits: Periods | None = None) -> Plan:
    now = now or timezone.now()
    limits = limits or periods()
    data_cutoff = now - timedelta(days=limits.data_days)
    log_cutoff = now - timedelta(days=limits.access_log_days)
    ended = Case.objects.filter(ended_before(data_cutoff))
    return Plan(
        cases=ended.filter(~Q(contact="") | Q(contact_shared=True)),
        supporters=Supporter.objects.filter(case__in=ended.values("pk")).exclude(contact=""),
        outbox=Outbox.objects.filter(status__in=(Outbox.Status.SENT, Outbox.Status.FAILED), created_at__lt=data_cutoff),
        access_log=PersonalDataAccess.objects.filter(at__lt=log_cutoff).filter(
            Q(case__isnull=True) | Q(case__in=ended.values("pk"))
        ),
    )


def purge(now=None, limits: Periods | None = None) -> dict[str, int]:
    """Blank and delete what ``plan`` finds, in one transaction; returns the counts per kind."""
    todo = plan(now, limits)
    with transaction.atomic():
        cases = todo.cases.update(contact="", contact_shared=False)
        supporters = todo.supporters.update(contact="")
        _total, per_model = todo.outbox.delete()
        outbox = per_model.get(Outbox._meta.label, 0)
        _total, per_model = todo.access_log.delete()
        access_log = per_model.get(PersonalDataAccess._meta.label, 0)
    return {"cases": cases, "supporters": supporters, "outbox": outbox, "access_log": access_log}
