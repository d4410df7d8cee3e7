from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/set-up/", views.enrol, name="enrol"),
    path("two-factor/verify/", views.verify, name="verify"),
    path("password/change/", views.password_change, name="password_change"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_sent, name="password_reset_sent"),
    path(
        "password/reset/<str:uidb64>/<str:token>/",
        views.password_from_link,
        {"kind": "reset"},
        name="password_reset_confirm",
    ),
    path(
        "invitation/<str:uidb64>/<str:token>/",
        views.password_from_link,
        {"kind": "invitation"},
        name="invitation",
    ),
]
