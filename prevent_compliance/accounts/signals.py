"""Receivers: every account change in the audit trail, and a sign-in counting as activity.

Every role, password, status and authenticator change, however it is made (the admin, code,
``manage.py``), is written as an :class:`AccountEvent`; when someone else resets a password,
``services.account_secure_after_reset`` follows. ``apps.ready`` imports this module.
"""

import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_compliance.models import AccountEvent

from .middleware import IdleSessionMiddleware
from .services import account_secure_after_reset, actor_name, current_actor, record_event

User = get_user_model()


@receiver(user_logged_in)
def _stamp_new_session(sender, request, user, **kwargs):
    """A new sign-in counts as activity, so its first page does not write the session again."""
    if request is not None and hasattr(request, "session"):
        request.session[IdleSessionMiddleware.KEY] = int(time.time())


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


def _record_password_change(instance, actor) -> None:
    by_self = actor is not None and actor.pk == instance.pk
    # A service may say how (an e-mailed link); the default says who.
    told = getattr(instance, "_password_change_summary", None)
    instance._password_change_summary = None
    record_event(
        account=instance,
        kind=AccountEvent.Kind.PASSWORD_CHANGED,
        summary=told
        or (
            f"{instance.get_username()} changed their password"
            if by_self
            else f"Password of {instance.get_username()} reset by {actor_name(actor)}"
        ),
        actor=actor,
    )
    if not by_self:
        account_secure_after_reset(account=instance, actor=actor)


@receiver(post_save, sender=User, dispatch_uid="account_changes_after_save")
def _record_after_save(sender, instance, created=False, raw=False, **kwargs):
    if raw:
        return
    actor = current_actor()
    if created:
        record_event(
            account=instance,
            kind=AccountEvent.Kind.STATUS_CHANGED,
            summary=getattr(instance, "_account_created_summary", None)
            or f"Account {instance.get_username()} created",
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
        _record_password_change(instance, actor)


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
