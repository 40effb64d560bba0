"""GeoReport v2 resources, each as ``<name>.<format>``; mounted at /open311/v2/."""

from django.urls import path, register_converter

from civicgrid.open311 import views


class FormatConverter:
    """The extension naming the format; the views answer an unknown one with a 404 document."""

    regex = "[A-Za-z0-9]+"

    def to_python(self, value):
        return value.lower()

    def to_url(self, value):
        return value


class IdConverter:
    """A service code, request id or token: anything up to the format's dot."""

    regex = "[^/.]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FormatConverter, "open311_format")
register_converter(IdConverter, "open311_id")

app_name = "open311"
urlpatterns = [
    path("discovery.<open311_format:fmt>", views.discovery, name="discovery"),
    path("services.<open311_format:fmt>", views.services, name="services"),
    path("services/<open311_id:code>.<open311_format:fmt>", views.service_definition, name="service"),
    path("requests.<open311_format:fmt>", views.service_requests, name="requests"),
    path("requests/<open311_id:request_id>.<open311_format:fmt>", views.service_request, name="request"),
    path("tokens/<open311_id:token>.<open311_format:fmt>", views.token, name="token"),
]
