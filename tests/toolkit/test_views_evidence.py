"""Evidence pages: list, detail, create, edit and the permission-checked download."""

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.prevent_compliance.samples import CSV, pdf_bytes, upload
from tests.toolkit.helpers import error_summary, evidence_post, stored_files
from toolkit.models import Evidence

CREATE_URL = reverse("toolkit:evidence_create")


def _detail_url(evidence):
    return reverse("toolkit:evidence_detail", kwargs={"public_id": evidence.public_id})


def _edit_url(evidence):
    return reverse("toolkit:evidence_edit", kwargs={"public_id": evidence.public_id})


def _download_url(evidence):
    return reverse("toolkit:evidence_download", kwargs={"public_id": evidence.public_id})


# --- Create ---------------------------------------------------------------------------------


def test_officer_adds_evidence_with_a_file(client_for, officer, section, today):
    content = pdf_bytes("Terms of reference")
    criterion = section.criteria.get(number=2)
    data = evidence_post(
        sections=[section],
        today=today,
        criteria=[criterion.pk],
        upload=upload("Board terms of reference.pdf", content),
    )

    response = client_for(officer).post(CREATE_URL, data)

    evidence = Evidence.objects.get()
    assert response.status_code == 302
    assert response.url == _detail_url(evidence)
    assert evidence.original_filename == "Board terms of reference.pdf"
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.file_size == len(content)
    assert evidence.content_type == "application/pdf"
    assert evidence.url == ""
    assert evidence.added_by == officer
    assert list(evidence.sections.all()) == [section]
    assert list(evidence.criteria.all()) == [criterion]

    # Stored under a random name inside MEDIA_ROOT, never under the name the user chose.
    stored = Path(evidence.file.path)
    assert stored_files() == [stored]
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT))
    assert re.fullmatch(r"evidence/\d{4}/[0-9a-f]{32}\.pdf", evidence.file.name)
    assert "terms" not in evidence.file.name.lower()
    assert stored.read_bytes() == content

    # simple-history adds a row for each set of links; every row names the officer and reason.
    rows = set(evidence.history.values_list("history_user", "history_change_reason"))
    assert rows == {(officer.pk, "Evidence added")}


def test_officer_adds_evidence_as_a_web_address(client_for, officer, section, today):
    data = evidence_post(sections=[section], today=today, url="https://example.org/prevent")

    response = client_for(officer).post(CREATE_URL, data)

    evidence = Evidence.objects.get()
    assert response.status_code == 302
    assert evidence.url == "https://example.org/prevent"
    assert not evidence.file
    assert evidence.sha256 == ""
    assert evidence.file_size is None
    assert stored_files() == []


def test_evidence_form_page_shows_the_allowed_types_and_size(client_for, officer, period):
    response = client_for(officer).get(CREATE_URL)
    content = response.content.decode()
    assert response.status_code == 200
    assert "<title>Add evidence" in content
    assert (
        "PDF, DOCX, XLSX, PPTX, ODT, ODS, CSV, TXT, PNG, JPEG, EML or MSG, up to 25 MB" in content
    )


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        (
            {"url": "https://example.org/also", "upload": "file"},
            "Give either a file or a web address, not both",
        ),
        ({}, "Choose a file or give a web address"),
        ({"url": "not a web address"}, "Enter a web address in the correct format"),
        ({"url": "https://example.org", "title": ""}, "Enter a title for the evidence"),
        ({"url": "https://example.org", "sections": []}, "Select at least one section"),
    ],
    ids=["file-and-url", "neither", "bad-url", "no-title", "no-section"],
)
def test_invalid_evidence_is_refused_with_a_message(
    client_for, officer, section, today, overrides, field_message
):
    if overrides.get("upload") == "file":
        overrides["upload"] = upload("minutes.pdf", pdf_bytes())
    data = evidence_post(sections=[section], today=today)
    data.update(overrides)

    response = client_for(officer).post(CREATE_URL, data)

    assert response.status_code == 200
    assert field_message in error_summary(response)
    assert "<title>Error: Add evidence" in response.content.decode()
    assert Evidence.objects.count() == 0
    assert stored_files() == []


def test_empty_submission_shows_what_is_missing(client_for, officer, period):
    response = client_for(officer).post(CREATE_URL, {})
    assert response.status_code == 200
    summary = error_summary(response)
    for message in (
        "Enter a title for the evidence",
        "Select what kind of evidence this is",
        "Choose a file or give a web address",
        "Enter the effective date",
        "Select at least one section",
    ):
        assert message in summary
    assert Evidence.objects.count() == 0


