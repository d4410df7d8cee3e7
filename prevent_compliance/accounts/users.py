"""/users/: administrators invite people, give and take away roles, deactivate and reactivate
accounts, and reset a lost authenticator app, without the Django admin.

Every page checks ``prevent_compliance.manage_users`` (administrators) and a one-time code
confirmed in this session (``verified_role_required``); every change is a service in
``services.py`` that checks both rules again and lands in the audit log as an account change.
"""

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from prevent_compliance.models import RoleGrant
from prevent_compliance.roles import role_names
from prevent_compliance.web import add_service_errors, bound, flash_errors, page_of, require

from . import selectors, services
from .forms import InviteForm, RolesForm, UserFilterForm
from .tokens import invitation_tokens
from .two_factor import verified_role_required

# As the other lists: a page that is full at a small office too, so it costs the same in
# an office of thirty and one of three hundred.
PER_PAGE = 25
PERMISSION = "prevent_compliance.manage_users"


# What a username can hold (Django's username validator); anything else names no account.
USERNAME = re.compile(r"[\w.@+-]{1,150}")


def _manager(request) -> None:
    require(request.user, PERMISSION)


def _account(request, username: str):
    """The account a URL names, for an administrator: a malformed name is not found for
    anyone, before any permission is asked."""
    if not USERNAME.fullmatch(username):
        raise Http404("There is no account with that username.")
    _manager(request)
    return selectors.user_for_admin(username)


def _refused(request, account, exc: Exception):
    if isinstance(exc, ValidationError):
        flash_errors(request, exc)
    else:
        messages.error(request, str(exc))
    return redirect("users:detail", username=account.username)


@require_GET
@verified_role_required
def user_list(request):
    _manager(request)
    form = UserFilterForm(request.GET or None)
    page = page_of(request, selectors.user_list(form.filters()), PER_PAGE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "users/list.html", {"form": form, "page": page, "query": query.urlencode()}
    )


@require_http_methods(["GET", "POST"])
@verified_role_required
def user_invite(request):
    _manager(request)
    form = InviteForm(**bound(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account, grants = services.user_invite(
                actor=request.user,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                roles=set(data["roles"]),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Invitation sent to {account.email}. The link in it works for "
                f"{invitation_tokens.timeout // 86400} days.",
            )
            _say_grants_wait(request, account, grants)
            return redirect("users:detail", username=account.username)
    return render(request, "users/invite.html", {"form": form})


def _say_grants_wait(request, account, grants) -> None:
    for grant in grants:
        messages.warning(
            request,
            f"The {grant.role.name} role for {account.get_username()} waits for a second "
            "administrator to confirm it on this page.",
        )


@require_GET
@verified_role_required
def user_detail(request, username: str):
    account = _account(request, username)
    return render(
        request,
        "users/detail.html",
        {
            "account": account,
            "roles": role_names(account),
            "grants": selectors.waiting_grants(account),
            "events": selectors.recent_events(account),
            "is_self": account.pk == request.user.pk,
        },
    )


@require_http_methods(["GET", "POST"])
@verified_role_required
def user_roles(request, username: str):
    account = _account(request, username)
    if account.pk == request.user.pk:
        raise PermissionDenied("You cannot change your own roles.")
    form = RolesForm(**bound(request), initial={"roles": list(account.groups.all())})
    if request.method == "POST" and form.is_valid():
        try:
            grants = services.user_roles_set(
                actor=request.user, account=account, roles=set(form.cleaned_data["roles"])
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            return _refused(request, account, exc)
        else:
            messages.success(request, f"Roles of {account.get_username()} saved.")
            _say_grants_wait(request, account, grants)
            return redirect("users:detail", username=account.username)
    return render(request, "users/roles.html", {"form": form, "account": account})


# The steps that need a check page first: what each does, and the service that does it.
CHECKED = {
    "deactivate": {
        "service": services.user_deactivate,
        "title": "Deactivate this account",
        "button": "Deactivate account",
        "warning": True,
        "effects": [
            "They are signed out everywhere and can no longer sign in.",
            "Nothing they recorded is deleted; their name stays on every change they made.",
            "You or another administrator can reactivate the account later.",
        ],
        "done": "{name} has been deactivated.",
        "applies": lambda account: account.is_active,
        "not_now": "{name} is already deactivated.",
    },
    "reactivate": {
        "service": services.user_reactivate,
        "title": "Reactivate this account",
        "button": "Reactivate account",
        "warning": False,
        "effects": [
            "They can sign in again with the password they had.",
            "Their roles are the ones shown below.",
        ],
        "done": "{name} has been reactivated.",
        "applies": lambda account: not account.is_active,
        "not_now": "{name} is already active.",
    },
    "reset_two_factor": {
        "service": services.user_two_factor_reset,
        "title": "Reset two-factor authentication",
        "button": "Reset two-factor authentication",
        "warning": True,
        "effects": [
            "Their authenticator app stops working for this service, and any session "
            "verified with it must enter a code again.",
            "They set up an app again (on a new phone, for example) the next time a step "
            "needs a code.",
        ],
        "done": "Two-factor authentication of {name} has been reset.",
        "applies": lambda account: account.has_app,
        "not_now": "{name} has not set up an authenticator app: there is nothing to reset.",
    },
}


@require_http_methods(["GET", "POST"])
@verified_role_required
def user_step(request, username: str, step: str):
    """A check page ("check your answers") for deactivating, reactivating or resetting two-factor;
    its form (confirm=yes) takes the step."""
    account = _account(request, username)
    check = CHECKED[step]
    if not check["applies"](account):
        messages.info(request, check["not_now"].format(name=account.get_username()))
        return redirect("users:detail", username=account.username)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            check["service"](actor=request.user, account=account)
        except (ValidationError, PermissionDenied) as exc:
            return _refused(request, account, exc)
        messages.success(request, check["done"].format(name=account.get_username()))
        return redirect("users:detail", username=account.username)
    return render(
        request,
        "users/confirm.html",
        {
            "account": account,
            "roles": role_names(account),
            "check": check,
            "action": reverse(f"users:{step}", kwargs={"username": account.username}),
        },
    )


@verified_role_required
def invitation_resend(request, username: str):
    # A malformed name is not found, whatever the method (as for every page that names one).
    if not USERNAME.fullmatch(username):
        raise Http404("There is no account with that username.")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    account = _account(request, username)
    try:
        services.user_invitation_resend(actor=request.user, account=account)
    except (ValidationError, PermissionDenied) as exc:
        return _refused(request, account, exc)
    messages.success(request, f"A new invitation has been sent to {account.email}.")
    return redirect("users:detail", username=account.username)


@require_POST
@verified_role_required
def grant_decide(request, public_id, decision: str):
    """Confirm or cancel a signing role waiting for a second administrator."""
    _manager(request)
    grant = get_object_or_404(
        RoleGrant.objects.select_related("account", "role"), public_id=public_id
    )
    service = services.role_grant_confirm if decision == "confirm" else services.role_grant_cancel
    try:
        service(actor=request.user, grant=grant)
    except (ValidationError, PermissionDenied) as exc:
        return _refused(request, grant.account, exc)
    done = "given to" if decision == "confirm" else "cancelled for"
    messages.success(request, f"{grant.role.name} role {done} {grant.account.get_username()}.")
    return redirect("users:detail", username=grant.account.username)
