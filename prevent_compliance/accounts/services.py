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

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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
from prevent_compliance.rules import require

from . import limits, permissions  # noqa: F401 (permissions registers manage_users)
from .tokens import GENERATORS

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


# Who acts when no one is signed in: the holder of an e-mailed link setting their password.
_acting_as: ContextVar[User | None] = ContextVar("acting_as", default=None)


@contextmanager
def acting_as(user: User) -> Iterator[None]:
    """Attribute the account changes made inside to ``user`` (history and account events)."""
    token = _acting_as.set(user)
    try:
        yield
    finally:
        _acting_as.reset(token)


def current_actor() -> User | None:
    """Who is making the change: ``acting_as``'s user, else the request's signed-in user."""
    if (user := _acting_as.get()) is not None:
        return user
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


def password_change(*, account: User, new_password: str) -> None:
    """The holder's own new password (the view checked the old one and the validators).

    Every other session of the account stops working, because its stored hash of the
    password no longer matches; the view keeps the holder's own session.
    """
    with transaction.atomic(), acting_as(account):
        account.set_password(new_password)
        account.save(update_fields=["password"])


def password_reset_request(*, email: str, client: str | None) -> bool:
    """Queue a forgotten-password e-mail for ``email``; False when the limits refuse it.

    The same work whether or not an account uses the address: counting, then queueing one
    task after commit. Only the worker looks the address up (``tasks.send_password_reset``).
    """
    from .tasks import send_password_reset

    if limits.reset_refused(email=email, client=client):
        return False
    transaction.on_commit(lambda: send_password_reset.enqueue(email))
    return True


LINK_SUMMARIES = {
    "reset": "{name} set a new password from a link e-mailed to them",
    "invitation": "{name} accepted the invitation and chose a password",
}


def password_set_from_link(*, account: User, kind: str, token: str, new_password: str) -> None:
    """Set the password an e-mailed link allows, once: the link is checked again on the locked
    row, so two tabs posting the same link cannot both use it."""
    generator = GENERATORS[kind]
    with transaction.atomic():
        locked = UserModel.objects.select_for_update().get(pk=account.pk)
        if not generator.check_token(locked, token):
            raise ValidationError(
                "This link has already been used or has expired. Ask for a new one."
            )
        with acting_as(locked):
            locked.set_password(new_password)
            locked._password_change_summary = LINK_SUMMARIES[kind].format(  # type: ignore[attr-defined]
                name=locked.get_username()
            )
            locked.save(update_fields=["password"])
    account.password = locked.password


# --- Users, managed by administrators at /users/ ---------------------------------------------


def _administrators_left(*, without: User) -> int:
    return (
        UserModel.objects.filter(is_active=True, groups__name=Role.ADMINISTRATOR.value)
        .exclude(pk=without.pk)
        .count()
    )


def _check_may_manage(actor: User, account: User, *, doing: str) -> None:
    require(actor, "prevent_compliance.manage_users")
    if account.pk == actor.pk:
        raise PermissionDenied(f"You cannot {doing} your own account. Ask another administrator.")
    if account.is_superuser and not actor.is_superuser:
        raise PermissionDenied("Superuser accounts are managed from the command line.")


def _keep_an_administrator(account: User, *, losing: str) -> None:
    is_admin = account.groups.filter(name=Role.ADMINISTRATOR.value).exists()
    if is_admin and account.is_active and not _administrators_left(without=account):
        raise ValidationError(
            f"{account.get_username()} is the only active administrator, so they cannot "
            f"{losing}. Give someone else the Administrator role first."
        )


def user_invite(
    *,
    actor: User,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    roles: set[Group],
) -> tuple[User, list[RoleGrant]]:
    """A new account with no password yet, and an e-mail inviting its holder to choose one.

    Roles that sign nothing are given at once; a signing role waits as a grant for a second
    administrator, as it does for any account.
    """
    from .tasks import send_invitation

    require(actor, "prevent_compliance.manage_users")
    email = UserModel.objects.normalize_email(email).strip()
    if UserModel.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "Another account already uses this email address"})
    with transaction.atomic(), acting_as(actor):
        account = UserModel(
            username=username, first_name=first_name, last_name=last_name, email=email
        )
        account.set_unusable_password()
        account.full_clean()
        account._account_created_summary = (  # type: ignore[attr-defined]
            f"Account {username} created by {actor_name(actor)}; invitation sent to {email}"
        )
        account.save()
        applied, grants = account_roles_requested(actor=actor, account=account, requested=roles)
        account.groups.set(applied)
        transaction.on_commit(lambda: send_invitation.enqueue(account.pk, actor_name(actor)))
    return account, grants


def user_invitation_resend(*, actor: User, account: User) -> None:
    """E-mail a fresh invitation to an account whose holder has not chosen a password yet."""
    from .tasks import send_invitation

    _check_may_manage(actor, account, doing="invite")
    if account.has_usable_password() or not account.is_active:
        raise ValidationError("Only an active account that has no password yet can be invited.")
    record_event(
        account=account,
        kind=AccountEvent.Kind.STATUS_CHANGED,
        summary=f"Invitation sent to {account.get_username()} again by {actor_name(actor)}",
        actor=actor,
    )
    transaction.on_commit(lambda: send_invitation.enqueue(account.pk, actor_name(actor)))


def user_roles_set(*, actor: User, account: User, roles: set[Group]) -> list[RoleGrant]:
    """Give and take away roles: removals and roles that sign nothing at once, a new signing
    role as a grant waiting for a second administrator. Returns the grants now waiting."""
    _check_may_manage(actor, account, doing="change the roles of")
    with transaction.atomic(), acting_as(actor):
        UserModel.objects.select_for_update().filter(pk=account.pk).first()
        if not any(role.name == Role.ADMINISTRATOR.value for role in roles):
            _keep_an_administrator(account, losing="lose the Administrator role")
        applied, grants = account_roles_requested(actor=actor, account=account, requested=roles)
        account.groups.set(applied)
    return grants


def user_deactivate(*, actor: User, account: User) -> None:
    """The account can no longer sign in, and its open sessions end; nothing is deleted."""
    _check_may_manage(actor, account, doing="deactivate")
    with transaction.atomic(), acting_as(actor):
        account = UserModel.objects.select_for_update().get(pk=account.pk)
        if not account.is_active:
            raise ValidationError(f"{account.get_username()} is already deactivated.")
        _keep_an_administrator(account, losing="be deactivated")
        account.is_active = False
        account.save(update_fields=["is_active"])


def user_reactivate(*, actor: User, account: User) -> None:
    """The account may sign in again with the password it had."""
    _check_may_manage(actor, account, doing="reactivate")
    with transaction.atomic(), acting_as(actor):
        account = UserModel.objects.select_for_update().get(pk=account.pk)
        if account.is_active:
            raise ValidationError(f"{account.get_username()} is already active.")
        account.is_active = True
        account.save(update_fields=["is_active"])


def user_two_factor_reset(*, actor: User, account: User) -> int:
    """Remove the account's authenticator apps, so its holder sets one up again (a lost phone).

    Any session verified with a removed app is no longer verified. Returns how many were removed.
    """
    _check_may_manage(actor, account, doing="reset two-factor authentication for")
    with transaction.atomic(), acting_as(actor):
        UserModel.objects.select_for_update().filter(pk=account.pk).first()
        devices = list(TOTPDevice.objects.filter(user=account))
        if not devices:
            raise ValidationError(
                f"{account.get_username()} has not set up an authenticator app: nothing to reset."
            )
        for device in devices:
            device.delete()  # each removal is recorded (signals.py)
    return len(devices)
