from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path

from civicgrid.api import api


def health(request):
    """Liveness probe: answers without touching the database."""
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("health", health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("open311/v2/", include("civicgrid.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("civicgrid.web.urls")),
]
