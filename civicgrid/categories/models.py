from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civicgrid.org.roles import UnitType

# The steps of the problem workflow that carry a deadline, in order.
DEADLINE_STEPS = ("accept", "dispatch", "sign", "handle", "verify")


class Category(models.Model):
    """A two-level taxonomy of problems (component and event classes), dispute types and
    grievance types. Kept as data: ``categories/data/categories.toml``, loaded by
    ``manage.py load_categories`` and editable in the admin.

    ``deadlines`` maps a workflow step to a duration string: ``4wh`` (working hours), ``5wd``
    (working days), ``15d`` (calendar days), ``2h`` (clock hours) or ``30min``; see
    ``lib/workcalendar.py``. Leaf categories inherit any step their parent sets.
    """

    class Kind(models.TextChoices):
        COMPONENT = "component", _("Component (部件)")
        EVENT = "event", _("Event (事件)")
        DISPUTE = "dispute", _("Dispute")
        GRIEVANCE = "grievance", _("Grievance")

    code = models.CharField(_("code"), max_length=20, unique=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=200)
    unit_type = models.CharField(_("responsible unit type"), max_length=40, choices=UnitType.choices)
    deadlines = models.JSONField(_("deadlines per step"), default=dict, blank=True)
    on_spot = models.BooleanField(_("grid worker may resolve on the spot"), default=False)
    duplicate_radius_m = models.PositiveIntegerField(_("duplicate search radius (m)"), default=250)
    escalates = models.BooleanField(
        _("escalates when overdue"),
        default=True,
        help_text=_("Overdue cases move one level up the region tree (community → street → district → city)."),
    )
    public = models.BooleanField(_("residents may report it"), default=True)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh
