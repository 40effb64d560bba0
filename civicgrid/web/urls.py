"""The server-rendered product: resident portal, staff workbench, grid patrol, command centre."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("", include("civicgrid.web.portal.urls")),
    path("workbench/", include("civicgrid.web.workbench.urls")),
    path("patrol/", include("civicgrid.web.patrol.urls")),
    path("command/", include("civicgrid.web.command.urls")),
    path("mediation/", include("civicgrid.web.disputes.urls")),
    path("tips/", include("civicgrid.web.tips.urls")),
    path("grievances/", include("civicgrid.web.grievances.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
