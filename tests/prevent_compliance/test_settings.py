"""Settings come from the environment; production refuses to start half-configured."""

import os
import secrets
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
GOOD_KEY = secrets.token_urlsafe(50)
# What production needs besides the three variables these tests are about.
PRODUCTION = {
    "DECISION_SEAL_KEYS": f"v1:{secrets.token_hex(32)}",
    "SITE_URL": "https://prevent.opcc.example",
}


def _start(*command, **env):
    unset = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", *PRODUCTION}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    clean |= {"DJANGO_SETTINGS_MODULE": "prevent_compliance.settings", **PRODUCTION, **env}
    return subprocess.run(  # noqa: S603  (our own interpreter, fixed arguments)
        [sys.executable, *(command or ("-c", PRINT_SETTINGS))],
        cwd=PROJECT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": "opcc.example"}, "SECRET_KEY"),
        ({"SECRET_KEY": GOOD_KEY}, "ALLOWED_HOSTS"),
        ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
    ],
    ids=["nothing", "no-key", "no-hosts", "empty-hosts"],
)
def test_production_refuses_to_start_without_key_and_hosts(env, variable):
    result = _start(DEBUG="off", **env)
    assert result.returncode != 0
    assert f"{variable} must " in result.stderr
    assert "when DEBUG is off" in result.stderr


def _one_line_refusal(result, variable: str) -> str:
    """The refusal is one line naming the variable: no traceback, nothing else."""
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"ImproperlyConfigured: {variable} "), lines[0]
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(
    "key",
    [
        "k" * 60,  # long enough, but one character repeated
        "short-but-random-Qz8",
        "django-insecure-" + GOOD_KEY,
        "insecure-local-development-key-not-for-production",
        "change-me-to-a-long-random-string",  # the .env.example placeholder
    ],
    ids=["repeated", "short", "django-insecure", "development-default", "example-placeholder"],
)
def test_production_refuses_a_weak_secret_key(key):
    result = _start(DEBUG="off", SECRET_KEY=key, ALLOWED_HOSTS="opcc.example")
    line = _one_line_refusal(result, "SECRET_KEY")
    assert "at least 50 random characters" in line
    assert key not in result.stderr, "the key itself is never printed"


@pytest.mark.parametrize(
    "hosts",
    [
        "https://prevent.opcc.example",
        "prevent.opcc.example:8000",
        "prevent.opcc.example/path",
        "two words",
    ],
    ids=["scheme", "port", "path", "space"],
)
def test_malformed_allowed_hosts_are_refused(hosts):
    result = _start(DEBUG="off", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS=hosts)
    line = _one_line_refusal(result, "ALLOWED_HOSTS")
    assert "not a host name" in line


@pytest.mark.parametrize(
    "url",
    [
        "mysql://user@db.example/prevent",  # a real scheme, but not one we support
        "foo://db.example/prevent",
        "not a url",
        "postgres://user@db.example:port/prevent",
        "postgres://user@db.example/",
    ],
    ids=["mysql", "unknown-scheme", "no-scheme", "bad-port", "no-name"],
)
def test_malformed_database_url_stops_start_up_with_one_line(url):
    result = _start(DEBUG="on", DATABASE_URL=url)
    _one_line_refusal(result, "DATABASE_URL")


def test_manage_py_check_shows_the_one_line_too():
    result = _start("manage.py", "check", DEBUG="on", DATABASE_URL="foo://db.example/prevent")
    _one_line_refusal(result, "DATABASE_URL")


def test_database_password_is_never_shown():
    result = _start(DEBUG="on", DATABASE_URL="postgres://user:hunter2-secret@db.example:x/pc")
    _one_line_refusal(result, "DATABASE_URL")
    assert "hunter2-secret" not in result.stderr


def test_accepted_host_forms():
    result = _start(
        DEBUG="off",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="prevent.opcc.example,.opcc.example,10.0.0.5,[::1],localhost",
        DATABASE_URL="sqlite:////tmp/unused.sqlite3",
    )
    assert result.returncode == 0, result.stderr
    assert "'[::1]'" in result.stdout


def test_production_starts_when_configured():
    result = _start(
        DEBUG="off",
        SECRET_KEY=GOOD_KEY,
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


def test_building_static_files_needs_no_runtime_secrets(tmp_path):
    """collectstatic is a build step: a key and hosts are enough; serving needs the rest."""
    build = {
        "DEBUG": "off",
        "SECRET_KEY": "build-step-key-0123456789abcdefghijklmnopqrstuvw",  # 47 characters
        "ALLOWED_HOSTS": "127.0.0.1",
        "DECISION_SEAL_KEYS": "",
        "SITE_URL": "",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    built = _start("manage.py", "collectstatic", "--noinput", **build)
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()

    for command in (("manage.py", "check"), ("manage.py", "migrate", "--check"), ()):
        refused = _start(*command, **build)
        _one_line_refusal(refused, "SECRET_KEY")
    strong = {**build, "SECRET_KEY": GOOD_KEY}
    _one_line_refusal(_start("manage.py", "check", **strong), "DECISION_SEAL_KEYS")
