from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civicgrid.org.roles import Role, UnitType


class Unit(models.Model):
    """A department, a governance centre, a grid team or a mediation organisation.

    ``region`` is the area the unit serves: a district's urban-management bureau serves the
    district, a community centre its community, a grid team its grid.
    """

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Department")
        CENTRE = "centre", _("Governance centre")
        GRID_TEAM = "grid_team", _("Grid team")
        MEDIATION_ORG = "mediation_org", _("Mediation organisation")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=250, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    unit_type = models.CharField(_("unit type"), max_length=40, choices=UnitType.choices, db_index=True)
    region = models.ForeignKey(
        "geo.Region", on_delete=models.PROTECT, related_name="units", verbose_name=_("region served")
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("reports to")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        indexes = [models.Index(fields=["unit_type", "region"])]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh


class Staff(models.Model):
    """A staff member: belongs to one unit, holds roles, acts within a scope.

    The scope is a set of regions (each meaning its whole subtree; empty means the unit's own
    region) and optionally a set of categories (empty means all). ``org/access.py`` is the only
    place that interprets it.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="staff", verbose_name=_("unit"))
    title = models.CharField(_("post"), max_length=100, blank=True)
    scope_regions = models.ManyToManyField(
        "geo.Region",
        blank=True,
        related_name="+",
        verbose_name=_("scope: regions"),
        help_text=_("Each region includes everything below it. Empty: the unit's own region."),
    )
    scope_categories = models.ManyToManyField(
        "categories.Category",
        blank=True,
        related_name="+",
        verbose_name=_("scope: categories"),
        help_text=_("Empty: all categories."),
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class RoleGrant(models.Model):
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [models.UniqueConstraint(fields=["staff", "role"], name="org_rolegrant_unique")]

    def __str__(self) -> str:
        return self.get_role_display()


class ApiKey(models.Model):
    """A key for a machine client (an Open311 app, a hotline system, a connector).

    Only the SHA-256 of the key is stored; ``prefix`` (its first 8 characters) identifies it in
    lists. A key bound to a ``user`` acts as that user; an unbound key submits as an anonymous
    member of the public (an Open311 app relaying residents' reports).
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("acts as")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
