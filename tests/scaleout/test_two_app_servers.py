"""Two app-server processes on loopback sharing one PostgreSQL database: no lost update.

Two officers open the same action's edit form, each from a different gunicorn process, and
save. The first save wins; the second, based on the version it opened, is refused with the
stale-edit message (toolkit.services._claim_version locks the row, so the check and the save
are one step even across processes).
"""

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.toolkit.helpers import action_post
from toolkit import services
from toolkit.models import Action

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Several app servers need a shared PostgreSQL database (DATABASE_URL); with "
        "SQLite the deployment is one machine and one process writes at a time.",
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def app_servers(tmp_path):
    """Two gunicorn processes (one worker each) on 127.0.0.1, on the test database."""
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    env = {
        **os.environ,
        "DEBUG": "on",
        "DJANGO_SETTINGS_MODULE": "prevent_compliance.settings",
        "DATABASE_URL": _database_url(),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    ports, processes = [_free_port(), _free_port()], []
    for port in ports:
        processes.append(
            subprocess.Popen(  # noqa: S603 (our own server, loopback only)
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
        )
    try:
        for port, process in zip(ports, processes, strict=True):
            deadline = time.monotonic() + 30
            while True:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    conn.request("GET", "/accounts/login/")
                    if conn.getresponse().status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail(f"gunicorn on 127.0.0.1:{port} did not start within 30 s")
                time.sleep(0.2)  # bounded wait for the server to start
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


class Browser:
    """A signed-in user talking to one app server over HTTP, keeping its cookies."""

    def __init__(self, port: int, user):
        self.port = port
        client = Client()
        client.force_login(user)  # the session row is committed: every server can read it
        self.cookies = {
            settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value
        }

    def request(self, method: str, path: str, data: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.getheader("Location", ""), text


def _form_values(html: str) -> dict:
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    return {"csrfmiddlewaretoken": token, "version": version}


@pytest.mark.django_db(transaction=True)
def test_stale_edit_from_the_other_server_is_refused(
    roles_present,
    app_servers,
    django_user_model,
    toolkit,
    period,
    officer,
):
    from django.contrib.auth.models import Group

    colleague = django_user_model.objects.create_user(username="colleague", password="x-" * 8)
    colleague.groups.add(Group.objects.get(name="OPCC officer"))
    today = timezone.localdate()
    section = period.edition.sections.get(number=1)
    action = services.action_create(
        actor=officer,
        period=period,
        title="Brief partners on the new CTLP",
        description="",
        section=section,
        owner=officer,
        due_date=today + timedelta(days=30),
    )
    path = f"/actions/{action.public_id}/edit/"
    first, second = Browser(app_servers[0], officer), Browser(app_servers[1], colleague)

    status, _, page_one = first.request("GET", path)
    assert status == 200
    status, _, page_two = second.request("GET", path)
    assert status == 200
    form_one, form_two = _form_values(page_one), _form_values(page_two)
    assert form_one["version"] == form_two["version"] == "1"

    data = action_post(section=section, owner=officer, today=today)
    status, location, _ = first.request(
        "POST", path, {**data, **form_one, "title": "Saved on server one"}
    )
    assert status == 302, "the first save, on server one, is accepted"
    assert location.endswith(f"/actions/{action.public_id}/")

    status, _, page = second.request(
        "POST", path, {**data, **form_two, "title": "Saved on server two"}
    )
    assert status == 200, "the second save, from a stale copy on server two, is refused"
    assert "Someone else saved this record after you opened it" in page

    action = Action.objects.get(pk=action.pk)
    assert action.title == "Saved on server one"
    assert action.version == 2
    assert action.history.filter(title="Saved on server two").count() == 0
