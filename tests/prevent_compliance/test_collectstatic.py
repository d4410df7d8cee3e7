"""collectstatic with production settings: every file the built CSS and JS refer to exists,
and pages render with the manifest storage's hashed URLs (issue 9).

collectstatic runs in a subprocess exactly as an operator runs it (DEBUG off, a generated
SECRET_KEY, ALLOWED_HOSTS, a temporary STATIC_ROOT), so the settings module is read the way
production reads it.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

BASE_DIR = Path(django_settings.BASE_DIR)
MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)""")
CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""")
SOURCE_MAP = re.compile(r"sourceMappingURL=([^\s*]+)")


def production_env(static_root: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_")) and key != "DATABASE_URL"
    }
    # What the README's production section asks for, with fresh random keys.
    env.update(
        DEBUG="off",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DECISION_SEAL_KEYS=f"v1:{secrets.token_hex(32)}",
        SITE_URL="https://127.0.0.1",
        STATIC_ROOT=str(static_root),
    )
    return env


def missing_references(root: Path, static_url: str = "/static/") -> list[str]:
    """Every url(), @import and sourceMappingURL in the CSS and JS under ``root`` that names
    a file which is not there (or a file on another site, which the CSP would block)."""
    problems = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in {".css", ".js"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        refs = [m.group(1) for m in SOURCE_MAP.finditer(text)]
        if path.suffix == ".css":
            refs += [next(g for g in m.groups() if g is not None) for m in CSS_URL.finditer(text)]
            refs += [
                next(g for g in m.groups() if g is not None) for m in CSS_IMPORT.finditer(text)
            ]
        for ref in refs:
            if ref.startswith(("data:", "#")):
                continue
            where = f"{path.relative_to(root)}: {ref}"
            if re.match(r"^[a-z]+:|^//", ref, re.IGNORECASE):
                problems.append(f"{where} is on another site")
                continue
            clean = re.split(r"[?#]", ref)[0]
            if clean.startswith(static_url):
                target = root / clean.removeprefix(static_url)
            elif clean.startswith("/"):
                problems.append(f"{where} is outside {static_url}")
                continue
            else:
                target = path.parent / clean
            if not target.is_file():
                problems.append(f"{where} does not exist")
    return problems


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    """STATIC_ROOT after `manage.py collectstatic --noinput` with production settings."""
    static_root = tmp_path_factory.mktemp("staticfiles")
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=BASE_DIR,
        env=production_env(static_root),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (
        f"collectstatic failed with production settings:\n{result.stdout}\n{result.stderr}"
    )
    return static_root


def test_collectstatic_with_manifest_storage_hashes_our_css_and_js(collected):
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    for name in ("css/app.css", "js/govuk-frontend.min.js", "js/app.js", "js/init.js"):
        hashed = manifest[name]
        assert hashed != name and (collected / hashed).is_file(), name
    # WhiteNoise's compressed copy sits beside the large files (small ones gain too little).
    for name in ("css/app.css", "js/govuk-frontend.min.js"):
        assert (collected / f"{manifest[name]}.gz").is_file(), name


def test_every_file_the_collected_css_and_js_refer_to_exists(collected):
    assert missing_references(collected) == []
    # The built source folder must pass the same check (build.mjs runs it too).
    assert missing_references(BASE_DIR / "static" / "dist") == []


def test_no_govuk_image_or_font_is_referred_to(collected):
    """GOV.UK's crest and fonts are for GOV.UK services only: the CSS must not ask for them."""
    css = (BASE_DIR / "static" / "dist" / "css" / "app.css").read_text()
    assert "govuk-crest" not in css
    assert "/assets/" not in css


def test_the_reference_check_reports_missing_and_foreign_files(tmp_path):
    """The check above would catch the crest this build once referred to."""
    (tmp_path / "css").mkdir()
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "here.svg").write_text("<svg/>")
    (tmp_path / "css" / "app.css").write_text(
        'a{background:url("/static/assets/images/govuk-crest.svg")}'
        "b{background:url(../img/here.svg)}c{background:url(data:image/png;base64,AA==)}"
        "d{background:url('https://cdn.example/x.png')}"
        "/*# sourceMappingURL=app.css.map */"
    )
    (tmp_path / "app.js").write_text("x();//# sourceMappingURL=app.js.map")
    assert missing_references(tmp_path) == [
        "app.js: app.js.map does not exist",
        "css/app.css: app.css.map does not exist",
        "css/app.css: /static/assets/images/govuk-crest.svg does not exist",
        "css/app.css: https://cdn.example/x.png is on another site",
    ]


@pytest.fixture
def manifest_storage(settings, collected):
    """Serve the collected files the way production does (DEBUG off, manifest storage)."""
    settings.DEBUG = False
    settings.STATIC_ROOT = collected
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": MANIFEST_STORAGE},
    }
    return collected


def test_login_page_renders_hashed_css_and_js_urls_that_are_served(client, db, manifest_storage):
    response = client.get("/accounts/login/", secure=True)
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)
    for name in ("css/app", "js/init", "js/app"):
        pattern = rf"/static/{name}\.[0-9a-f]{{12}}\.(css|js)"
        assert any(re.fullmatch(pattern, url) for url in assets), (name, assets)
    for url in assets:
        assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", url), f"{url} is not a hashed name"
        asset = client.get(url, secure=True)
        assert asset.status_code == 200, url
        body = b"".join(asset.streaming_content)
        asset.close()
        assert body, url
        # Hashed names never change, so browsers may keep them for good.
        assert "immutable" in asset["Cache-Control"], url
    # app.js imports GOV.UK Frontend by its plain name (Django rewrites no JS imports by
    # default): that file is collected and served too.
    app_js = next(url for url in assets if "/js/app." in url)
    imported = client.get(app_js, secure=True)
    source = b"".join(imported.streaming_content).decode()
    imported.close()
    for name in re.findall(r'from\s*"\./([^"]+)"', source):
        module = client.get(f"/static/js/{name}", secure=True)
        assert module.status_code == 200, name
        module.close()


PDF_FETCH = """
import django
django.setup()
from django.templatetags.static import static
from prevent_compliance.pdf import BASE_URL, StaticOnlyFetcher
url = static("pdf/annual_review.css")
assert url.count(".") >= 2, url  # the manifest's hashed name, which only STATIC_ROOT holds
response = StaticOnlyFetcher().fetch(BASE_URL + url.lstrip("/"))
print(len(response.read()))
"""


def test_pdfs_fetch_the_hashed_stylesheets_that_only_static_root_holds(collected):
    """With production settings (STATIC_ROOT from the environment) a PDF's stylesheet, named
    by the manifest's hashed URL, is read from STATIC_ROOT: it once failed with a TypeError
    there, and every annual review printed without its layout."""
    result = subprocess.run(  # noqa: S603 (our own fixed script)
        [sys.executable, "-c", PDF_FETCH],
        cwd=BASE_DIR,
        env={**production_env(collected), "DJANGO_SETTINGS_MODULE": "prevent_compliance.settings"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    size = int(result.stdout.strip().splitlines()[-1])
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    assert size == (collected / manifest["pdf/annual_review.css"]).stat().st_size > 1000
