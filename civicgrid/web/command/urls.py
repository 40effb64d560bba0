from django.urls import path

from civicgrid.web.command import views

app_name = "command"
urlpatterns = [
    path("", views.home, name="home"),
    path("tiles/", views.tiles, name="tiles"),
    path("cases.geojson", views.cases_geojson, name="cases_geojson"),
]
