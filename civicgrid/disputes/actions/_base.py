"""Shared parts of the dispute actions: input, permission, refusals with the rule cited."""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.cases.actions import (
    Actor,
    Conflict,
    Forbidden,
    Invalid,
    apply_transition,
)
from civicgrid.cases.models import Case
from civicgrid.cases.workflow.engine import NotAllowed, UnknownAction
from civicgrid.categories.models import Category
from civicgrid.disputes import rules
from civicgrid.disputes import workflow as wf
from civicgrid.disputes.access import roles_on_dispute
from civicgrid.disputes.models import (
    Dispute,
    DisputeStatus,
    Party,
)
from civicgrid.geo import codes
from civicgrid.geo.models import Region
from civicgrid.org.models import Unit
from civicgrid.org.roles import Role, UnitType

MAX_CAUSE = 2000
MAX_TEXT = 2000
MAX_MINUTES = 10000
MAX_NAME = 100
MAX_CONTACT = 120
MAX_PLACE = 300
MAX_PARTIES = 20
MAX_MEDIATORS = 5
MAX_SCREENING_DAYS = 92

SCREENING_ROLES = frozenset({Role.GRID_WORKER, Role.DISPATCHER, Role.SUPERVISOR, Role.MEDIATOR})


@dataclass(frozen=True)
class PartyIn:
    """A party as given by an application or a mediator."""

    name: str
    role: str
    contact: str = ""
    kind: str = Party.Kind.PERSON


# --- refusals -------------------------------------------------------------------------------


def _messages() -> dict[str, str]:
    return {
        "too_few_parties": _("A dispute has at least two parties: record the other party first (%(rule)s)."),
        "consent_missing": _(
            "Mediation can start only when every party has accepted it; not every party has answered yet (%(rule)s)."
        ),
        "consent_refused": _("A party refused mediation, so it may not proceed (%(rule)s)."),
        "agreed_days_out_of_range": _("A period the parties agree on is from 1 to 365 days."),
        "procedure_unknown": _(
            "Say whether the court uses the ordinary procedure (15 days) or the simplified one (7 days) (%(rule)s)."
        ),
        "agreement_form_unknown": _("An agreement is written or oral (%(rule)s)."),
        "agreement_terms_missing": _("State what the parties agreed (%(rule)s)."),
        "agreement_not_signed": _(
            "A written agreement takes effect only when every party has signed, sealed or fingerprinted it and the "
            "mediator has signed it with the committee's seal (%(rule)s)."
        ),
        "confirmation_not_joint": _("Judicial confirmation is applied for by the parties jointly (%(rule)s)."),
        "agreement_not_effective": _(
            "Judicial confirmation can be applied for only once the agreement has taken effect (%(rule)s)."
        ),
        "confirmation_too_late": _(
            "The parties had to apply for judicial confirmation within 30 days of the agreement taking effect, "
            "by %(deadline)s; an application on %(applied)s is too late (%(rule)s). The agreement still binds the "
            "parties; a dispute about it goes to court (Art. 32)."
        ),
        "court_date_before_application": _("The court cannot have answered before the application (%(rule)s)."),
        "court_date_before_acceptance": _("The court cannot have decided before it accepted (%(rule)s)."),
        "period_over": _(
            "The mediation period ended on %(deadline)s. Unless the parties agree on a longer period, mediation "
            "cannot start (%(rule)s)."
        ),
        "routes_missing": _("Record which other routes the parties were told of (%(rule)s)."),
        "court_extended_once": _("The court's decision time can be extended only once, by 10 days (%(rule)s)."),
        "follow_up_missing": _("Follow up the performance of the agreement at least once before closing (%(rule)s)."),
    }


def _refused(e: rules.RuleBroken, **params) -> Invalid:
    template = _messages().get(e.code, "%(rule)s")
    return Invalid(template % {"rule": e.rule, **params})


def _date_text(moment) -> str:
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment).date()
    return moment.isoformat()


# --- permission -----------------------------------------------------------------------------


def _check_version(case: Case, expected_version) -> None:
    if expected_version is not None and int(expected_version) != case.version:
        raise Conflict(_("This dispute was changed by someone else in the meantime. Reload it and try again."))


def permitted(dispute: Dispute, action: str, user, *, expected_version=None) -> Actor:
    """The actor, once the table allows ``action`` on ``dispute`` for ``user``; Forbidden else.

    Called before any other input is looked at, so that a refusal is the same whatever else is
    wrong."""
    case = dispute.case
    _check_version(case, expected_version)
    roles = roles_on_dispute(user, dispute)
    try:
        wf.DISPUTE.check(case.status, action, roles)
    except UnknownAction as e:
        raise Invalid(_("Unknown action '%(action)s'.") % {"action": action}) from e
    except NotAllowed as e:
        t = wf.DISPUTE.transition(action)
        if case.status in t.sources:
            raise Forbidden(_("You may not take this action on this dispute.")) from e
        raise Forbidden(
            _("'%(action)s' is not allowed while the dispute is '%(state)s'.")
            % {"action": action, "state": DisputeStatus(case.status).label}
        ) from e
    return Actor(user if user is not None and user.is_authenticated else None, roles)


