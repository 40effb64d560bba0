"""Roles and unit types: plain enumerations shared by the access module and the workflows."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Grid worker")
    DISPATCHER = "dispatcher", _("Dispatcher")
    HANDLER = "handler", _("Handler")
    MEDIATOR = "mediator", _("Mediator")
    SUPERVISOR = "supervisor", _("Supervisor / leader")
    AUDITOR = "auditor", _("Auditor")
    GRIEVANCE_OFFICER = "grievance_officer", _("Grievance officer (letters and visits)")
    TIP_HANDLER = "tip_handler", _("Tip handler")
    ADMINISTRATOR = "administrator", _("Administrator")


class UnitType(models.TextChoices):
    """What a unit does. Categories name the unit type responsible for them."""

    URBAN_MANAGEMENT = "urban_management", _("Urban management")
    HOUSING_CONSTRUCTION = "housing_construction", _("Housing and construction")
    ECOLOGY_ENVIRONMENT = "ecology_environment", _("Ecology and environment")
    WATER = "water", _("Water")
    TRANSPORT = "transport", _("Transport")
    MARKET_REGULATION = "market_regulation", _("Market regulation")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
    PUBLIC_SECURITY = "public_security", _("Public security")
    LANDSCAPING = "landscaping", _("Landscaping and greening")
    UTILITIES = "utilities", _("Utilities (power, gas, heating, telecom)")
    EMERGENCY_MANAGEMENT = "emergency_management", _("Emergency management")
    PLANNING_NATURAL_RESOURCES = "planning_natural_resources", _("Planning and natural resources")
    HUMAN_RESOURCES = "human_resources", _("Human resources and social security")
    HEALTH = "health", _("Health")
    JUSTICE = "justice", _("Justice administration")
    LETTERS_VISITS = "letters_visits", _("Letters and visits (grievances)")
    GOVERNANCE_CENTRE = "governance_centre", _("Governance centre")
    GRID_TEAM = "grid_team", _("Grid team")
    MEDIATION = "mediation", _("Mediation organisation")


# Departments a district (and the city) has; each is created per district by the demo build.
DEPARTMENT_TYPES = (
    UnitType.URBAN_MANAGEMENT,
    UnitType.HOUSING_CONSTRUCTION,
    UnitType.ECOLOGY_ENVIRONMENT,
    UnitType.WATER,
    UnitType.TRANSPORT,
    UnitType.MARKET_REGULATION,
    UnitType.CIVIL_AFFAIRS,
    UnitType.PUBLIC_SECURITY,
    UnitType.LANDSCAPING,
    UnitType.UTILITIES,
    UnitType.EMERGENCY_MANAGEMENT,
    UnitType.PLANNING_NATURAL_RESOURCES,
    UnitType.HUMAN_RESOURCES,
    UnitType.HEALTH,
    UnitType.JUSTICE,
    UnitType.LETTERS_VISITS,
)
