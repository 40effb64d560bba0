"""The dispute numbers leaders read ("100% screened, 100% mediated"), for a region and a period.

Same conventions as ``analytics/kpis.py``: the region is a code prefix (``""`` or the city's
prefix: the whole city), the period is ``[start, end)`` (dates are local midnights), and a rate
is ``kpis.Rate`` (no value when its denominator is 0).

Counted over the disputes **registered in the period** (``Case.reported_at``) in the region:

found
    every dispute registered (all sources).
screened
    those found by screening (grid workers, communities, the committee's own initiative).
mediated
    those whose mediation started with every party's consent (``mediation_started_at``).
agreed
    those whose mediation ended in an agreement still in force (an agreement the court found
    invalid does not count until a new one is reached).
refused, terminated
    those whose mediation was refused by a party, or ended without agreement.
resolution rate (调解成功率)
    agreed / mediated. The reference city reached 97.06 % (145,510 of 149,916).
mediation rate
    mediated / found: how many of the disputes found went to mediation.

Not tied to registration:

criminal
    disputes in the region whose becoming a criminal case (民转刑) was recorded in the period.
screening coverage
    communities of the region that submitted a screening report whose period overlaps the
    period, of the region's current communities.

No number here rewards fewer disputes: volume is shown, never scored (DESIGN.md §1).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from civicgrid.analytics import kpis
from civicgrid.disputes import rules
from civicgrid.disputes.models import Dispute, ScreeningReport
from civicgrid.geo.models import Region


def resolution_rate(agreed: int, mediated: int) -> kpis.Rate:
    """调解成功率 = disputes agreed / disputes mediated."""
    return kpis.rate(agreed, mediated)


def mediation_rate(mediated: int, found: int) -> kpis.Rate:
    """Disputes mediated / disputes found."""
    return kpis.rate(mediated, found)


@dataclass(frozen=True)
class DisputeNumbers:
    found: int
    screened: int
    mediated: int
    agreed: int
    refused: int
    terminated: int
    criminal: int
    resolution: kpis.Rate
    mediation: kpis.Rate
    coverage: kpis.Rate


def _case_region_q(prefix: str) -> Q:
    """``kpis.region_q`` on the dispute's case."""
    q = kpis.region_q(prefix)
    return Q(*[(f"case__{k}", v) for k, v in q.children]) if q.children else Q()


def dispute_numbers(prefix: str, start, end) -> DisputeNumbers:
    """The numbers of the module docstring for region ``prefix`` and period ``[start, end)``."""
    start, end = kpis.as_datetime(start), kpis.as_datetime(end)
    if start >= end:
        raise ValueError("the period must end after it starts")
    region = _case_region_q(prefix)
    registered = Q(case__reported_at__gte=start, case__reported_at__lt=end)
    row = Dispute.objects.filter(region, registered).aggregate(
        found=Count("pk"),
        screened=Count("pk", filter=Q(source=rules.SCREENING)),
        mediated=Count("pk", filter=Q(mediation_started_at__isnull=False)),
        agreed=Count("pk", filter=Q(mediation_started_at__isnull=False, outcome=Dispute.Outcome.AGREED)),
        refused=Count("pk", filter=Q(outcome=Dispute.Outcome.REFUSED)),
        terminated=Count("pk", filter=Q(outcome=Dispute.Outcome.TERMINATED)),
    )
    criminal = Dispute.objects.filter(region, became_criminal_at__gte=start, became_criminal_at__lt=end).count()
    communities = Region.objects.filter(level=Region.Level.COMMUNITY, valid_to__isnull=True)
    if prefix:
        communities = communities.filter(code__startswith=prefix)
    first_day = timezone.localtime(start).date()
    last_day = timezone.localtime(end - timedelta(microseconds=1)).date()
    reporting = (
        ScreeningReport.objects.filter(community__in=communities, period_start__lte=last_day, period_end__gte=first_day)
        .values("community_id")
        .distinct()
        .count()
    )
    return DisputeNumbers(
        found=row["found"],
        screened=row["screened"],
        mediated=row["mediated"],
        agreed=row["agreed"],
        refused=row["refused"],
        terminated=row["terminated"],
        criminal=criminal,
        resolution=resolution_rate(row["agreed"], row["mediated"]),
        mediation=mediation_rate(row["mediated"], row["found"]),
        coverage=kpis.rate(reporting, communities.count()),
    )
