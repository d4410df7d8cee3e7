"""Two app-server processes agree about the organisation profile the moment it changes.

The profile (name, security marking, reference format) is cached. An administrator changes it
through server one; server two, which has the old profile cached, shows the new one on its
very next page. With the production default (a file cache every process on the machine
reads) and with a database cache (several machines) alike. A per-process cache
(locmemcache://, refused by settings.py when DEBUG is off) is shown to disagree, which is
why it is refused.
"""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection

from prevent_compliance.models import OrganisationProfile
from prevent_compliance.roles import Role
from tests.scaleout.test_two_app_servers import ROOT, Browser, _database_url, _free_port

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Several app servers need a shared PostgreSQL database (DATABASE_URL).",
    ),
]

CACHE_TABLE = "prevent_cache_test"


def _start(port: int, env: dict) -> subprocess.Popen:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    return subprocess.Popen(  # noqa: S603 (our own server, loopback only)
        [
            gunicorn,
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "prevent_compliance.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
    )


def _wait_until_up(port: int, process: subprocess.Popen) -> None:
    import http.client

    deadline = time.monotonic() + 30
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz/live")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            pytest.fail(f"gunicorn on 127.0.0.1:{port} did not start within 30 s")
        time.sleep(0.2)  # bounded wait for the server to start


@pytest.fixture
def servers_with_cache(tmp_path, settings):
    """Start two gunicorn processes on the test database using the given CACHE_URL."""
    started: list[subprocess.Popen] = []

    def start(cache_url: str) -> list[int]:
        if cache_url.startswith("dbcache://"):
            settings.CACHES = {
                "default": settings.CACHES["default"],
                "shared": {
                    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                    "LOCATION": CACHE_TABLE,
                },
            }
            call_command("createcachetable", "--database", "default", verbosity=0)
        env = {
            **os.environ,
            "DEBUG": "on",
            "DJANGO_SETTINGS_MODULE": "prevent_compliance.settings",
            "DATABASE_URL": _database_url(),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "CACHE_URL": cache_url,
        }
        ports = [_free_port(), _free_port()]
        for port in ports:
            started.append(_start(port, env))
        for port, process in zip(ports, started, strict=True):
            _wait_until_up(port, process)
        return ports

    yield start
    for process in started:
        process.terminate()
    for process in started:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {CACHE_TABLE}")


def _organisation_name(browser: Browser) -> str:
    status, _, page = browser.request("GET", "/accessibility/")
    assert status == 200
    return re.search(r'<p class="govuk-body-s">([^<.]+)\.', page).group(1)


def _change_name(browser: Browser, name: str) -> None:
    status, _, page = browser.request("GET", "/organisation/")
    assert status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    profile = OrganisationProfile.objects.get()
    status, _, page = browser.request(
        "POST",
        "/organisation/",
        {
            "csrfmiddlewaretoken": token,
            "name": name,
            "short_name": profile.short_name,
            "reference_prefix": profile.reference_prefix,
            "term_number": str(profile.term_number),
            "reference_format": profile.reference_format,
            "default_marking": "OFFICIAL-SENSITIVE",
        },
    )
    assert status == 302, page


def _scenario(ports, administrator, officer) -> tuple[str, str]:
    """Both servers show the old name; server one changes it; each server's next page."""
    OrganisationProfile.objects.get_or_create(pk=1, defaults={"name": "Office of the PCC"})
    admin_on_one = Browser(ports[0], administrator)
    one, two = Browser(ports[0], officer), Browser(ports[1], officer)
    assert _organisation_name(one) == _organisation_name(two) == "Office of the PCC"
    _change_name(admin_on_one, "Office of the PCC for Westshire")
    assert OrganisationProfile.objects.get().name == "Office of the PCC for Westshire"
    return _organisation_name(one), _organisation_name(two)


@pytest.fixture
def administrator_and_officer(roles_present, django_user_model):
    admin = django_user_model.objects.create_user(username="admin", password="x-" * 8)
    admin.groups.add(Group.objects.get(name=Role.ADMINISTRATOR.value))
    officer = django_user_model.objects.create_user(username="officer", password="x-" * 8)
    officer.groups.add(Group.objects.get(name=Role.OFFICER.value))
    return admin, officer


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "cache_url",
    ["filecache://{tmp}/cache", f"dbcache://{CACHE_TABLE}"],
    ids=["file-cache-one-machine", "database-cache-several-machines"],
)
def test_a_profile_change_is_seen_by_both_servers_at_once(
    servers_with_cache, administrator_and_officer, tmp_path, cache_url
):
    ports = servers_with_cache(cache_url.format(tmp=tmp_path))
    after_on_one, after_on_two = _scenario(ports, *administrator_and_officer)
    assert after_on_one == "Office of the PCC for Westshire"
    assert after_on_two == "Office of the PCC for Westshire", "server two still had the old one"


@pytest.mark.django_db(transaction=True)
def test_a_per_process_cache_disagrees_which_is_why_production_refuses_it(
    servers_with_cache, administrator_and_officer
):
    ports = servers_with_cache("locmemcache://")
    after_on_one, after_on_two = _scenario(ports, *administrator_and_officer)
    assert after_on_one == "Office of the PCC for Westshire"
    assert after_on_two == "Office of the PCC", "a per-process cache keeps the old profile"
