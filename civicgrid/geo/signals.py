"""Keep the cached point locator in step with the region table."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from civicgrid.geo.models import Region


@receiver(post_save, sender=Region, dispatch_uid="geo.locator.region_saved")
@receiver(post_delete, sender=Region, dispatch_uid="geo.locator.region_deleted")
def region_changed(sender, **kwargs):
    """A region was saved or deleted: the next lookup rebuilds the locator."""
    from civicgrid.geo import locator

    locator.invalidate()
