"""The project's URLs plus the GeoReport v2 endpoints at /open311/v2/, for tests that run
before the project mounts them (``@pytest.mark.urls("civicgrid.open311.test_urls")``)."""

from django.urls import include, path

from civicgrid.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *[p for p in project_urlpatterns if not str(p.pattern).startswith("open311/")],
    path("open311/v2/", include("civicgrid.open311.urls")),
]
