from django.urls import path

from civicgrid.web.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("report/", views.report, name="report"),
    path("report/nearby/", views.nearby, name="nearby"),
    path("report/support/<str:number>/", views.support, name="support"),
    path("report/receipt/<str:token>/", views.receipt, name="receipt"),
    path("track/", views.track_lookup, name="track_lookup"),
    path("track/<str:token>/", views.track, name="track"),
    path("track/<str:token>/photos/<int:photo_id>/", views.track_photo, name="track_photo"),
    path("track/<str:token>/<str:action>/", views.track_action, name="track_action"),
    path("map/", views.map_page, name="map"),
    path("map/points.geojson", views.map_points, name="map_points"),
]
