"""The record holds what real logs hold (issue 12 item 1 and 6, issue 13 item 7)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from decisions import integrity, notices, services
from decisions.forms import DecisionForm
from decisions.models import (
    EXEMPTION_KINDS,
    Appendix,
    Decision,
    ExemptionKind,
    FoiExemption,
)
from tests.conftest import PASSWORD

from .helpers import MARKER
from .records import imported

S = Decision.Status
pytestmark = pytest.mark.django_db


# --- FOI exemptions ---------------------------------------------------------------------------


def test_every_exemption_of_part_ii_is_listed_with_its_kind():
    sections = [f"s{n}" for n in range(21, 45) if n != 25] + ["s22A"]
    assert set(sections) <= set(FoiExemption.values)
    absolute = {c for c, k in EXEMPTION_KINDS.items() if k == ExemptionKind.ABSOLUTE}
    in_part = {c for c, k in EXEMPTION_KINDS.items() if k == ExemptionKind.ABSOLUTE_IN_PART}
    # Section 2(3) of the Act: s36 only for the Houses of Parliament, s40 only in part.
    assert absolute == {"s21", "s23", "s32", "s34", "s41", "s44"}
    assert in_part == {"s36", "s40"}
    qualified = set(sections) - absolute - in_part
    assert all(EXEMPTION_KINDS[c] == ExemptionKind.QUALIFIED for c in qualified)
    assert {"s22A", "s30", "s42", "s43"} <= qualified


def test_exemption_not_stated_only_for_imported_records(make_decision, personas):
    decision = make_decision("draft")
    with pytest.raises(ValidationError) as caught:
        services.decision_update(
            actor=personas["officer"],
            decision=decision,
            confidentiality=Decision.Confidentiality.CONFIDENTIAL,
            foi_exemptions=[FoiExemption.NOT_STATED],
        )
    assert "only for records imported" in str(caught.value)
    record = imported(
        confidentiality=Decision.Confidentiality.CONFIDENTIAL,
        foi_exemptions=[FoiExemption.NOT_STATED],
        status=S.WITHHELD,
    )
    assert "does not name the exemption" in record.withheld_statement()
    with pytest.raises(ValidationError):
        record.foi_exemptions = [FoiExemption.NOT_STATED, "s31"]
        record.full_clean()


def test_the_form_offers_only_named_exemptions_and_marks_their_kind(toolkit):
    form = DecisionForm()
    codes = [c.value for c in form.fields["exemptions_confidential"].choices]
    assert "not_stated" not in codes and "other" not in codes and "s44" in codes
    html = str(form.helper.layout.fields)  # built; rendered below in the view test
    assert html


# --- New fields: decision maker, forum, value, publication date -----------------------------


def test_new_fields_are_kept_and_printed(make_decision, personas, client_for):
    decision = make_decision(
        "draft",
        decision_maker=Decision.DecisionMaker.PCC_AND_CHIEF_CONSTABLE,
        decision_maker_name="Philip Seccombe",
        forum="Accountability Board",
        forum_date=date(2025, 4, 28),
        financial_value=Decimal("125000.50"),
    )
    assert decision.decision_maker_line() == (
        "PCC jointly with the Chief Constable (Philip Seccombe)"
    )
    page = client_for(personas["auditor"]).get(decision.get_absolute_url()).text
    assert "PCC jointly with the Chief Constable (Philip Seccombe)" in page
    assert "Accountability Board, 28 April 2025" in page
    assert "£125,000.50" in page


@pytest.mark.parametrize(
    ("value", "ok"),
    [("0", True), ("0.00", True), ("-0.01", False), ("9999999999.99", True), ("1e10", False)],
)
def test_financial_value_boundaries_in_the_form(toolkit, value, ok):
    data = {
        "title": "T",
        "lead_officer": "L",
        "chief_officer_approval": "not_required",
        "confidentiality": "non-confidential",
        "summary": "S",
        "decision_date_0": "1",
        "decision_date_1": "5",
        "decision_date_2": "2025",
        "financial_value": value,
    }
    form = DecisionForm(data)
    assert form.is_valid() is ok, form.errors


def test_the_database_refuses_a_negative_value(make_decision):
    decision = make_decision("draft")
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).update(financial_value=Decimal("-1"))


def test_published_on_is_set_once_by_the_first_publication(make_decision, personas):
    decision = make_decision("signed")
    assert decision.published_on is None
    services.decision_publish(actor=personas["officer"], decision=decision)
    decision.refresh_from_db()
    assert decision.published_on == timezone.localdate()
    assert integrity.check_seal(decision).ok


def test_an_earlier_publication_date_is_never_changed(make_decision, personas):
    decision = make_decision("awaiting_signature")
    Decision.objects.filter(pk=decision.pk).update(published_on=date(2020, 1, 2))
    decision.refresh_from_db()
    services.decision_sign(
        actor=personas["commissioner"],
        decision=decision,
        declaration_confirmed=True,
        password=PASSWORD,
    )
    services.decision_publish(actor=personas["officer"], decision=decision)
    decision.refresh_from_db()
    assert decision.published_on == date(2020, 1, 2)
    assert decision.publication_date == date(2020, 1, 2)


def test_publication_date_of_older_records_comes_from_published_at(make_decision):
    decision = make_decision("public")
    Decision.objects.filter(pk=decision.pk).update(published_on=None)
    decision.refresh_from_db()
    assert decision.publication_date == timezone.localdate(decision.published_at)


# --- Not published, withdrawn, deferred: reason and date -------------------------------------


def test_not_published_is_sealed_listed_with_reason_and_date_and_shows_no_content(
    make_decision, personas, client_for
):
    decision = make_decision("signed", summary=f"Contract terms {MARKER}")
    with pytest.raises(ValidationError):
        services.decision_not_publish(actor=personas["officer"], decision=decision, reason=" ")
    services.decision_not_publish(
        actor=personas["officer"], decision=decision, reason="Commercially sensitive"
    )
    decision.refresh_from_db()
    assert decision.status == S.NOT_PUBLISHED and decision.is_sealed
    assert integrity.check_seal(decision).ok
    assert decision.public_status_line == (
        "Not published",
        "Commercially sensitive",
        timezone.localdate(),
    )
    assert Decision.objects.public().filter(pk=decision.pk).exists()
    notice = notices.public_notice(decision)
    assert notice.summary == "" and notice.status_line[1] == "Commercially sensitive"
    page = client_for(None).get(decision.get_public_url())
    assert page.status_code == 200 and MARKER not in page.text
    # the reason is sealed: an edit in the database takes the record off the log
    Decision.objects.filter(pk=decision.pk).update(status_note="Changed")
    decision.refresh_from_db()
    assert not integrity.check_seal(decision).ok


def test_only_the_officer_records_not_published(make_decision, personas):
    decision = make_decision("signed")
    with pytest.raises(services.PermissionDenied):
        services.decision_not_publish(
            actor=personas["chief_executive"], decision=decision, reason="x"
        )


def test_withdrawn_and_deferred_keep_their_date(make_decision, personas):
    withdrawn = services.decision_withdraw(
        actor=personas["officer"], decision=make_decision("draft"), reason="No longer needed"
    )
    assert withdrawn.status_date == timezone.localdate()
    assert withdrawn.public_status_line[0] == "Withdrawn"
    assert not Decision.objects.public().filter(pk=withdrawn.pk).exists()  # never signed


def test_imported_withdrawn_record_is_listed_and_cannot_be_resumed(personas):
    record = imported(
        status=S.DEFERRED,
        status_note="Awaiting the Panel's view",
        status_date=date(2014, 3, 1),
    )
    assert Decision.objects.public().filter(pk=record.pk).exists()
    assert record.public_status_line == ("Deferred", "Awaiting the Panel's view", date(2014, 3, 1))
    assert services.available_transitions(personas["officer"], record) == []
    with pytest.raises(services.InvalidTransition):
        services.decision_resume(actor=personas["officer"], decision=record)
    with pytest.raises(services.InvalidTransition):
        services.decision_withdraw(actor=personas["officer"], decision=record, reason="x")


def test_a_workflow_withdrawn_record_can_never_carry_a_seal(make_decision):
    decision = make_decision("draft")
    Decision.objects.filter(pk=decision.pk).update(status=S.WITHDRAWN)
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).update(content_hash="a" * 64)


# --- Seal ------------------------------------------------------------------------------------


def test_records_without_the_new_fields_seal_as_before(wpcc4_0028):
    payload = integrity.sealed_payload(wpcc4_0028)
    for key in ("decision_maker", "forum", "financial_value", "register", "status_note"):
        assert key not in payload
    assert integrity.check_seal(wpcc4_0028).ok


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("forum", "Another board"),
        ("decision_maker", "deputy_pcc"),
        ("financial_value", Decimal("1.00")),
        ("chief_officer_approval_text", "PCC alone"),
        ("register", "2013-14"),
    ],
)
def test_the_seal_covers_the_new_fields(field, value):
    record = imported(
        forum="Accountability Board",
        decision_maker="pcc",
        financial_value=Decimal("2.00"),
        chief_officer_approval=Decision.ChiefOfficerApproval.AS_PUBLISHED,
        chief_officer_approval_text="PCC & CC",
    )
    Decision.objects.filter(pk=record.pk).update(**{field: value})
    record.refresh_from_db()
    assert not integrity.check_seal(record).ok


# --- Chief officer approval as published -----------------------------------------------------


def test_chief_officer_approval_kept_verbatim_for_imports(client_for, personas):
    record = imported(
        chief_officer_approval=Decision.ChiefOfficerApproval.AS_PUBLISHED,
        chief_officer_approval_text="PCC & CC",
    )
    assert record.chief_officer_approval_line() == "PCC & CC"
    page = client_for(personas["auditor"]).get(record.get_absolute_url()).text
    assert "PCC &amp; CC" in page


def test_as_published_needs_the_words_and_an_import(make_decision, personas):
    with pytest.raises(ValidationError):
        imported(chief_officer_approval=Decision.ChiefOfficerApproval.AS_PUBLISHED)
    decision = make_decision("draft")
    with pytest.raises(ValidationError):
        services.decision_update(
            actor=personas["officer"],
            decision=decision,
            chief_officer_approval=Decision.ChiefOfficerApproval.NOT_STATED,
        )


# --- Decision date and signature (issue 13 item 7) -------------------------------------------


def test_decision_date_after_signature_refused_by_the_database(wpcc4_0028):
    later = wpcc4_0028.signed_on + timedelta(days=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=wpcc4_0028.pk).update(decision_date=later)
    Decision.objects.filter(pk=wpcc4_0028.pk).update(decision_date=wpcc4_0028.signed_on)


def test_decision_date_after_signature_refused_by_validation():
    with pytest.raises(ValidationError) as caught:
        imported(decision_date=date(2013, 5, 3), signatory_name="A", signed_on=date(2013, 5, 2))
    assert "decision_date" in caught.value.message_dict


def test_a_decision_dated_after_today_cannot_be_signed(make_decision, personas, client_for):
    today = timezone.localdate()
    decision = make_decision("awaiting_signature", decision_date=today + timedelta(days=1))
    with pytest.raises(services.InvalidTransition):
        services.decision_sign(
            actor=personas["commissioner"],
            decision=decision,
            declaration_confirmed=True,
            password=PASSWORD,
        )
    client = client_for(personas["commissioner"])
    response = client.get(reverse("decisions:sign", args=[decision.url_key]), follow=True)
    assert "cannot be signed before its date" in response.text
    same_day = make_decision("awaiting_signature", decision_date=today)
    services.decision_sign(
        actor=personas["commissioner"],
        decision=same_day,
        declaration_confirmed=True,
        password=PASSWORD,
    )
    same_day.refresh_from_db()
    assert same_day.status == S.SIGNED


def test_the_signature_is_the_signing_accounts_own_name(make_decision, personas, client_for):
    commissioner = personas["commissioner"]
    commissioner.first_name, commissioner.last_name = "Philip", "Seccombe"
    commissioner.save()
    decision = make_decision("awaiting_signature")
    client = client_for(commissioner)
    url = reverse("decisions:sign", args=[decision.url_key])
    page = client.get(url).text
    assert "You sign as" in page and "Philip Seccombe" in page
    assert 'name="signatory_name"' not in page
    client.post(
        url,
        {
            "declaration": "on",
            "signatory_name": "Somebody Else",
            "password": PASSWORD,
            "confirm": "yes",
        },
    )
    decision.refresh_from_db()
    assert decision.status == S.SIGNED and decision.signatory_name == "Philip Seccombe"


def test_an_account_without_a_name_signs_with_its_username(make_decision, personas):
    commissioner = personas["commissioner"]
    commissioner.first_name = commissioner.last_name = ""
    commissioner.save()
    decision = make_decision("awaiting_signature")
    signed = services.decision_sign(
        actor=commissioner, decision=decision, declaration_confirmed=True, password=PASSWORD
    )
    assert signed.signatory_name == commissioner.get_username() == "commissioner"


# --- What an imported original never had (item 6) and its workflow panel ---------------------


def test_imported_record_shows_only_the_parts_its_original_had(client_for, personas):
    record = imported(
        signatory_name="Ron Ball",
        signed_on=date(2013, 5, 3),
        sections=[("Background", "Why the estate changes.", False)],
    )
    assert not record.has_section("treasurer_comments")
    assert record.has_section("signature")
    staff = client_for(personas["auditor"]).get(record.get_absolute_url()).text
    assert "Comments from the Treasurer" not in staff and "None recorded" not in staff
    assert "Imported: signed on 3 May 2013 by Ron Ball." in staff
    assert "Not given in this round" not in staff and "awaiting" not in staff.lower()
    public = client_for(None).get(record.get_public_url()).text
    assert "Comments from the Treasurer" not in public
    pdf_notice = notices.public_notice(record)
    assert pdf_notice.has["treasurer_comments"] is False
    assert b"%PDF" in notices.notice_pdf(pdf_notice)[:8]


def test_original_parts_list_overrides_what_has_content():
    record = imported(original_parts=["summary", "treasurer_comments"])
    assert record.has_section("treasurer_comments")  # the original had it, empty
    assert not record.has_section("lead_officer")


def test_workflow_records_keep_every_line(make_decision, personas, client_for):
    decision = make_decision("draft")
    page = client_for(personas["officer"]).get(decision.get_absolute_url()).text
    assert "Comments from the Treasurer" in page and "None recorded" in page
    assert decision.workflow_panel == ""


def test_imported_record_without_signature_says_so():
    record = imported()
    assert record.workflow_panel == "Imported: the original record gives no signature date."


# --- Original documents: a file or a link ----------------------------------------------------


def _appendix(decision, **fields):
    values = {"decision": decision, "position": 1, "title": "Original notice"}
    values.update(fields)
    return Appendix.objects.create(**values)


def test_an_appendix_is_a_file_or_a_link_never_both_nor_neither():
    record = imported()
    with pytest.raises(IntegrityError), transaction.atomic():
        _appendix(record)
    with pytest.raises(IntegrityError), transaction.atomic():
        _appendix(record, url="https://example.org/a.pdf", file="appendices/x.pdf")
    _appendix(record, url="https://example.org/a.pdf", is_original_notice=True)


def test_one_original_notice_per_record():
    record = imported()
    _appendix(record, url="https://example.org/a.pdf", is_original_notice=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        _appendix(record, position=2, url="https://example.org/b.pdf", is_original_notice=True)


def test_the_original_notice_is_offered_clearly_labelled(client_for, personas):
    record = imported()
    _appendix(record, url="https://example.org/notice-001.pdf", is_original_notice=True)
    _appendix(record, position=2, title="Site plan", url="https://example.org/plan.pdf")
    integrity.seal(record, at=timezone.now())  # sealed with its appendices, as an import does
    record.save()
    staff = client_for(personas["auditor"]).get(record.get_absolute_url()).text
    assert "The original decision notice, as published" in staff
    assert 'href="https://example.org/notice-001.pdf"' in staff
    assert "Appendix 2: Site plan" in staff
    notice = notices.public_notice(Decision.objects.get(pk=record.pk))
    assert notice.original_notice.link == "https://example.org/notice-001.pdf"
    # the link is sealed: re-pointing it breaks the seal
    Appendix.objects.filter(decision=record, position=1).update(url="https://evil.example/")
    assert not integrity.check_seal(Decision.objects.get(pk=record.pk)).ok


# --- The form: conditional radios, checked on the server whatever is posted -----------------


def _form_data(**extra):
    data = {
        "title": "T",
        "lead_officer": "L",
        "chief_officer_approval": "not_required",
        "confidentiality": "non-confidential",
        "summary": "S",
        "decision_date_0": "1",
        "decision_date_1": "5",
        "decision_date_2": "2025",
    }
    data.update(extra)
    return data


def test_the_create_page_reveals_fields_only_for_the_answers_that_need_them(
    personas, client_for, toolkit
):
    page = client_for(personas["officer"]).get(reverse("decisions:create")).text
    # GOV.UK Frontend 5: the script reads data-aria-controls; nothing to reveal, no attribute
    assert page.count("data-aria-controls=") == 3
    assert 'id="conditional-chief_officer_approval-0"' in page
    assert 'id="conditional-confidentiality-1"' in page  # partly confidential
    assert 'id="conditional-confidentiality-2"' in page  # confidential
    assert page.count('name="exemptions_partly"') == page.count('name="exemptions_confidential"')
    assert "Qualified exemption" in page and "Absolute exemption." in page


def test_answers_of_a_choice_not_taken_are_ignored(toolkit):
    form = DecisionForm(
        _form_data(
            exemptions_confidential=["s31"],
            exemptions_partly=["s40"],
            withheld_parts="Section 5",
            chief_officer_approver="Chief Constable",
        )
    )
    assert form.is_valid(), form.errors
    values = form.service_values()
    assert values["foi_exemptions"] == [] and values["withheld_parts"] == ""
    assert values["chief_officer_approver"] == "" and values["chief_officer_approved_on"] is None


def test_the_exemptions_of_the_chosen_status_are_kept(toolkit):
    form = DecisionForm(
        _form_data(
            confidentiality="partly-confidential",
            exemptions_confidential=["s31"],
            exemptions_partly=["s40", "s43"],
            withheld_parts="Section 5",
        )
    )
    assert form.is_valid(), form.errors
    assert form.service_values()["foi_exemptions"] == ["s40", "s43"]


def test_a_confidential_record_without_an_exemption_is_an_error_beside_its_checkboxes(toolkit):
    form = DecisionForm(_form_data(confidentiality="confidential", exemptions_partly=["s40"]))
    assert not form.is_valid()
    assert "exemptions_confidential" in form.errors


def test_required_approval_needs_who_and_when_in_the_form(toolkit):
    form = DecisionForm(_form_data(chief_officer_approval="required"))
    assert not form.is_valid()
    assert {"chief_officer_approver", "chief_officer_approved_on"} <= set(form.errors)


def test_the_form_refuses_the_import_only_approval_answers(toolkit):
    for value in ("as_published", "not_stated"):
        form = DecisionForm(_form_data(chief_officer_approval=value))
        assert not form.is_valid() and "chief_officer_approval" in form.errors


def test_an_edit_shows_the_saved_exemptions_under_their_status(make_decision, toolkit):
    decision = make_decision(
        "draft",
        confidentiality=Decision.Confidentiality.CONFIDENTIAL,
        foi_exemptions=["s24", "s31"],
    )
    form = DecisionForm(instance=decision)
    assert form.initial["exemptions_confidential"] == ["s24", "s31"]


def test_the_notice_pdf_prints_the_new_fields_and_only_the_parts_the_record_has(
    client_for, personas
):
    import io

    from pypdf import PdfReader

    record = imported(
        decision_maker=Decision.DecisionMaker.OFFICER_DELEGATED,
        decision_maker_name="Head of Estates",
        forum="Accountability Board",
        forum_date=date(2013, 4, 25),
        financial_value=Decimal("48000"),
        published_on=date(2013, 5, 10),
        chief_officer_approval=Decision.ChiefOfficerApproval.AS_PUBLISHED,
        chief_officer_approval_text="PCC & CC",
    )
    response = client_for(None).get(reverse("decisions:public_pdf", args=[record.url_key]))
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for line in (
        "Decision maker: Officer under delegated authority (Head of Estates)",
        "Approving forum: Accountability Board, 25 April 2013",
        "Financial value: £48,000",
        "Chief Officer approval: PCC & CC",
        "First published: 10 May 2013",
    ):
        assert line in text, line
    for absent in ("Comments from the Treasurer", "Lead Officer", "Signature:"):
        assert absent not in text
