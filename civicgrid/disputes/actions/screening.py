"""The communities' screening reports."""

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.cases.actions import (
    Forbidden,
    Invalid,
)
from civicgrid.disputes.actions._base import (
    MAX_SCREENING_DAYS,
    MAX_TEXT,
    SCREENING_ROLES,
    _past_date,
    _start_of,
    _text,
)
from civicgrid.disputes.models import (
    Dispute,
    ScreeningReport,
)
from civicgrid.geo.models import Region
from civicgrid.org import access

# --- screening reports ----------------------------------------------------------------------


def may_report_screening(user, community: Region) -> bool:
    """Grid workers of a grid in the community, and dispatchers, supervisors and mediators whose
    scope holds the community."""
    if not any(access.has_role(user, r) for r in SCREENING_ROLES):
        return False
    return any(community.code.startswith(p) or p.startswith(community.code) for p in access.scope_prefixes(user))


def do_submit_screening_report(
    *, acting_user, community, period_start, period_end, note="", now=None
) -> ScreeningReport:
    """A community's screening report for a period: the disputes registered there in the
    period are listed (none: a nil return)."""
    if community is None or community.level != Region.Level.COMMUNITY:
        raise Invalid(_("Choose a community."))
    if not may_report_screening(acting_user, community):
        raise Forbidden(_("Only staff working in this community may report its screening."))
    now = now or timezone.now()
    period_end = _past_date(period_end, now, _("the end of the period"))
    if not isinstance(period_start, date) or period_start > period_end:
        raise Invalid(_("The period must start on or before its end."))
    if (period_end - period_start).days + 1 > MAX_SCREENING_DAYS:
        raise Invalid(_("A screening period is at most %(n)s days.") % {"n": MAX_SCREENING_DAYS})
    note = _text(note, limit=MAX_TEXT)
    found = list(
        Dispute.objects.filter(
            case__community_code=community.code,
            case__reported_at__gte=_start_of(period_start),
            case__reported_at__lt=_start_of(period_end + timedelta(days=1)),
        ).values_list("pk", flat=True)
    )
    try:
        with transaction.atomic():
            report = ScreeningReport.objects.create(
                community=community,
                period_start=period_start,
                period_end=period_end,
                note=note,
                submitted_at=now,
                submitted_by=acting_user,
            )
            report.disputes.set(found)
    except IntegrityError as e:
        raise Invalid(_("This community's report for this period was already submitted.")) from e
    return report
