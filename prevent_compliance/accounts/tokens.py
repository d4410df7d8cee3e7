"""The links e-mailed to set a password: a forgotten-password link and an invitation.

Both are Django's signed, timestamped tokens, made from the account's current password hash,
last sign-in and active flag, so a link stops working as soon as it has been used (the
password changes), when the holder signs in, when the account is deactivated, or when it
expires. Each kind has its own salt: a reset link is never accepted as an invitation.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes, force_str
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

# An invitation waits for a new colleague longer than a forgotten password waits for its owner.
INVITATION_TIMEOUT = 7 * 24 * 60 * 60


class ExpiringTokenGenerator(PasswordResetTokenGenerator):
    """Django's generator with a lifetime of its own and the active flag in the hash."""

    def __init__(self, *, salt: str, timeout: int | None = None):
        super().__init__()
        self.key_salt = salt
        self._timeout = timeout

    @property
    def timeout(self) -> int:
        return self._timeout if self._timeout is not None else settings.PASSWORD_RESET_TIMEOUT

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{int(user.is_active)}"

    def check_token(self, user, token):
        if not (user and token) or token.count("-") != 1:
            return False
        ts_b36, _ = token.split("-")
        try:
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        for secret in [self.secret, *self.secret_fallbacks]:
            if constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token):
                break
        else:
            return False
        return 0 <= self._num_seconds(self._now()) - ts <= self.timeout


reset_tokens = ExpiringTokenGenerator(salt="prevent_compliance.accounts.password_reset")
invitation_tokens = ExpiringTokenGenerator(
    salt="prevent_compliance.accounts.invitation", timeout=INVITATION_TIMEOUT
)

GENERATORS = {"reset": reset_tokens, "invitation": invitation_tokens}


def uid_for(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def user_for_uid(uidb64: str):
    """The account a link names, or None for anything that is not one of ours."""
    from django.contrib.auth import get_user_model

    if len(uidb64) > 20:
        return None
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    return get_user_model().objects.filter(pk=pk).first()
