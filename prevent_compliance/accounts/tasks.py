"""E-mail about accounts, sent by the background worker (django-tasks), never in the request.

Services queue these with ``transaction.on_commit``. A task is given only an address or an
account id: the link, which works like a password, is made here and goes only into the
message, never into the task queue's table.

The forgotten-password task is queued for every address asked about, known or not, so the
page does the same work and answers the same whichever it is; only the worker finds out.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from .tokens import invitation_tokens, reset_tokens, uid_for

logger = logging.getLogger(__name__)


def _link(route: str, user, generator) -> str:
    path = reverse(route, kwargs={"uidb64": uid_for(user), "token": generator.make_token(user)})
    return f"{settings.SITE_URL}{path}"


def accounts_for_address(email: str):
    """Active accounts with this address that may reset a password (not invitations waiting)."""
    users = get_user_model().objects.filter(email__iexact=email, is_active=True)
    return [user for user in users if user.has_usable_password()]


def _send(user, *, subject: str, template: str, context: dict) -> None:
    body = render_to_string(
        template, {"user": user, "service_name": "Prevent Compliance"} | context
    )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


@task()
def send_password_reset(email: str) -> int:
    """E-mail a link to each active account with this address; the number of messages sent."""
    users = accounts_for_address(email)
    for user in users:
        _send(
            user,
            subject="Reset your Prevent Compliance password",
            template="registration/password_reset_email.txt",
            context={
                "link": _link("accounts:password_reset_confirm", user, reset_tokens),
                "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
            },
        )
    if not users:
        logger.info("Password reset asked for an address with no account that can use it")
    return len(users)


@task()
def send_invitation(user_id: int, invited_by: str) -> bool:
    """E-mail a new account's holder a link to choose their password."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    _send(
        user,
        subject="You have been invited to Prevent Compliance",
        template="users/invitation_email.txt",
        context={
            "link": _link("accounts:invitation", user, invitation_tokens),
            "days": invitation_tokens.timeout // (24 * 60 * 60),
            "invited_by": invited_by,
        },
    )
    return True
