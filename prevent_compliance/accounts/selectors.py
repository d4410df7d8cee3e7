"""Reads for the /users/ pages: the list with its filters, and one account with its grants."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_compliance.models import AccountEvent, RoleGrant
from prevent_compliance.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import User

UserModel = get_user_model()


@dataclass(frozen=True)
class UserFilters:
    search: str = ""
    role: str = ""  # a Role value, "none" for accounts with no role, or "" for all
    status: str = ""  # "active", "inactive" or ""


def _annotated(queryset: QuerySet) -> QuerySet:
    devices = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    waiting = RoleGrant.objects.filter(account=OuterRef("pk"), status=RoleGrant.Status.PENDING)
    return queryset.annotate(has_app=Exists(devices), has_waiting_grant=Exists(waiting))


def user_list(filters: UserFilters) -> QuerySet:
    """Accounts matching the filters, by username; each with ``has_app`` and ``role_list``
    (a plain list: a row reading ``groups.all`` would build a manager and a queryset)."""
    queryset = UserModel.objects.all()
    if term := filters.search:
        queryset = queryset.filter(
            Q(username__icontains=term)
            | Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(email__icontains=term)
        )
    if filters.role == "none":
        queryset = queryset.filter(groups=None)
    elif filters.role in {role.value for role in Role}:
        queryset = queryset.filter(groups__name=filters.role)
    if filters.status == "active":
        queryset = queryset.filter(is_active=True)
    elif filters.status == "inactive":
        queryset = queryset.filter(is_active=False)
    roles = Prefetch("groups", queryset=Group.objects.order_by("name"), to_attr="role_list")
    return _annotated(queryset).prefetch_related(roles).order_by("username")


def user_for_admin(username: str) -> User:
    """One account by username, or 404."""
    roles = Prefetch("groups", queryset=Group.objects.order_by("name"))
    account = (
        _annotated(UserModel.objects.filter(username=username)).prefetch_related(roles).first()
    )
    if account is None:
        raise Http404("There is no account with that username.")
    return account


def waiting_grants(account: User) -> list[RoleGrant]:
    return list(
        RoleGrant.objects.filter(account=account, status=RoleGrant.Status.PENDING).select_related(
            "role", "proposed_by"
        )
    )


def recent_events(account: User, limit: int = 10) -> list[AccountEvent]:
    return list(AccountEvent.objects.filter(account=account)[:limit])
