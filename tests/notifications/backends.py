"""E-mail backends for tests: a mail server that refuses the first few messages, or all."""

from django.core.mail.backends.locmem import EmailBackend


class FlakyBackend(EmailBackend):
    """Refuses the next ``failures`` messages (a class attribute the test sets), then delivers
    into django.core.mail.outbox like the locmem backend."""

    failures = 0

    def send_messages(self, messages):
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise ConnectionRefusedError("mail server unavailable")
        return super().send_messages(messages)
