"""Changes to accounts: roles, passwords and authenticator apps, each one in the audit log.

Three rules keep one administrator from taking over a signing role:

* nobody changes their own roles (the admin shows them read-only; ``role_grant_propose``
  and ``role_grant_confirm`` refuse);
* a signing role (Chief Executive, Commissioner, Administrator) is given only when a second
  administrator confirms a :class:`RoleGrant` proposed by someone else;
* when someone else resets an account's password, its authenticator apps are removed (so the
  holder sets one up again) and its signing roles are held back as grants waiting for a
  second administrator, so a reset password alone never opens a signing role.

Every role, password, status and authenticator change, however it is made (the admin, code,
``manage.py``), is written as an :class:`AccountEvent` by the signal receivers at the end of
this module; its history row puts it in the audit log at /audit/ with the person who made it.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.models import HistoricalRecords

from .models import AccountEvent, RoleGrant
from .roles import Role, is_administrator

# Roles that approve, sign or administer: given only with a second administrator's confirmation.
SIGNING_ROLES = frozenset({Role.CHIEF_EXECUTIVE, Role.COMMISSIONER, Role.ADMINISTRATOR})

User = get_user_model()


def is_signing_role(group: Group) -> bool:
    return group.name in {role.value for role in SIGNING_ROLES}


def may_confirm_grants(user) -> bool:
    """Administrators (and superusers) confirm or cancel role grants."""
    return bool(user and user.is_active and (user.is_superuser or is_administrator(user)))


def _name(user) -> str:
    return user.get_username() if user is not None else "the system"


def current_actor():
    """The signed-in user of the request being served, if any (simple-history records it)."""
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def record_event(*, account, kind: str, summary: str, actor=None) -> AccountEvent:
    """Add a row to the account's audit trail, attributed to ``actor`` (or the request's user)."""
    event = AccountEvent(account=account, kind=kind, summary=summary[:300])
    event._history_user = actor or current_actor()
    event.save()
    return event


# --- Role grants --------------------------------------------------------------------------------


def role_grant_propose(*, actor, account, role: Group, reason: str = "") -> RoleGrant:
    """Ask for a signing role for someone else's account; it waits for a second administrator."""
    if account.pk == actor.pk:
        raise PermissionDenied("You cannot give yourself a role.")
    if not may_confirm_grants(actor):
        raise PermissionDenied("Only an administrator can propose a role.")
    return _propose(actor=actor, account=account, role=role, reason=reason)


def _propose(*, actor, account, role: Group, reason: str) -> RoleGrant:
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=account.pk).first()
        existing = RoleGrant.objects.filter(
            account=account, role=role, status=RoleGrant.Status.PENDING
        ).first()
        if existing is not None:
            return existing
        grant = RoleGrant(
            account=account,
            role=role,
            proposed_by=actor,
            reason=reason or f"Proposed by {_name(actor)}",
        )
        grant._history_user = actor
        grant._change_reason = grant.reason
        grant.save()
    return grant


def role_grant_confirm(*, actor, grant: RoleGrant) -> RoleGrant:
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
        grant._history_user = actor
        grant._change_reason = f"Confirmed by {_name(actor)}"
        grant.save()
        grant.account.groups.add(grant.role)
    return grant


def role_grant_cancel(*, actor, grant: RoleGrant) -> RoleGrant:
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
        grant._history_user = actor
        grant._change_reason = f"Cancelled by {_name(actor)}"
        grant.save()
    return grant


def account_roles_requested(*, actor, account, requested: set[Group]) -> tuple[set, list]:
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


def _password_reset_by_someone_else(*, account, actor) -> None:
    """Remove the account's authenticator apps; hold its signing roles for a second administrator.

    The person who reset the password knows it; without this they could sign in, set up their
    own phone and act in the account's signing role.
    """
    TOTPDevice.objects.filter(user=account).delete()  # each removal is recorded (below)
    if actor is None:
        return  # manage.py changepassword: the server's operator, trusted like grant_role
    signing = [g for g in account.groups.all() if is_signing_role(g)]
    for group in signing:
        account.groups.remove(group)
        _propose(
            actor=actor,
            account=account,
            role=group,
            reason=f"Held back after {_name(actor)} reset the password",
        )


