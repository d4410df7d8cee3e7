from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import health, views
from .accounts.views import SignInView

urlpatterns = [
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/notifications/", include("prevent_compliance.notifications.urls")),
    path("accounts/", include("prevent_compliance.accounts.urls")),
    path("users/", include("prevent_compliance.accounts.user_urls")),
    path("admin/", admin.site.urls),
    path("", include("prevent_compliance.audit.urls")),
    path("organisation/", views.organisation_edit, name="organisation"),
    path("organisation/logo/", views.organisation_logo, name="organisation_logo"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    # For load balancers and monitoring (health.py); no trailing slash, as such checks expect.
    path("healthz/live", health.live, name="health_live"),
    path("healthz/ready", health.ready, name="health_ready"),
    path("training/", include("toolkit.training.urls")),
    path("", include("toolkit.reports.urls")),
    path("", include("decisions.meetings.urls")),
    path("", include("decisions.interests.urls")),
    path("", include("decisions.urls")),
    path("", include("toolkit.urls")),
]