def test_review_by_before_effective_date_is_refused(client_for, officer, section, today):
    data = evidence_post(
        sections=[section],
        today=today,
        url="https://example.org",
        effective_date=today,
        review_by=today - timedelta(days=1),
    )
    response = client_for(officer).post(CREATE_URL, data)
    assert response.status_code == 200
    assert "The review-by date must be on or after the effective date" in error_summary(response)
    assert Evidence.objects.count() == 0


def test_review_by_on_the_effective_date_is_accepted(client_for, officer, section, today):
    data = evidence_post(
        sections=[section], today=today, url="https://example.org", effective_date=today
    )
    data.update({"review_by_0": today.day, "review_by_1": today.month, "review_by_2": today.year})
    response = client_for(officer).post(CREATE_URL, data)
    assert response.status_code == 302
    assert Evidence.objects.get().review_by == today


def test_criterion_outside_the_chosen_sections_is_refused(
    client_for, officer, section, other_section, today
):
    stray = other_section.criteria.first()
    data = evidence_post(
        sections=[section], today=today, url="https://example.org", criteria=[stray.pk]
    )
    response = client_for(officer).post(CREATE_URL, data)
    assert response.status_code == 200
    assert "is not in a section you selected" in error_summary(response)
    assert Evidence.objects.count() == 0


def test_impossible_date_is_refused(client_for, officer, section, today):
    data = evidence_post(sections=[section], today=today, url="https://example.org")
    data.update({"effective_date_0": "31", "effective_date_1": "2", "effective_date_2": "2025"})
    response = client_for(officer).post(CREATE_URL, data)
    assert response.status_code == 200
    assert "Enter a real date" in error_summary(response)
    assert Evidence.objects.count() == 0


def test_evidence_cannot_be_added_before_the_toolkit_is_loaded(client_for, officer):
    assert client_for(officer).get(CREATE_URL).status_code == 404


# --- Detail and list ------------------------------------------------------------------------


def test_detail_shows_the_record_and_who_last_changed_it(client_for, auditor, evidence, today):
    response = client_for(auditor).get(_detail_url(evidence))
    content = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="govuk-heading-l">Partnership board minutes</h1>' in content
    assert "Download board-minutes.pdf" in content
    assert evidence.sha256 in content
    assert f"Last changed by Officer Tester on {today:%-d %B %Y}" in content, "history line missing"
    assert "(Evidence added)" in content


def test_detail_warns_when_review_is_overdue(client_for, officer, make_evidence, today):
    evidence = make_evidence(
        effective_date=today - timedelta(days=400), review_by=today - timedelta(days=1)
    )
    content = client_for(officer).get(_detail_url(evidence)).content.decode()
    assert "This evidence was due for review on" in content


def test_detail_of_link_evidence_links_out_without_download(client_for, officer, link_evidence):
    content = client_for(officer).get(_detail_url(link_evidence)).content.decode()
    assert 'href="https://example.org/p" rel="noopener noreferrer"' in content
    assert _download_url(link_evidence) not in content


def test_evidence_list_is_paginated(client_for, auditor, make_evidence):
    for number in range(27):
        make_evidence(title=f"Minutes {number:02d}", url=f"https://example.org/{number}")
    client = client_for(auditor)

    first = client.get(reverse("toolkit:evidence_list")).content.decode()
    second = client.get(reverse("toolkit:evidence_list"), {"page": 2}).content.decode()

    assert "27 items of evidence" in first
    # The 25 (then 2) rows, and the filters' "Clear filters" link.
    assert first.count('class="govuk-link" href="/evidence/') == 25 + 1
    assert second.count('class="govuk-link" href="/evidence/') == 2 + 1
    assert "Page </span>2 of 2" in second
    assert "<title>Evidence (page 2)" in second


# --- Edit -----------------------------------------------------------------------------------


def test_officer_changes_evidence_details(client_for, officer, evidence, section, today):
    data = evidence_post(
        sections=[section],
        today=today,
        title="Partnership board minutes, June",
        marking="OFFICIAL-SENSITIVE",
    )
    old_file, old_sha = evidence.file.name, evidence.sha256

    response = client_for(officer).post(_edit_url(evidence), data)

    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.title == "Partnership board minutes, June"
    assert evidence.marking == "OFFICIAL-SENSITIVE"
    assert (evidence.file.name, evidence.sha256) == (old_file, old_sha)
    latest = evidence.history.first()
    assert latest.history_change_reason == "Evidence changed"
    assert latest.history_user == officer


