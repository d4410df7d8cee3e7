"""Production settings, security headers, the content security policy and error pages."""

import json
import os
import re
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.template import engines
from django.urls import include, path, reverse

ROOT = Path(__file__).resolve().parents[2]


def _boom(request):
    raise RuntimeError("SELECT secret FROM /srv/app/prevent_compliance/settings.py")


def _nonce_page(request):
    page = engines["django"].from_string("<p>{{ request.csp_nonce }}</p>")
    return HttpResponse(page.render({"request": request}))


urlpatterns = [
    path("test-boom/", _boom),
    path("test-nonce/", _nonce_page),
    path("", include("prevent_compliance.urls")),
]


def _production_env(**extra) -> dict:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "PYTHONWARNINGS"}
    }
    env.update(
        DEBUG="off",
        SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(50)),
        ALLOWED_HOSTS="example.org",
        DECISION_SEAL_KEYS=f"v1:{secrets.token_hex(32)}",
        SITE_URL="https://example.org",
        **extra,
    )
    return env


def _run(*args, **extra):
    return subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, *args],
        cwd=ROOT,
        env=_production_env(**extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_prints_no_warnings():
    result = _run("manage.py", "check", "--deploy")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr == ""


def test_production_settings_are_strict():
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ["
        "'DEBUG', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', "
        "'X_FRAME_OPTIONS', 'SECURE_REFERRER_POLICY', 'SESSION_COOKIE_AGE']}))"
    )
    result = _run(
        "-c",
        script,
        DJANGO_SETTINGS_MODULE="prevent_compliance.settings",
        SESSION_IDLE_SECONDS="600",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_SSL_REDIRECT"]
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["SESSION_COOKIE_AGE"] == 600


def test_proxy_ssl_header_comes_from_the_environment():
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_PROXY_SSL_HEADER)"
    )
    result = _run(
        "-c",
        script,
        DJANGO_SETTINGS_MODULE="prevent_compliance.settings",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
    )
    assert result.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')", result.stderr


# --- Headers ------------------------------------------------------------------------------------


def test_pages_carry_the_security_headers(client, db):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.urls(__name__)
def test_a_nonce_used_in_a_template_is_added_to_the_policy(client, officer):
    client.force_login(officer)
    response = client.get("/test-nonce/")
    nonce = re.search(r"<p>(.+)</p>", response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_no_template_has_inline_script_or_style():
    """The policy allows neither; a template that needs one must use request.csp_nonce."""
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        for match in re.finditer(r"<script\b[^>]*>|<style\b[^>]*>|\sstyle=\"", text):
            tag = match.group(0)
            if tag.startswith("<script") and "src=" in tag:
                continue
            if "csp_nonce" in tag:
                continue
            if template.parts[-2] == "pdf" or "/pdf/" in str(template):
                continue  # rendered by WeasyPrint, never served to a browser
            if "/email/" in str(template):
                continue  # the body of an e-mail, never served by the app
            offenders.append(f"{template.relative_to(ROOT)}: {tag}")
    assert not offenders


# --- Error pages ------------------------------------------------------------------------------


def _assert_leaks_nothing(page: str):
    for secret in ("Traceback", "SELECT", "/srv/", "settings.py", "django.", "DEBUG"):
        assert secret not in page


def test_not_found_page(client_for, officer):
    response = client_for(officer).get("/no-such-page/zz")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and "govuk-heading-l" in page
    assert "no-such-page" not in page
    _assert_leaks_nothing(page)


def test_forbidden_page(client_for, officer):
    response = client_for(officer).get(reverse("audit:log"))
    assert response.status_code == 403
    assert "You do not have permission to see or do this" in response.content.decode()


@pytest.mark.urls(__name__)
def test_server_error_page_leaks_nothing(client, officer):
    client.raise_request_exception = False
    client.force_login(officer)
    response = client.get("/test-boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Sorry, there is a problem with the service" in page
    _assert_leaks_nothing(page)


def test_bad_request_page(client, db, settings):
    response = client.get(reverse("login"), HTTP_HOST="evil.example")
    assert response.status_code == 400
    page = response.content.decode()
    assert "there is a problem with the request" in page
    assert "evil.example" not in page
    _assert_leaks_nothing(page)


def test_csrf_failure_page(db, officer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    assert "your form could not be sent" in response.content.decode()


def test_error_templates_exist_for_every_handler():
    for name in ("400.html", "403.html", "403_csrf.html", "404.html", "500.html"):
        assert (ROOT / "templates" / name).exists()
    assert settings.DEBUG is False  # pytest-django renders error pages as production does
