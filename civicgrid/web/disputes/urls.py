from django.urls import path

from civicgrid.web.disputes import views

app_name = "disputes"
urlpatterns = [
    path("apply/", views.apply, name="apply"),
    path("apply/receipt/<str:token>/", views.receipt, name="receipt"),
    path("follow/<str:token>/", views.follow, name="follow"),
    path("desk/", views.desk, name="desk"),
    path("desk/register/", views.register, name="register"),
    path("desk/<int:dispute_id>/", views.dispute_page, name="dispute"),
    path("desk/<int:dispute_id>/act/<str:action>/", views.act, name="act"),
    path("desk/<int:dispute_id>/agreements/<int:agreement_id>/print/", views.agreement_print, name="agreement_print"),
    path("screening/", views.screening, name="screening"),
]