def test_replacing_the_file_keeps_the_old_one_for_history(
    client_for, officer, evidence, section, today
):
    old_path = Path(evidence.file.path)
    history = evidence.history.count()
    data = evidence_post(sections=[section], today=today, upload=upload("register.csv", CSV))

    response = client_for(officer).post(_edit_url(evidence), data)

    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.original_filename == "register.csv"
    assert evidence.content_type == "text/csv"
    assert evidence.sha256 == hashlib.sha256(CSV).hexdigest()
    assert evidence.file.name.endswith(".csv")
    assert old_path.exists()
    assert set(stored_files()) == {old_path, Path(evidence.file.path)}
    assert evidence.history.count() == history + 1
    assert evidence.history.first().original_filename == "register.csv"
    assert evidence.history.last().original_filename == "board-minutes.pdf"


def test_switching_from_a_file_to_a_web_address_clears_the_file_details(
    client_for, officer, evidence, section, today
):
    data = evidence_post(sections=[section], today=today, url="https://example.org/minutes")
    response = client_for(officer).post(_edit_url(evidence), data)
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.url == "https://example.org/minutes"
    assert not evidence.file
    assert (evidence.original_filename, evidence.sha256, evidence.file_size) == ("", "", None)


def test_switching_from_a_web_address_to_a_file(client_for, officer, link_evidence, section, today):
    data = evidence_post(
        sections=[section],
        today=today,
        title=link_evidence.title,
        upload=upload("page.pdf", pdf_bytes()),
    )
    response = client_for(officer).post(_edit_url(link_evidence), data)
    assert response.status_code == 302
    link_evidence.refresh_from_db()
    assert link_evidence.url == ""
    assert link_evidence.original_filename == "page.pdf"


def test_saving_unchanged_evidence_writes_no_history(client_for, officer, evidence):
    client = client_for(officer)
    history = evidence.history.count()
    form = client.get(_edit_url(evidence)).context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name in ("effective_date", "review_by"):
            data.update({f"{name}_0": value.day, f"{name}_1": value.month, f"{name}_2": value.year})
        elif name in ("sections", "criteria"):
            data[name] = [obj.pk if hasattr(obj, "pk") else obj for obj in value or []]
        elif value is not None:
            data[name] = value

    response = client.post(_edit_url(evidence), data)

    assert response.status_code == 302
    assert evidence.history.count() == history


def test_edit_refuses_a_criterion_outside_the_sections(
    client_for, officer, evidence, section, other_section, today
):
    history = evidence.history.count()
    data = evidence_post(
        sections=[section], today=today, criteria=[other_section.criteria.first().pk]
    )
    response = client_for(officer).post(_edit_url(evidence), data)
    assert response.status_code == 200
    assert "is not in a section you selected" in error_summary(response)
    evidence.refresh_from_db()
    assert evidence.criteria.count() == 0
    assert evidence.history.count() == history


# --- Download -------------------------------------------------------------------------------


def test_download_sends_the_file_with_its_original_name(client_for, auditor, evidence):
    response = client_for(auditor).get(_download_url(evidence))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == Path(evidence.file.path).read_bytes()
    assert response["Content-Disposition"] == 'attachment; filename="board-minutes.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_download_encodes_a_non_ascii_name_safely(client_for, officer, make_evidence):
    file = upload('Réunion "juin" ; rm -rf.pdf', pdf_bytes())
    from prevent_compliance.uploads import validate_upload

    evidence = make_evidence(upload=file, upload_info=validate_upload(file))

    disposition = client_for(officer).get(_download_url(evidence))["Content-Disposition"]

    assert evidence.original_filename == "Réunion juin ; rm -rf.pdf"
    assert disposition == "attachment; filename*=utf-8''R%C3%A9union%20juin%20%3B%20rm%20-rf.pdf"
    assert "\n" not in disposition and "\r" not in disposition


def test_download_of_link_evidence_is_not_found(client_for, officer, link_evidence):
    assert client_for(officer).get(_download_url(link_evidence)).status_code == 404


def test_download_refused_to_anonymous_and_outsider(client_for, outsider, evidence):
    anonymous = client_for(None).get(_download_url(evidence))
    assert anonymous.status_code == 302
    assert anonymous.url.startswith("/accounts/login/")
    refused = client_for(outsider).get(_download_url(evidence))
    assert refused.status_code == 403
    assert b"%PDF" not in refused.content


def test_stored_files_are_not_served_from_a_media_url(client_for, officer, evidence):
    response = client_for(officer).get(f"/media/{evidence.file.name}")
    assert response.status_code == 404
