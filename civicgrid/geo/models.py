import shapely
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civicgrid.geo import codes


class Region(models.Model):
    """A node of the region tree: city > district > street/town > community/village > grid.

    Codes follow the national area codes (see ``geo/codes.py``) so that a subtree is a
    code prefix. The polygon is stored as WKB in the city's coordinate system
    (``settings.CITY_CRS``); the bounding box is kept in columns for cheap map queries.
    """

    class Level(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        STREET = "street", _("Street / town")
        COMMUNITY = "community", _("Community / village")
        GRID = "grid", _("Grid")

    code = models.CharField(_("code"), max_length=15, unique=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    geometry = models.BinaryField(_("polygon (WKB)"), null=True, blank=True)
    min_x = models.FloatField(null=True, blank=True)
    min_y = models.FloatField(null=True, blank=True)
    max_x = models.FloatField(null=True, blank=True)
    max_y = models.FloatField(null=True, blank=True)
    area_m2 = models.FloatField(_("area (m²)"), null=True, blank=True)
    synthetic = models.BooleanField(
        _("synthetic"), default=False, help_text=_("Generated for the demo city, not a real boundary.")
    )
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    # Lets other processes notice an edit in place (locator and map caches compare it).
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh

    @property
    def subtree_prefix(self) -> str:
        """Every region below this one has a code starting with this prefix."""
        return codes.subtree_prefix(self.code, self.level)

    @property
    def shape(self):
        """The polygon as a Shapely geometry (None when the region has none)."""
        if self.geometry is None:
            return None
        return shapely.from_wkb(bytes(self.geometry))

    def set_shape(self, geom, *, area_m2: float | None = None) -> None:
        self.geometry = shapely.to_wkb(geom)
        self.min_x, self.min_y, self.max_x, self.max_y = (float(v) for v in geom.bounds)
        self.area_m2 = area_m2