# --- The audit trail: every change, whoever makes it -------------------------------------------

_WATCHED_FLAGS = {
    "is_active": ("active", "deactivated"),
    "is_staff": ("given staff status", "no longer staff"),
    "is_superuser": ("made a superuser", "no longer a superuser"),
}


@receiver(pre_save, sender=User, dispatch_uid="account_changes_before_save")
def _remember_before_save(sender, instance, update_fields=None, raw=False, **kwargs):
    instance._account_before = None
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", *_WATCHED_FLAGS} & set(update_fields):
        return  # a sign-in updating last_login: nothing to compare, no query
    instance._account_before = (
        User.objects.filter(pk=instance.pk).values("password", *_WATCHED_FLAGS).first()
    )


@receiver(post_save, sender=User, dispatch_uid="account_changes_after_save")
def _record_after_save(sender, instance, created=False, raw=False, **kwargs):
    if raw:
        return
    actor = current_actor()
    if created:
        record_event(
            account=instance,
            kind=AccountEvent.Kind.STATUS_CHANGED,
            summary=f"Account {instance.get_username()} created",
            actor=actor,
        )
        return
    before = getattr(instance, "_account_before", None)
    instance._account_before = None
    if not before:
        return
    for flag, (on, off) in _WATCHED_FLAGS.items():
        if before[flag] != getattr(instance, flag):
            state = on if getattr(instance, flag) else off
            record_event(
                account=instance,
                kind=AccountEvent.Kind.STATUS_CHANGED,
                summary=f"{instance.get_username()} {state}",
                actor=actor,
            )
    if before["password"] != instance.password:
        by_self = actor is not None and actor.pk == instance.pk
        record_event(
            account=instance,
            kind=AccountEvent.Kind.PASSWORD_CHANGED,
            summary=(
                f"{instance.get_username()} changed their password"
                if by_self
                else f"Password of {instance.get_username()} reset by {_name(actor)}"
            ),
            actor=actor,
        )
        if not by_self:
            _password_reset_by_someone_else(account=instance, actor=actor)


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="account_changes_roles")
def _record_role_change(sender, instance, action, reverse, pk_set, **kwargs):
    if action == "pre_clear":
        # Which pairs are about to go, so post_clear can name them.
        related = instance.user_set.all() if reverse else instance.groups.all()
        instance._account_cleared = set(related.values_list("pk", flat=True))
        return
    if action == "post_clear":
        pk_set, action = getattr(instance, "_account_cleared", set()), "post_remove"
    if action not in ("post_add", "post_remove") or not pk_set:
        return
    if reverse:
        pairs = [(user, instance) for user in User.objects.filter(pk__in=pk_set)]
    else:
        pairs = [(instance, group) for group in Group.objects.filter(pk__in=pk_set)]
    added = action == "post_add"
    for user, group in pairs:
        record_event(
            account=user,
            kind=AccountEvent.Kind.ROLE_ADDED if added else AccountEvent.Kind.ROLE_REMOVED,
            summary=(
                f"{group.name} role given to {user.get_username()}"
                if added
                else f"{group.name} role taken from {user.get_username()}"
            ),
        )


@receiver(post_save, sender=TOTPDevice, dispatch_uid="account_changes_device_saved")
def _record_device_confirmed(sender, instance, created=False, raw=False, update_fields=None, **kw):
    if raw or not instance.confirmed:
        return
    if not created and (update_fields is None or "confirmed" not in update_fields):
        return  # a code check saving the drift or throttle counters
    record_event(
        account=instance.user,
        kind=AccountEvent.Kind.DEVICE_CONFIRMED,
        summary=f"Authenticator app set up for {instance.user.get_username()}",
    )


@receiver(post_delete, sender=TOTPDevice, dispatch_uid="account_changes_device_removed")
def _record_device_removed(sender, instance, **kwargs):
    if not instance.confirmed:
        return  # an enrolment that was never finished
    record_event(
        account=instance.user,
        kind=AccountEvent.Kind.DEVICE_REMOVED,
        summary=f"Authenticator app of {instance.user.get_username()} removed",
    )
