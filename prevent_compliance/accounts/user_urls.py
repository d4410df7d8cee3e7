"""/users/: accounts managed by administrators (users.py)."""

from django.urls import path

from . import users

app_name = "users"

urlpatterns = [
    path("", users.user_list, name="list"),
    path("invite/", users.user_invite, name="invite"),
    path("<str:username>/", users.user_detail, name="detail"),
    path("<str:username>/roles/", users.user_roles, name="roles"),
    path("<str:username>/deactivate/", users.user_step, {"step": "deactivate"}, name="deactivate"),
    path("<str:username>/reactivate/", users.user_step, {"step": "reactivate"}, name="reactivate"),
    path(
        "<str:username>/reset-two-factor/",
        users.user_step,
        {"step": "reset_two_factor"},
        name="reset_two_factor",
    ),
    path("<str:username>/invite-again/", users.invitation_resend, name="invitation_resend"),
    path(
        "role-grants/<uuid:public_id>/confirm/",
        users.grant_decide,
        {"decision": "confirm"},
        name="grant_confirm",
    ),
    path(
        "role-grants/<uuid:public_id>/cancel/",
        users.grant_decide,
        {"decision": "cancel"},
        name="grant_cancel",
    ),
]
