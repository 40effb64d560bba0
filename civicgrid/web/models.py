"""What the web pages keep in the database: the command centre's numbers, shared by every process."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SharedNumbers(models.Model):
    """One part of the command centre's numbers (``web/command/numbers.py``: the headline, the
    detail, the disputes or the tip line) for one region, period and language.

    Whoever needs the numbers first computes them (a page request, or ``manage.py
    refresh_numbers`` ahead of the requests) and every server process reads them from here until
    they are older than ``numbers.MAX_AGE``. Counts and names of regions, categories and units
    only: nothing about a person. ``value`` is a pickle written by this code and nothing else;
    ``read_at`` (updated at most once a minute) tells the refresher which views people watch."""

    key = models.CharField(max_length=200, unique=True)
    part = models.CharField(max_length=20)
    region_code = models.CharField(max_length=15)
    start = models.DateField()
    end = models.DateField()  # exclusive
    language = models.CharField(max_length=15)
    value = models.BinaryField()
    computed_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, db_index=True)  # None: computed ahead, not read yet

    class Meta:
        verbose_name = _("shared numbers")
        verbose_name_plural = _("shared numbers")

    def __str__(self):
        return self.key
