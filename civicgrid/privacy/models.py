from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PersonalDataAccess(models.Model):
    """One read of personal data by a staff member: who read which field of which case, why,
    when and from where (DESIGN.md §1: every read of personal data is logged).

    Rows are written by ``access_log.log_read`` only and never changed; auditors read them in
    the admin. ``purge_personal_data`` deletes a row only once it is older than
    ``ACCESS_LOG_RETENTION_DAYS`` and the data it is about has itself been purged.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the (user, at) index serves
        verbose_name=_("read by"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # the (case, at) index serves
        verbose_name=_("case"),
    )
    field = models.CharField(_("what was read"), max_length=40)
    purpose = models.CharField(_("purpose"), max_length=200)
    at = models.DateTimeField(_("when"), default=timezone.now)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data access log")
        indexes = [
            models.Index(fields=["at"], name="pda_at"),
            models.Index(fields=["user", "at"], name="pda_user_at"),
            models.Index(fields=["case", "at"], name="pda_case_at"),
        ]

    def __str__(self) -> str:
        return f"{self.field} of {self.case_id or '-'} by {self.user_id} at {self.at:%Y-%m-%d %H:%M}"