def _transition(dispute, action, actor, *, now, payload=None, changes=None, expected_version=None):
    return apply_transition(
        dispute.case, action, actor, now=now, payload=payload or {}, changes=changes, expected_version=expected_version
    )


def _save(obj, **fields) -> None:
    """Write ``fields`` to ``obj``'s row (an UPDATE of those columns only) and onto ``obj``."""
    type(obj).objects.filter(pk=obj.pk).update(**fields)
    for name, value in fields.items():
        setattr(obj, name, value)


# --- input helpers --------------------------------------------------------------------------


def _text(value, *, limit, required_message=None) -> str:
    value = (value or "").strip()
    if required_message and not value:
        raise Invalid(required_message)
    if len(value) > limit:
        raise Invalid(_("A text is too long (at most %(n)s characters).") % {"n": limit})
    return value


def _past_date(value, now, what) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise Invalid(_("Give the date of %(what)s.") % {"what": what})
    if value > timezone.localtime(now).date():
        raise Invalid(_("The date of %(what)s cannot be in the future.") % {"what": what})
    return value


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _dispute_category(category) -> Category:
    if category is None or not category.active or category.kind != Category.Kind.DISPUTE or category.parent_id is None:
        raise Invalid(_("Choose a type of dispute."))
    return category


def _region(region_code) -> Region:
    """A current district, street, community or grid of the city."""
    code = (region_code or "").strip()
    try:
        level = codes.level_of(code)
    except codes.CodeError:
        level = None
    region = None
    if level not in (None, codes.CITY):
        region = Region.objects.filter(code=code, valid_to__isnull=True).first()
    if region is None:
        raise Invalid(_("Choose the district, street, community or grid where the dispute is."))
    return region


def _location(region: Region) -> dict:
    found = codes.ancestors(region.code)
    return {
        "grid_code": region.code,
        "community_code": found.get(codes.COMMUNITY, ""),
        "street_code": found.get(codes.STREET, ""),
        "district_code": found.get(codes.DISTRICT, ""),
    }


def serves(unit: Unit, place_code: str) -> bool:
    """Whether a mediation organisation serves a place: its area holds the place (a city-wide
    trade organisation serves everywhere)."""
    return unit.active and unit.unit_type == UnitType.MEDIATION and place_code.startswith(unit.region.subtree_prefix)


def area_organisation(location: dict) -> Unit | None:
    """The mediation organisation of the most local area holding the place: the community's,
    then the street's people's mediation committee, then the district's mediation centre."""
    places = [location["community_code"], location["street_code"], location["district_code"]]
    units = {
        u.region.code: u
        for u in Unit.objects.filter(
            active=True, unit_type=UnitType.MEDIATION, region__code__in=[p for p in places if p]
        ).select_related("region")
    }
    for code in places:
        if code and code in units:
            return units[code]
    return None


def _organisation(chosen: Unit | None, location: dict) -> Unit:
    if chosen is not None:
        if not serves(chosen, location["grid_code"]):
            raise Invalid(_("%(unit)s does not mediate disputes at this place.") % {"unit": chosen})
        return chosen
    unit = area_organisation(location)
    if unit is None:
        raise Invalid(_("No mediation organisation serves this place; choose one."))
    return unit


def _clean_party(p: PartyIn) -> PartyIn:
    name = _text(p.name, limit=MAX_NAME, required_message=_("Give the name of each party."))
    contact = _text(p.contact, limit=MAX_CONTACT)
    if p.role not in Party.Role.values:
        raise Invalid(_("Unknown role in the dispute."))
    if p.kind not in Party.Kind.values:
        raise Invalid(_("A party is a person or an organisation."))
    return PartyIn(name=name, contact=contact, role=p.role, kind=p.kind)


def _clean_parties(parties) -> list[PartyIn]:
    parties = [_clean_party(p) for p in parties or ()]
    if len(parties) > MAX_PARTIES:
        raise Invalid(_("At most %(n)s parties.") % {"n": MAX_PARTIES})
    return parties


def _cause_and_place(cause, place) -> tuple[str, str]:
    """What the dispute is about (required) and where, as registered."""
    cause = _text(cause, limit=MAX_CAUSE, required_message=_("Say what the dispute is about."))
    return cause, _text(place, limit=MAX_PLACE)


def _neutral_description(category) -> str:
    # Shown wherever staff list cases: the type only. The cause as told stays on the dispute.
    return f"{category.name_zh} / {category.name_en}"
