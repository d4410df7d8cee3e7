import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Personas are created in many tests; the production hasher would take seconds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
