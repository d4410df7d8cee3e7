"""Two app-server processes agree about the dashboard's counts the moment a record changes.

The counts are kept in the shared cache (toolkit/summary.py). Both servers show the dashboard
(so both have read the cached counts); an officer marks an action done through server one;
server two's very next dashboard shows one open action fewer. With the production default (a
file cache every process on the machine reads) and a database cache (several machines). A
per-process cache is shown to keep the old counts, which is why production refuses it: the
counts really are served from the cache, not counted again on each page.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.scaleout.test_settings_agree import (  # noqa: F401 (servers_with_cache is a fixture)
    CACHE_TABLE,
    servers_with_cache,
)
from tests.scaleout.test_two_app_servers import Browser
from tests.toolkit.helpers import action_post
from toolkit import services

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Several app servers need a shared PostgreSQL database (DATABASE_URL).",
    ),
]


def _open_actions_in_section_one(browser: Browser) -> str:
    status, _, page = browser.request("GET", "/")
    assert status == 200
    row = re.search(r'href="/toolkit/1/">1\..*?</tr>', page, re.S).group(0)
    return re.findall(r'govuk-table__cell--numeric">(\d+)<', row)[1]


def _scenario(ports, period, officer) -> tuple[str, str]:
    today = timezone.localdate()
    section = period.edition.sections.get(number=1)
    action = services.action_create(
        actor=officer,
        period=period,
        title="Brief partners on the new CTLP",
        section=section,
        owner=officer,
        due_date=today + timedelta(days=30),
    )
    one, two = Browser(ports[0], officer), Browser(ports[1], officer)
    assert _open_actions_in_section_one(one) == _open_actions_in_section_one(two) == "1"

    path = f"/actions/{action.public_id}/edit/"
    status, _, page = one.request("GET", path)
    assert status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    data = action_post(section=section, owner=officer, today=today, status="done")
    status, _, page = one.request(
        "POST", path, {**data, "csrfmiddlewaretoken": token, "version": version}
    )
    assert status == 302, page
    return _open_actions_in_section_one(one), _open_actions_in_section_one(two)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "cache_url",
    ["filecache://{tmp}/cache", f"dbcache://{CACHE_TABLE}"],
    ids=["file-cache-one-machine", "database-cache-several-machines"],
)
def test_a_change_on_one_server_shows_on_the_others_dashboard_at_once(
    request, roles_present, period, officer, tmp_path, cache_url
):
    start = request.getfixturevalue("servers_with_cache")
    ports = start(cache_url.format(tmp=tmp_path))
    after_on_one, after_on_two = _scenario(ports, period, officer)
    assert after_on_one == "0"
    assert after_on_two == "0", "server two still counted the action as open"


@pytest.mark.django_db(transaction=True)
def test_a_per_process_cache_keeps_old_counts_which_is_why_production_refuses_it(
    request, roles_present, period, officer
):
    ports = request.getfixturevalue("servers_with_cache")("locmemcache://")
    after_on_one, after_on_two = _scenario(ports, period, officer)
    assert after_on_one == "0"
    assert after_on_two == "1", "a per-process cache keeps the counts it computed"
