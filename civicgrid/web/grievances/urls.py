from django.urls import path

from civicgrid.web.grievances import views

app_name = "grievances"
urlpatterns = [
    path("", views.home, name="home"),
    path("submit/", views.submit, name="submit"),
    path("receipt/<str:token>/", views.receipt, name="receipt"),
    path("lookup/", views.lookup, name="lookup"),
    path("follow/<str:token>/", views.follow, name="follow"),
    path("follow/<str:token>/documents/<int:doc_id>/", views.follow_document, name="follow_document"),
    path("follow/<str:token>/<str:action>/", views.follow_action, name="follow_action"),
    path("staff/", views.desk, name="desk"),
    path("staff/record/", views.record, name="record"),
    path("staff/backlog/", views.backlog, name="backlog"),
    path("staff/backlog.csv", views.backlog_csv, name="backlog_csv"),
    path("staff/<int:case_id>/", views.detail, name="detail"),
    path("staff/<int:case_id>/documents/<int:doc_id>/", views.document, name="document"),
    path("staff/<int:case_id>/<str:action>/", views.action, name="action"),
]
