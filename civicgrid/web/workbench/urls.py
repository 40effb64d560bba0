from django.urls import path

from civicgrid.web.workbench import views

app_name = "workbench"
urlpatterns = [
    path("", views.home, name="home"),
    path("queues/<slug:slug>/", views.queue, name="queue"),
    path("queues/to_dispatch/dispatch/", views.bulk_dispatch, name="bulk_dispatch"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/actions/<slug:action>/", views.case_action, name="case_action"),
    path("cases/<int:case_id>/contact/reveal/", views.reveal, name="reveal"),
    path("cases/<int:case_id>/map.geojson", views.case_map, name="case_map"),
    path("cases/<int:case_id>/photos/<int:photo_id>/", views.photo, name="photo"),
]
