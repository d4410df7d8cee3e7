"""Settings come from the environment; production refuses to start half-configured."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = (
    "import django; from django.conf import settings; django.setup(); "
    "print(settings.DEBUG, settings.ALLOWED_HOSTS, settings.DATABASES['default']['ENGINE'], "
    "settings.UPLOAD_MAX_BYTES)"
)


def _start(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    clean.pop("ALLOWED_HOSTS", None)
    clean |= {"DJANGO_SETTINGS_MODULE": "prevent_compliance.settings", **env}
    return subprocess.run(  # noqa: S603  (our own interpreter, fixed arguments)
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=PROJECT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "env",
    [{}, {"SECRET_KEY": "k" * 50}, {"ALLOWED_HOSTS": "opcc.example"}],
    ids=["nothing", "no-hosts", "no-key"],
)
def test_production_refuses_to_start_without_key_and_hosts(env):
    result = _start(DEBUG="off", **env)
    assert result.returncode != 0
    assert "SECRET_KEY and ALLOWED_HOSTS must be set when DEBUG is off" in result.stderr


def test_production_starts_when_configured():
    result = _start(
        DEBUG="off",
        SECRET_KEY="k" * 50,
        ALLOWED_HOSTS="opcc.example",
        DATABASE_URL="sqlite:////tmp/unused.sqlite3",
        UPLOAD_MAX_BYTES="1048576",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "['opcc.example']",
        "django.db.backends.sqlite3",
        "1048576",
    ]
