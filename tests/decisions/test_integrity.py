"""verify_decisions: check every seal and report tampering with a non-zero exit."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from decisions import services
from decisions.integrity import current_key_version
from decisions.models import Decision, SupportingSection

from .helpers import advance, complete_sections, make_draft, pdf_upload


def _verify() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_decisions", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_untouched_records_verify(make_decision, wpcc4_0028):
    make_decision("public")
    make_decision("draft")  # unsigned drafts have no hash to check
    out, _err = _verify()
    assert "All 2 sealed decision record(s) match" in out


def test_direct_edit_of_the_summary_is_detected(make_decision, wpcc4_0028):
    decision = make_decision("public")
    Decision.objects.filter(pk=decision.pk).update(summary="Quietly changed.")
    with pytest.raises(CommandError, match="1 problem"):
        _verify()


def test_raw_sql_edit_of_a_section_is_detected(wpcc4_0028):
    section = wpcc4_0028.supporting_sections.get(position=5)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {SupportingSection._meta.db_table} SET body = %s WHERE id = %s",  # noqa: S608
            ["Costs: none at all.", section.pk],
        )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_decisions", stdout=io.StringIO(), stderr=err)
    assert "WPCC4-0028: content or status differs from what was sealed" in err.getvalue()


def test_removed_section_and_changed_signature_are_detected(wpcc4_0028, make_decision):
    SupportingSection.objects.filter(decision=wpcc4_0028, position=9).delete()
    other = make_decision("signed")
    Decision.objects.filter(pk=other.pk).update(signatory_name="Someone else")
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("verify_decisions", stdout=io.StringIO(), stderr=err)
    assert wpcc4_0028.reference in err.getvalue() and other.reference in err.getvalue()


def test_replaced_appendix_file_is_detected(personas, toolkit):
    decision = make_draft(personas)
    complete_sections(decision, actor=personas["officer"])
    upload, info = pdf_upload()
    appendix = services.appendix_add(
        actor=personas["officer"], decision=decision, title="SOP", upload=upload, upload_info=info
    )
    advance(decision, personas, "public")
    _verify()
    with appendix.file.storage.open(appendix.file.name, "wb") as handle:
        handle.write(b"%PDF-1.4 replaced")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_decisions", stdout=io.StringIO(), stderr=err)
    assert "appendix “SOP” file has changed" in err.getvalue()


def test_publishing_seals_again_and_still_verifies(make_decision):
    signed = make_decision("signed")
    published = make_decision("public")
    assert signed.content_hash and published.content_hash
    version = current_key_version()
    assert signed.seal_key_version == published.seal_key_version == version
    out, _err = _verify()
    assert "All 2 sealed decision record(s) match their seals." in out
    assert f"Sealed with key {version}: 2." in out


def test_direct_status_edit_is_detected(make_decision):
    """Status is sealed: a signed record set to published in the database fails."""
    decision = make_decision("signed")
    Decision.objects.filter(pk=decision.pk).update(status=Decision.Status.PUBLISHED)
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_decisions", stdout=io.StringIO(), stderr=err)
    assert f"{decision.reference}: content or status differs" in err.getvalue()


def test_a_recomputed_plain_sha256_does_not_pass(wpcc4_0028):
    """Anyone can compute an unkeyed hash: it no longer counts as a seal."""
    from decisions.integrity import legacy_hash

    wpcc4_0028.supporting_sections.filter(position=5).update(body="Costs: none.")
    Decision.objects.filter(pk=wpcc4_0028.pk).update(content_hash=legacy_hash(wpcc4_0028))
    with pytest.raises(CommandError, match="1 problem"):
        _verify()
