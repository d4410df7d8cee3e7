"""Changes to accounts: role grants, and the safeguards after someone else resets a password.

Three rules keep one administrator from taking over a signing role:

* nobody changes their own roles (the admin shows them read-only; ``role_grant_propose``
  and ``role_grant_confirm`` refuse);
* a signing role (Chief Executive, Commissioner, Administrator) is given only when a second
  administrator confirms a :class:`RoleGrant` proposed by someone else;
* when someone else resets an account's password, its authenticator apps are removed (so the
  holder sets one up again) and its signing roles are held back as grants waiting for a
  second administrator, so a reset password alone never opens a signing role.

Every role, password, status and authenticator change, however it is made (the admin, code,
``manage.py``), is written as an :class:`AccountEvent` (``record_event``) by the signal
receivers in ``signals.py``; its history row puts it in the audit log at /audit/ with the
person who made it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.models import HistoricalRecords

from prevent_compliance.models import AccountEvent, RoleGrant
from prevent_compliance.roles import Role, is_administrator

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# Roles that approve, sign or administer: given only with a second administrator's confirmation.
SIGNING_ROLES = frozenset({Role.CHIEF_EXECUTIVE, Role.COMMISSIONER, Role.ADMINISTRATOR})

UserModel = get_user_model()


def is_signing_role(group: Group) -> bool:
    return group.name in {role.value for role in SIGNING_ROLES}


def may_confirm_grants(user: User | AnonymousUser | None) -> bool:
    """Administrators (and superusers) confirm or cancel role grants."""
    return bool(user and user.is_active and (user.is_superuser or is_administrator(user)))


def actor_name(user: User | None) -> str:
    return user.get_username() if user is not None else "the system"


def _attribute(record: models.Model, *, actor: User | None, reason: str | None = None) -> None:
    """Who made the change the next save records, and why, for its history row.

    simple-history reads these two attributes, which no model declares.
    """
    record._history_user = actor  # type: ignore[attr-defined]
    if reason is not None:
        record._change_reason = reason  # type: ignore[attr-defined]


def current_actor() -> User | None:
    """The signed-in user of the request being served, if any (simple-history records it)."""
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def record_event(
    *, account: User, kind: str, summary: str, actor: User | None = None
) -> AccountEvent:
    """Add a row to the account's audit trail, attributed to ``actor`` (or the request's user)."""
    event = AccountEvent(account=account, kind=kind, summary=summary[:300])
    _attribute(event, actor=actor or current_actor())
    event.save()
    return event


# --- Role grants --------------------------------------------------------------------------------


def role_grant_propose(*, actor: User, account: User, role: Group, reason: str = "") -> RoleGrant:
    """Ask for a signing role for someone else's account; it waits for a second administrator."""
    if account.pk == actor.pk:
        raise PermissionDenied("You cannot give yourself a role.")
    if not may_confirm_grants(actor):
        raise PermissionDenied("Only an administrator can propose a role.")
    return _propose(actor=actor, account=account, role=role, reason=reason)


def _propose(*, actor: User, account: User, role: Group, reason: str) -> RoleGrant:
    with transaction.atomic():
        UserModel.objects.select_for_update().filter(pk=account.pk).first()
        existing = RoleGrant.objects.filter(
            account=account, role=role, status=RoleGrant.Status.PENDING
        ).first()
        if existing is not None:
            return existing
        grant = RoleGrant(
            account=account,
            role=role,
            proposed_by=actor,
            reason=reason or f"Proposed by {actor_name(actor)}",
        )
        _attribute(grant, actor=actor, reason=grant.reason)
        grant.save()
    return grant


def role_grant_confirm(*, actor: User, grant: RoleGrant) -> RoleGrant:
    """Give the role: only an administrator who neither proposed it nor would receive it."""
    if not may_confirm_grants(actor):
        raise PermissionDenied("Only an administrator can confirm a role.")
    with transaction.atomic():
        grant = (
            RoleGrant.objects.select_for_update().select_related("role", "account").get(pk=grant.pk)
        )
        if grant.status != RoleGrant.Status.PENDING:
            raise ValidationError("This role grant has already been decided.")
        if actor.pk in (grant.proposed_by_id, grant.account_id):
            raise PermissionDenied(
                "A second administrator must confirm this: not the person who proposed it, "
                "and not the person who would receive it."
            )
        if not grant.account.is_active:
            raise ValidationError("This account is deactivated; cancel the grant instead.")
        grant.status = RoleGrant.Status.CONFIRMED
        grant.decided_by = actor
        grant.decided_at = timezone.now()
        _attribute(grant, actor=actor, reason=f"Confirmed by {actor_name(actor)}")
        grant.save()
        grant.account.groups.add(grant.role)
    return grant


def role_grant_cancel(*, actor: User, grant: RoleGrant) -> RoleGrant:
    """Withdraw a waiting grant (any administrator, the proposer included)."""
    if not may_confirm_grants(actor):
        raise PermissionDenied("Only an administrator can cancel a role grant.")
    with transaction.atomic():
        grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
        if grant.status != RoleGrant.Status.PENDING:
            raise ValidationError("This role grant has already been decided.")
        grant.status = RoleGrant.Status.CANCELLED
        grant.decided_by = actor
        grant.decided_at = timezone.now()
        _attribute(grant, actor=actor, reason=f"Cancelled by {actor_name(actor)}")
        grant.save()
    return grant


def account_roles_requested(
    *, actor: User, account: User, requested: set[Group]
) -> tuple[set[Group], list[RoleGrant]]:
    """Split the roles an administrator asked for into those applied now and those held back.

    Returns (roles the account holds after the change, grants now waiting). Removing a role and
    giving a role that signs nothing apply at once; a new signing role becomes a grant.
    """
    if account.pk == actor.pk:
        raise PermissionDenied("You cannot change your own roles.")
    current = set(account.groups.all()) if account.pk else set()
    held_back = {g for g in requested - current if is_signing_role(g)}
    grants = [role_grant_propose(actor=actor, account=account, role=g) for g in held_back]
    return requested - held_back, grants


# --- Passwords ---------------------------------------------------------------------------------


def account_secure_after_reset(*, account: User, actor: User | None) -> None:
    """Remove the account's authenticator apps; hold its signing roles for a second administrator.

    The person who reset the password knows it; without this they could sign in, set up their
    own phone and act in the account's signing role.
    """
    TOTPDevice.objects.filter(user=account).delete()  # each removal is recorded (signals.py)
    if actor is None:
        return  # manage.py changepassword: the server's operator, trusted like grant_role
    signing = [g for g in account.groups.all() if is_signing_role(g)]
    for group in signing:
        account.groups.remove(group)
        _propose(
            actor=actor,
            account=account,
            role=group,
            reason=f"Held back after {actor_name(actor)} reset the password",
        )
