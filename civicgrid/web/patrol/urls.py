from django.urls import path

from civicgrid.web.patrol import views

app_name = "patrol"
urlpatterns = [
    path("", views.home, name="home"),
    path("grids.geojson", views.grids_geojson, name="grids_geojson"),
    path("cases.geojson", views.cases_geojson, name="cases_geojson"),
    path("locate", views.locate, name="locate"),
    path("report/", views.report, name="report"),
    path("cases/<int:case_id>/verify/", views.verify, name="verify"),
    path("cases/<int:case_id>/map.geojson", views.case_geojson, name="case_geojson"),
    path("cases/<int:case_id>/photos/<int:photo_id>", views.photo, name="photo"),
]
