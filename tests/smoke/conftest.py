"""The production smoke journey: a real browser against gunicorn started by `.ci/smoke`.

Skipped unless SMOKE_BASE_URL names the running server, so `make test` never runs it.
The browser is Debian's chromium, launched as in tests/e2e/conftest.py. It reaches the
server over plain HTTP on the loopback address but sends `X-Forwarded-Proto: https`, as the
TLS-terminating proxy of the README does; `.ci/smoke` sets SECURE_PROXY_SSL_HEADER to match.
"""

import os

import pytest

from tests.browser import CHROMIUM, LAUNCH_ARGS

BASE_URL = os.environ.get("SMOKE_BASE_URL", "").rstrip("/")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/smoke/" not in str(item.fspath):
            continue
        item.add_marker(pytest.mark.smoke)
        if not BASE_URL:
            item.add_marker(
                pytest.mark.skip(
                    reason="production smoke journey: run by .ci/smoke (SMOKE_BASE_URL)"
                )
            )
        elif CHROMIUM is None:
            item.add_marker(
                pytest.mark.skip(
                    reason="Debian chromium is not installed (apt-get install chromium)"
                )
            )


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return LAUNCH_ARGS


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "base_url": BASE_URL,
        "accept_downloads": True,
        # What nginx adds in front of gunicorn (README, "nginx in front, terminating TLS").
        "extra_http_headers": {"X-Forwarded-Proto": "https"},
    }


@pytest.fixture(scope="session")
def smoke_password():
    return os.environ["SMOKE_PASSWORD"]
