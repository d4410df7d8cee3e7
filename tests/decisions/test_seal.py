"""The seal: HMAC-SHA256 with a key from the environment, over content, status and
publication choices; key rotation and the resealing of records sealed before keyed seals."""

import base64
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from decisions import integrity, services
from decisions.models import Decision, SupportingSection

from .helpers import MARKER

S = Decision.Status
KEY_1 = "v1:" + "1f" * 32
KEY_2 = "v2:" + base64.b64encode(bytes(range(32, 64))).decode()
ROOT = Path(__file__).resolve().parents[2]


def _verify(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_decisions", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _verify_fails() -> str:
    err = io.StringIO()
    with pytest.raises(CommandError, match="problem"):
        call_command("verify_decisions", stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def _reseal(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("reseal_decisions", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def partly(make_decision):
    """Published, partly confidential, section 5 withheld and holding MARKER."""
    return make_decision(
        "public",
        confidentiality="partly-confidential",
        foi_exemptions=["s43"],
        withheld=5,
        secret=MARKER,
    )


def _public_everywhere(client, decision) -> str:
    """Everything the public can read about the log, as one string."""
    pages = [
        client.get(reverse("decisions:public_list")).text,
        client.get(reverse("decisions:public_csv")).content.decode(),
        client.get(reverse("decisions:public_json")).content.decode(),
    ]
    detail = client.get(decision.get_public_url())
    return "\n".join([*pages, detail.text if detail.status_code == 200 else ""])


# --- Tampering in the database ---------------------------------------------------------------


def test_unwithholding_a_section_and_recomputing_the_plain_hash_is_detected(partly, client_for):
    """The review's attack: un-withhold a section, store the plain SHA-256 again."""
    SupportingSection.objects.filter(decision=partly, position=5).update(withheld=False)
    partly.refresh_from_db()
    forged = integrity.legacy_hash(partly)
    for version in (partly.seal_key_version, integrity.LEGACY):
        Decision.objects.filter(pk=partly.pk).update(content_hash=forged, seal_key_version=version)
        assert partly.reference in _verify_fails()
        client = client_for(None)
        assert client.get(partly.get_public_url()).status_code == 404
        assert MARKER not in _public_everywhere(client, partly)


def test_plain_sha256_of_the_new_payload_is_detected(partly):
    SupportingSection.objects.filter(decision=partly, position=5).update(withheld=False)
    partly.refresh_from_db()
    forged = hashlib.sha256(integrity.canonical_json(integrity.sealed_payload(partly))).hexdigest()
    Decision.objects.filter(pk=partly.pk).update(content_hash=forged)
    assert "content or status differs" in _verify_fails()


def test_setting_a_signed_record_to_published_in_the_database_is_detected(
    make_decision, client_for
):
    signed = make_decision("signed", title="Signed, not for the public yet")
    Decision.objects.filter(pk=signed.pk).update(status=S.PUBLISHED, published_at=timezone.now())
    assert f"{signed.reference}: content or status differs" in _verify_fails()
    client = client_for(None)
    assert client.get(signed.get_public_url()).status_code == 404
    assert "Signed, not for the public yet" not in _public_everywhere(client, signed)


@pytest.mark.parametrize(
    "change",
    [
        {"confidentiality": "non-confidential", "foi_exemptions": []},
        {"withheld_parts": "Nothing"},
        {"published_at": None},
    ],
)
def test_publication_choices_are_sealed(partly, change):
    Decision.objects.filter(pk=partly.pk).update(**change)
    assert partly.reference in _verify_fails()


def test_appendix_withheld_flag_and_served_type_are_sealed(make_decision, personas):
    from .helpers import advance, complete_sections, make_draft, pdf_upload

    decision = make_draft(personas, confidentiality="partly-confidential", foi_exemptions=["s43"])
    complete_sections(decision, actor=personas["officer"])
    upload, info = pdf_upload()
    appendix = services.appendix_add(
        actor=personas["officer"],
        decision=decision,
        title="Hidden",
        upload=upload,
        upload_info=info,
        withheld=True,
    )
    advance(decision, personas, "public")
    _verify()
    type(appendix).objects.filter(pk=appendix.pk).update(withheld=False)
    assert decision.reference in _verify_fails()
    type(appendix).objects.filter(pk=appendix.pk).update(withheld=True, content_type="text/html")
    assert decision.reference in _verify_fails()


def test_clearing_the_seal_of_a_signed_record_is_detected(make_decision):
    signed = make_decision("signed")
    Decision.objects.filter(pk=signed.pk).update(
        status=S.AWAITING_SIGNATURE, content_hash="", seal_key_version=""
    )
    assert f"{signed.reference}: signed but its seal has been removed" in _verify_fails()


def test_publishing_refuses_a_record_whose_seal_fails(make_decision, personas):
    """The service seals again at publication, so it must not launder a database edit."""
    signed = make_decision("signed")
    Decision.objects.filter(pk=signed.pk).update(summary="Changed behind the service's back.")
    with pytest.raises(services.InvalidTransition, match="seal of this decision does not verify"):
        services.decision_publish(actor=personas["officer"], decision=signed)
    signed.refresh_from_db()
    assert signed.status == S.SIGNED


def test_publishing_seals_the_new_status(make_decision):
    signed = make_decision("signed")
    published = make_decision("public")
    assert integrity.check_seal(signed).ok and integrity.check_seal(published).ok
    assert published.hashed_at >= published.signed_at
    history = list(published.history.order_by("history_date").values_list("content_hash", "status"))
    seals = {status: seal for seal, status in history if seal}
    assert seals[S.SIGNED] != seals[S.PUBLISHED]


# --- Keys ------------------------------------------------------------------------------------


def test_a_seal_made_with_another_key_is_detected(make_decision, settings):
    settings.DECISION_SEAL_KEYS = KEY_1
    decision = make_decision("public")
    _verify()
    settings.DECISION_SEAL_KEYS = "v1:" + "2e" * 32  # same version name, different key
    assert f"{decision.reference}: content or status differs" in _verify_fails()
    settings.DECISION_SEAL_KEYS = KEY_2
    assert "sealed with key v1, which is not in DECISION_SEAL_KEYS" in _verify_fails()


def test_verify_reports_the_key_version_of_each_record(make_decision, settings):
    settings.DECISION_SEAL_KEYS = KEY_1
    first = make_decision("public", title="First")
    settings.DECISION_SEAL_KEYS = f"{KEY_2},{KEY_1}"
    second = make_decision("public", title="Second")
    out, _err = _verify("--verbosity", "2")
    assert f"{first.reference}: key v1, ok" in out and f"{second.reference}: key v2, ok" in out
    assert "Sealed with key v1: 1; key v2: 1." in out


def test_rotation_reseals_with_the_new_key(make_decision, settings):
    settings.DECISION_SEAL_KEYS = KEY_1
    decisions = [make_decision("public"), make_decision("signed")]
    settings.DECISION_SEAL_KEYS = f"{KEY_2},{KEY_1}"
    out, _err = _reseal()
    assert "2 record(s) resealed with key v2" in out
    settings.DECISION_SEAL_KEYS = KEY_2  # the old key is removed
    out, _err = _verify()
    assert "Sealed with key v2: 2." in out
    for decision in decisions:
        decision.refresh_from_db()
        assert decision.seal_key_version == "v2"
        assert decision.history.first().history_change_reason == "Resealed with key v2 (was key v1)"
    out, _err = _reseal()
    assert "0 record(s) resealed with key v2; 2 already sealed with it." in out


def test_rotation_refuses_a_record_that_fails_its_old_key(make_decision, settings):
    settings.DECISION_SEAL_KEYS = KEY_1
    good, bad = make_decision("public"), make_decision("public")
    Decision.objects.filter(pk=bad.pk).update(title="Tampered")
    settings.DECISION_SEAL_KEYS = f"{KEY_2},{KEY_1}"
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 record\\(s\\) refused"):
        call_command("reseal_decisions", stdout=io.StringIO(), stderr=err)
    assert f"REFUSED {bad.reference}: content or status differs" in err.getvalue()
    good.refresh_from_db(), bad.refresh_from_db()
    assert good.seal_key_version == "v2" and bad.seal_key_version == "v1"


def test_dry_run_changes_nothing(make_decision, settings):
    settings.DECISION_SEAL_KEYS = KEY_1
    decision = make_decision("public")
    settings.DECISION_SEAL_KEYS = f"{KEY_2},{KEY_1}"
    out, _err = _reseal("--dry-run")
    assert "1 record(s) would be resealed" in out
    decision.refresh_from_db()
    assert decision.seal_key_version == "v1"


# --- Records sealed before keyed seals --------------------------------------------------------


def _make_legacy(decision: Decision) -> None:
    """What the database held before this change: the plain SHA-256, no key version."""
    Decision.objects.filter(pk=decision.pk).update(
        content_hash=integrity.legacy_hash(decision), seal_key_version=integrity.LEGACY
    )


def test_legacy_records_are_not_trusted_until_resealed(partly, client_for, wpcc4_0028):
    _make_legacy(partly)
    _make_legacy(wpcc4_0028)
    err = _verify_fails()
    assert f"LEGACY {partly.reference}: sealed with an unkeyed SHA-256" in err
    assert client_for(None).get(partly.get_public_url()).status_code == 404
    out, _err = _reseal()
    assert "2 record(s) resealed" in out and "legacy SHA-256 (no key) → key" in out
    out, _err = _verify()
    assert "All 2 sealed decision record(s) match" in out
    assert client_for(None).get(partly.get_public_url()).status_code == 200


def test_legacy_reseal_first_checks_the_old_hash(partly, make_decision):
    untouched = make_decision("public", title="Untouched")
    _make_legacy(partly)
    _make_legacy(untouched)
    # Un-withheld after the legacy hash was taken: the old hash no longer matches.
    SupportingSection.objects.filter(decision=partly, position=5).update(withheld=False)
    err = io.StringIO()
    with pytest.raises(CommandError, match="refused"):
        call_command("reseal_decisions", stdout=io.StringIO(), stderr=err)
    assert f"REFUSED {partly.reference}: sealed with an unkeyed SHA-256" in err.getvalue()
    partly.refresh_from_db(), untouched.refresh_from_db()
    assert partly.seal_key_version == integrity.LEGACY  # not laundered
    assert untouched.seal_key_version == integrity.current_key_version()


# --- The key setting -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "lists no key"),
        ("no-colon", "VERSION:KEY"),
        ("v1:abcd", "at least 32 random bytes"),
        ("v1:" + "ab" * 32 + ",v1:" + "cd" * 32, "version v1 is given twice"),
        ("v 1:" + "ab" * 32, "VERSION:KEY"),
        ("v1:not base64 at all!!", "at least 32 random bytes"),
    ],
)
def test_bad_key_settings_are_refused(text, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        integrity.parse_seal_keys(text)


def test_the_seal_key_must_differ_from_secret_key():
    secret = "ab" * 32
    with pytest.raises(ImproperlyConfigured, match="must not reuse SECRET_KEY"):
        integrity.parse_seal_keys(f"v1:{secret}", secret_key=secret)


def test_the_development_key_is_refused_in_production():
    with pytest.raises(ImproperlyConfigured, match="development key"):
        integrity.parse_seal_keys(integrity.DEVELOPMENT_SEAL_KEYS, production=True)
    assert integrity.parse_seal_keys(KEY_2 + "," + KEY_1).keys() == {"v2", "v1"}


def _start(**env) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DECISION_SEAL_KEYS", "SITE_URL"}
    }
    return subprocess.run(  # our own interpreter and settings
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "prevent_compliance.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


PRODUCTION = {
    "DEBUG": "off",
    "SECRET_KEY": "Kq8" + "x7Lm2pZ9" * 7,
    "ALLOWED_HOSTS": "opcc.example",
    "DECISION_SEAL_KEYS": KEY_1,
    "SITE_URL": "https://opcc.example",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"DECISION_SEAL_KEYS": ""}, "DECISION_SEAL_KEYS must be set when DEBUG is off"),
        ({"SITE_URL": ""}, "SITE_URL must be set when DEBUG is off"),
        ({"DECISION_SEAL_KEYS": "v1:short"}, "DECISION_SEAL_KEYS: the key of version v1"),
        ({"SITE_URL": "opcc.example"}, "SITE_URL must be an address"),
    ],
)
def test_production_refuses_to_start_without_a_seal_key_or_site_url(change, message):
    result = _start(**{**PRODUCTION, **change})
    assert result.returncode != 0 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_production_starts_with_both():
    result = _start(**PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout
