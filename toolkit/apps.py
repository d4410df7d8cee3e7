from django.apps import AppConfig


class ToolkitConfig(AppConfig):
    name = "toolkit"
    verbose_name = "Prevent duty toolkit"

    def ready(self) -> None:
        # "Waiting for you": the toolkit's items (prevent_compliance/waiting.py).
        from . import waiting

        waiting.register()
        _connect_owner_signals()


def _owners_changed(sender, **kwargs) -> None:
    """Who may own an action changed: active users with a role, listed by the action plan
    from the shared cache (selectors.action_owner_choices)."""
    if kwargs.get("update_fields") == frozenset({"last_login"}):
        return  # signing in changes nobody's name, status or roles
    if kwargs.get("action", "post_").startswith("pre_"):
        return  # roles about to change (m2m_changed): the post_ signal follows
    from . import selectors

    selectors.forget_action_owners()


def _connect_owner_signals() -> None:
    """Any change to a user, to role membership or to an account's status renews the list
    (the admin deactivates users by a bulk update, which sends no save signal but records an
    AccountEvent)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from prevent_compliance.models import AccountEvent

    User = get_user_model()
    for signal, sender in (
        (post_save, User),
        (post_delete, User),
        (m2m_changed, User.groups.through),
        (post_save, Group),
        (post_delete, Group),
        (post_save, AccountEvent),
    ):
        signal.connect(
            _owners_changed,
            sender=sender,
            dispatch_uid=f"toolkit-owners-{sender._meta.label}",  # unique per signal
        )
