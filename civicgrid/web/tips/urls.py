from django.urls import path

from civicgrid.web.tips import views

app_name = "tips"
urlpatterns = [
    path("", views.submit, name="submit"),
    path("check/", views.check, name="check"),
    path("check/add/", views.add_information, name="add_information"),
    path("staff/", views.staff_home, name="staff_home"),
    path("staff/queue/<slug:slug>/", views.staff_queue, name="staff_queue"),
    path("staff/numbers/", views.staff_numbers, name="staff_numbers"),
    path("staff/<int:tip_id>/", views.staff_tip, name="staff_tip"),
    path("staff/<int:tip_id>/act/<slug:action>/", views.staff_action, name="staff_action"),
    path("staff/<int:tip_id>/rewards/", views.staff_reward, name="staff_reward"),
    path("staff/<int:tip_id>/rewards/<int:reward_id>/", views.staff_reward_decision, name="staff_reward_decision"),
    path("staff/<int:tip_id>/contact/", views.staff_contact, name="staff_contact"),
    path("staff/<int:tip_id>/photos/<int:photo_id>", views.staff_photo, name="staff_photo"),
]
