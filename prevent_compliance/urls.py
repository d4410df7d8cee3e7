from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .accounts import SignInView

urlpatterns = [
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("prevent_compliance.accounts")),
    path("admin/", admin.site.urls),
    path("", include("prevent_compliance.audit")),
    path("organisation/", views.organisation_edit, name="organisation"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("", include("decisions.urls")),
    path("", include("toolkit.urls")),
]
