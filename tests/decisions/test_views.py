"""Staff pages: the WPCC4-0028 journey through the forms, and every action view's refusals."""

import html
import io
import re

import pytest
from django.urls import reverse

from decisions.models import Decision, ReferenceCounter
from prevent_compliance.devdata.wpcc4_0028 import WPCC4_0028
from prevent_compliance.models import OrganisationProfile, get_organisation
from tests.conftest import PASSWORD
from toolkit.selectors import current_edition_sections

from .helpers import make_draft, pdf_upload

S = Decision.Status
CONFIRM = {"confirm": "yes"}  # what the check page of a step that cannot be undone posts


def _date_fields(name: str, iso: str) -> dict:
    year, month, day = iso.split("-")
    return {f"{name}_0": day, f"{name}_1": month, f"{name}_2": year}


def _post(client, name, decision, data=None, **kwargs):
    return client.post(
        reverse(f"decisions:{name}", kwargs={"reference": decision.reference, **kwargs}),
        data or {},
    )


def test_wpcc4_0028_typed_in_and_taken_through_every_step(personas, toolkit, client_for):
    """The "done when" journey: the real record, through the forms, by the right people."""
    record = WPCC4_0028
    # An officer creates the record. Earlier numbers of this term were used before.
    officer = client_for(personas["officer"])
    ReferenceCounter.objects.create(stem="WPCC4-{seq}", last_number=27)
    data = {
        "title": record["title"],
        "lead_officer": record["lead_officer"],
        "chief_officer_approval": "not_required",
        "confidentiality": "non-confidential",
        "summary": record["summary"],
        # The form offers the sections of the edition in force (the newest: no period is open).
        "toolkit_sections": [s.pk for s in current_edition_sections(None)],
        **_date_fields("decision_date", record["decision_date"]),
    }
    response = officer.post(reverse("decisions:create"), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    decision = Decision.objects.get()
    assert decision.reference == "WPCC4-0028"
    assert response.url == reverse("decisions:sections", kwargs={"reference": "WPCC4-0028"})

    # The nine sections of the reference record, in its words.
    page = officer.get(response.url)
    assert page.status_code == 200
    sections = list(decision.supporting_sections.all())
    form = {"sections-TOTAL_FORMS": 10, "sections-INITIAL_FORMS": 0}
    for i, (section, wanted) in enumerate(zip(sections, record["sections"], strict=True)):
        form.update(
            {
                f"sections-{i}-pk": section.pk,
                f"sections-{i}-heading": wanted["heading"],
                f"sections-{i}-body": wanted["body"],
            }
        )
    response = officer.post(response.url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert [(s.heading, s.body.strip()) for s in decision.supporting_sections.all()] == [
        (s["heading"], s["body"].strip()) for s in record["sections"]
    ]

    assert _post(officer, "submit", decision).status_code == 302
    decision.refresh_from_db()
    assert decision.status == S.CONSULTATION

    treasurer = client_for(personas["treasurer"])
    url = reverse("decisions:comment_treasurer", kwargs={"reference": decision.reference})
    assert treasurer.get(url).status_code == 200
    treasurer.post(url, {"comments": record["treasurer_comments"]})
    chief = client_for(personas["chief_executive"])
    url = reverse("decisions:comment_chief_executive", kwargs={"reference": decision.reference})
    chief.post(url, {"comments": record["chief_executive_comments"]})
    decision.refresh_from_db()
    assert decision.status == S.AWAITING_APPROVAL
    assert _post(chief, "approve", decision, CONFIRM).status_code == 302

    personas["commissioner"].first_name = "P."
    personas["commissioner"].last_name = "Seccombe"
    personas["commissioner"].save()  # the signature is the signing account's own name
    commissioner = client_for(personas["commissioner"])
    url = reverse("decisions:sign", kwargs={"reference": decision.reference})
    page = commissioner.get(url)
    assert "I confirm that my register of interests declaration is up to date" in page.text
    response = commissioner.post(
        url, {"declaration": "on", "signatory_name": "P. Seccombe", "password": PASSWORD, **CONFIRM}
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == S.SIGNED and decision.signatory_name == "P. Seccombe"

    officer = client_for(personas["officer"])
    assert _post(officer, "publish", decision, CONFIRM).status_code == 302
    decision.refresh_from_db()
    assert decision.status == S.PUBLISHED

    public = client_for(None)
    page = public.get(reverse("decisions:public_detail", kwargs={"reference": "WPCC4-0028"}))
    text = _words(page.text)
    for value in (
        "WPCC4-0028 – OPCC Prevent Duty Standards Operating Procedure",
        "Richard Long",
        "Not required",
        "11th October 2024",
        "Non-confidential",
        "P. Seccombe",
        record["summary"],
        record["treasurer_comments"],
        record["chief_executive_comments"],
        "I confirm that my register of interests declaration is up to date and that none of "
        "my interests preclude me from making this decision.",
        *[f"{n}. {s['heading']}" for n, s in enumerate(record["sections"], start=1)],
        *[_words(p) for s in record["sections"] for p in s["body"].split("\n\n")],
    ):
        assert _words(value) in text, value
    pdf = public.get(reverse("decisions:public_pdf", kwargs={"reference": "WPCC4-0028"}))
    assert pdf["Content-Type"] == "application/pdf"


def _words(markup: str) -> str:
    """Visible text with tags removed and whitespace (including no-break spaces) collapsed."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", markup))
    return " ".join(text.split())


# --- Pages and buttons ---------------------------------------------------------------------


def test_list_and_detail_for_every_role(make_decision, personas, client_for):
    decision = make_decision("draft")
    for persona in ("officer", "treasurer", "chief_executive", "commissioner", "auditor"):
        client = client_for(personas[persona])
        assert client.get(reverse("decisions:list")).status_code == 200
        assert client.get(decision.get_absolute_url()).status_code == 200


def test_outsider_is_refused_and_anonymous_sent_to_sign_in(make_decision, personas, client_for):
    decision = make_decision("draft")
    outsider = client_for(personas["outsider"])
    assert outsider.get(reverse("decisions:list")).status_code == 403
    assert outsider.get(decision.get_absolute_url()).status_code == 403
    anonymous = client_for(None)
    for url in (
        reverse("decisions:list"),
        decision.get_absolute_url(),
        reverse("decisions:create"),
    ):
        response = anonymous.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("state", "persona", "expected"),
    [
        ("draft", "officer", {"Submit for consultation", "Withdraw"}),
        ("draft", "chief_executive", set()),
        ("consultation", "treasurer", {"Add the Treasurer's comments"}),
        ("consultation", "chief_executive", {"Add the Chief Executive's comments"}),
        ("consultation", "officer", {"Withdraw"}),
        ("awaiting_approval", "chief_executive", {"Approve for signature", "Return to draft"}),
        ("awaiting_approval", "commissioner", set()),
        ("awaiting_signature", "commissioner", {"Sign decision", "Defer"}),
        ("awaiting_signature", "chief_executive", set()),
        ("signed", "officer", {"Publish", "Record as not published"}),
        ("signed", "auditor", set()),
        ("public", "officer", set()),
    ],
)
def test_page_offers_only_the_permitted_steps(
    make_decision, personas, client_for, state, persona, expected
):
    from decisions.services import TRANSITIONS

    decision = make_decision(state)
    page = html.unescape(client_for(personas[persona]).get(decision.get_absolute_url()).text)
    offered = {t.label for t in TRANSITIONS.values() if f">{t.label}<" in page}
    assert offered == expected


def test_auditor_sees_no_buttons_and_cannot_edit(make_decision, personas, client_for):
    decision = make_decision("draft")
    client = client_for(personas["auditor"])
    page = client.get(decision.get_absolute_url()).text
    assert "Change details and summary" not in page
    assert client.get(reverse("decisions:edit", args=[decision.reference])).status_code == 403
    assert client.post(reverse("decisions:create"), {}).status_code == 403


# --- Action views: happy path, GET refused, anonymous, wrong role, wrong state -------------

POST_STEPS = [
    ("submit", "draft", "officer", {}, S.CONSULTATION),
    ("approve", "awaiting_approval", "chief_executive", CONFIRM, S.AWAITING_SIGNATURE),
    ("publish", "signed", "officer", CONFIRM, S.PUBLISHED),
]
FORM_STEPS = [
    ("comment_treasurer", "consultation", "treasurer", {"comments": "Fine."}, S.CONSULTATION),
    ("return", "awaiting_approval", "chief_executive", {"reason": "More."}, S.DRAFT),
    ("defer", "awaiting_signature", "commissioner", {"reason": "Later."}, S.DEFERRED),
    ("withdraw", "draft", "officer", {"reason": "No longer needed.", **CONFIRM}, S.WITHDRAWN),
    (
        "sign",
        "awaiting_signature",
        "commissioner",
        {"declaration": "on", "signatory_name": "P. Seccombe", "password": PASSWORD, **CONFIRM},
        S.SIGNED,
    ),
]
OTHERS = ["officer", "treasurer", "chief_executive", "commissioner", "auditor", "administrator"]


@pytest.mark.parametrize(("name", "state", "persona", "data", "after"), POST_STEPS + FORM_STEPS)
def test_step_happy_path(make_decision, personas, client_for, name, state, persona, data, after):
    decision = make_decision(state)
    response = _post(client_for(personas[persona]), name, decision, data)
    assert response.status_code == 302 and response.url == decision.get_absolute_url()
    decision.refresh_from_db()
    assert decision.status == after


@pytest.mark.parametrize(("name", "state", "persona"), [("submit", "draft", "officer")])
def test_button_steps_refuse_get(make_decision, personas, client_for, name, state, persona):
    decision = make_decision(state)
    client = client_for(personas[persona])
    url = reverse(f"decisions:{name}", args=[decision.reference])
    assert client.get(url).status_code == 405
    decision.refresh_from_db()
    assert decision.status == state


CHECKED = [
    ("approve", "awaiting_approval", "chief_executive", {}, "Awaiting signature"),
    ("publish", "signed", "officer", {}, "public decision log"),
    ("withdraw", "draft", "officer", {"reason": "No longer needed."}, "cannot be resumed"),
    (
        "sign",
        "awaiting_signature",
        "commissioner",
        {"declaration": "on", "signatory_name": "P. Seccombe", "password": PASSWORD},
        "sealed",
    ),
]


@pytest.mark.parametrize(("name", "state", "persona", "data", "says"), CHECKED)
def test_irreversible_steps_are_checked_first(
    make_decision, personas, client_for, name, state, persona, data, says
):
    """GET shows what will happen and that it cannot be undone; a post without the check
    page's confirm=yes shows the same page and changes nothing."""
    decision = make_decision(state)
    client = client_for(personas[persona])
    url = reverse(f"decisions:{name}", args=[decision.reference])
    for response in (client.get(url), client.post(url, data)):
        assert response.status_code == 200
        page = response.text
        assert "This cannot be undone." in page and says in page
        assert 'data-testid="confirm-summary"' in page
        assert '<input type="hidden" name="confirm" value="yes">' in page
        assert "There is a problem" not in page
    decision.refresh_from_db()
    assert decision.status == state.replace("signed", S.SIGNED)
    response = client.post(url, {**data, **CONFIRM})
    assert response.status_code == 302 and response.url == decision.get_absolute_url()
    decision.refresh_from_db()
    assert decision.status != state.replace("signed", S.SIGNED)


def test_confidential_record_is_checked_before_it_is_listed_as_withheld(
    make_decision, personas, client_for
):
    decision = make_decision(
        "signed",
        confidentiality="confidential",
        foi_exemptions=["s31"],
        withheld_parts="All of it.",
    )
    client = client_for(personas["officer"])
    page = client.get(decision.get_absolute_url()).text
    check = reverse("decisions:withhold", args=[decision.reference])
    assert f'href="{check}"' in page  # a link to the check page, not a button that acts
    page = client.get(check).text
    assert "Record this decision as withheld" in page and "This cannot be undone." in page
    assert client.post(check, CONFIRM).status_code == 302
    decision.refresh_from_db()
    assert decision.status == S.WITHHELD


def test_check_page_in_the_wrong_state_says_why(make_decision, personas, client_for):
    decision = make_decision("draft")
    client = client_for(personas["chief_executive"])
    response = client.get(reverse("decisions:approve", args=[decision.reference]), follow=True)
    assert "so you cannot" in response.text


@pytest.mark.parametrize(("name", "state", "persona", "data", "after"), POST_STEPS + FORM_STEPS)
def test_step_refused_to_anonymous_and_wrong_roles(
    make_decision, personas, client_for, name, state, persona, data, after
):
    decision = make_decision(state)
    anonymous = _post(client_for(None), name, decision, data)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login"))
    for other in [*OTHERS, "outsider"]:
        if other == persona:
            continue
        assert _post(client_for(personas[other]), name, decision, data).status_code == 403, other
    decision.refresh_from_db()
    assert decision.status == state.replace("signed", S.SIGNED)


@pytest.mark.parametrize(("name", "state", "persona", "data", "after"), POST_STEPS + FORM_STEPS)
def test_step_in_the_wrong_state_says_why(
    make_decision, personas, client_for, name, state, persona, data, after
):
    wrong = "signed" if state in ("draft",) else "draft"
    decision = make_decision(wrong)
    client = client_for(personas[persona])
    response = client.post(
        reverse(f"decisions:{name}", args=[decision.reference]), data, follow=True
    )
    assert response.status_code == 200
    assert "so you cannot" in response.text
    decision.refresh_from_db()
    assert decision.status == wrong.replace("signed", S.SIGNED)


def test_sign_form_errors_are_shown_at_the_top(make_decision, personas, client_for):
    decision = make_decision("awaiting_signature")
    client = client_for(personas["commissioner"])
    url = reverse("decisions:sign", args=[decision.reference])
    page = client.post(url, {"signatory_name": "P. Seccombe", "password": "wrong", **CONFIRM}).text
    assert "govuk-error-summary" in page
    assert "Confirm the declaration of interests to sign" in page
    data = {"declaration": "on", "signatory_name": "X", "password": "wrong", **CONFIRM}
    page = client.post(url, data).text
    assert "The password is not correct" in page
    decision.refresh_from_db()
    assert decision.status == S.AWAITING_SIGNATURE


def test_signed_record_offers_no_editing(make_decision, personas, client_for):
    decision = make_decision("signed")
    client = client_for(personas["officer"])
    for name in ("edit", "sections", "appendix_add"):
        response = client.get(reverse(f"decisions:{name}", args=[decision.reference]), follow=True)
        assert "Only a draft can be changed." in response.text


# --- Drafting pages ------------------------------------------------------------------------


def test_create_form_shows_errors_in_a_summary(personas, toolkit, client_for):
    client = client_for(personas["officer"])
    page = client.post(reverse("decisions:create"), {"confidentiality": "confidential"}).text
    assert "There is a problem" in page
    assert "Enter the title of the decision" in page
    assert "Select the FOI exemption the withheld information relies on" in page
    assert Decision.objects.count() == 0


def test_chief_officer_approval_needs_who_and_when(personas, toolkit, client_for):
    client = client_for(personas["officer"])
    data = {
        "title": "T",
        "lead_officer": "L",
        "chief_officer_approval": "required",
        "confidentiality": "non-confidential",
        "summary": "S",
        **_date_fields("decision_date", "2025-01-02"),
    }
    page = client.post(reverse("decisions:create"), data).text
    assert "Enter who gave the chief officer approval" in page
    data.update(
        chief_officer_approver="Chief Constable",
        **_date_fields("chief_officer_approved_on", "2025-01-01"),
    )
    assert client.post(reverse("decisions:create"), data).status_code == 302
    assert (
        Decision.objects.get().chief_officer_approval_line() == "Chief Constable – 1 January 2025"
    )


def test_edit_draft(make_decision, personas, client_for):
    decision = make_decision("draft")
    client = client_for(personas["officer"])
    url = reverse("decisions:edit", args=[decision.reference])
    page = client.get(url)
    assert page.status_code == 200 and decision.title in page.text
    data = {
        "title": "New title",
        "lead_officer": "Richard Long",
        "chief_officer_approval": "not_required",
        "confidentiality": "non-confidential",
        "summary": "New summary",
        **_date_fields("decision_date", "2025-05-01"),
    }
    assert client.post(url, data).status_code == 302
    decision.refresh_from_db()
    assert (decision.title, decision.summary) == ("New title", "New summary")


def test_sections_formset_adds_and_removes(make_decision, personas, client_for):
    decision = make_decision("draft")
    client = client_for(personas["officer"])
    url = reverse("decisions:sections", args=[decision.reference])
    sections = list(decision.supporting_sections.all())
    form = {"sections-TOTAL_FORMS": len(sections) + 1, "sections-INITIAL_FORMS": 0}
    for i, section in enumerate(sections):
        form.update(
            {
                f"sections-{i}-pk": section.pk,
                f"sections-{i}-heading": section.heading,
                f"sections-{i}-body": section.body,
            }
        )
    form["sections-7-remove"] = "on"  # Social or Environmental considerations
    form.update({"sections-9-heading": "Risks", "sections-9-body": "Low.", "add_another": "1"})
    response = client.post(url, form)
    assert response.status_code == 302 and response.url == url
    headings = list(decision.supporting_sections.values_list("heading", flat=True))
    assert "Social or Environmental considerations" not in headings
    assert headings[-1] == "Risks" and len(headings) == 9


def test_sections_formset_wants_a_heading_for_new_text(make_decision, personas, client_for):
    decision = make_decision("draft")
    client = client_for(personas["officer"])
    url = reverse("decisions:sections", args=[decision.reference])
    form = {"sections-TOTAL_FORMS": 1, "sections-INITIAL_FORMS": 0, "sections-0-body": "Orphan"}
    page = client.post(url, form).text
    assert "There is a problem" in page and "Enter a heading for this section" in page
    assert decision.supporting_sections.count() == 9


def test_appendix_upload_and_permission_checked_download(make_decision, personas, client_for):
    decision = make_decision("draft")
    client = client_for(personas["officer"])
    upload, _info = pdf_upload("SOP.pdf")
    response = client.post(
        reverse("decisions:appendix_add", args=[decision.reference]),
        {"title": "Prevent: OPCC Standard Operating Procedure", "upload": upload},
    )
    assert response.status_code == 302
    appendix = decision.appendices.get()
    assert appendix.original_filename == "SOP.pdf" and len(appendix.sha256) == 64
    assert "SOP" not in appendix.file.name
    url = reverse("decisions:appendix_download", args=[decision.reference, appendix.public_id])
    download = client_for(personas["auditor"]).get(url)
    assert download.status_code == 200
    assert 'attachment; filename="SOP.pdf"' in download["Content-Disposition"]
    assert client_for(personas["outsider"]).get(url).status_code == 403
    assert client_for(None).get(url).status_code == 302


def test_appendix_upload_rejects_a_disguised_file(make_decision, personas, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    decision = make_decision("draft")
    client = client_for(personas["officer"])
    fake = SimpleUploadedFile("report.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    page = client.post(
        reverse("decisions:appendix_add", args=[decision.reference]),
        {"title": "Fake", "upload": fake},
    ).text
    assert "not an allowed type" in page
    assert decision.appendices.count() == 0


def test_appendix_remove(make_decision, personas, client_for):
    from decisions import services

    decision = make_decision("draft")
    upload, info = pdf_upload()
    appendix = services.appendix_add(
        actor=personas["officer"], decision=decision, title="A", upload=upload, upload_info=info
    )
    url = reverse("decisions:appendix_remove", args=[decision.reference, appendix.public_id])
    assert client_for(personas["auditor"]).post(url).status_code == 403
    assert client_for(personas["officer"]).post(url).status_code == 302
    assert decision.appendices.count() == 0


def test_staff_pdf_for_a_draft_is_marked_draft(make_decision, personas, client_for):
    decision = make_decision("draft")
    response = client_for(personas["auditor"]).get(
        reverse("decisions:pdf", args=[decision.reference])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert (
        client_for(personas["outsider"])
        .get(reverse("decisions:pdf", args=[decision.reference]))
        .status_code
        == 403
    )


def test_references_with_slashes_work_on_every_page(make_decision, personas, client_for):
    get_organisation()
    OrganisationProfile.objects.update(reference_format="PCC/D/{year}/{seq:02d}")
    decision = make_decision("draft")
    assert "/" in decision.reference
    client = client_for(personas["officer"])
    assert client.get(decision.get_absolute_url()).status_code == 200
    assert client.get(reverse("decisions:pdf", args=[decision.reference])).status_code == 200
    assert client.get(reverse("decisions:edit", args=[decision.reference])).status_code == 200
    assert reverse("decisions:pdf", args=[decision.reference]).endswith(
        f"{decision.reference}/pdf/"
    )
    assert _post(client, "submit", decision).status_code == 302
    decision.refresh_from_db()
    assert decision.status == S.CONSULTATION


def test_list_query_count_does_not_grow(
    make_decision, personas, client_for, django_assert_max_num_queries
):
    for _ in range(3):
        make_draft(personas)
    client = client_for(personas["officer"])
    client.get(reverse("decisions:list"))  # warm up the session and the profile cache
    with django_assert_max_num_queries(10) as few:
        assert client.get(reverse("decisions:list")).status_code == 200
    for _ in range(10):
        make_draft(personas)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("decisions:list")).status_code == 200


def test_detail_query_count(make_decision, personas, client_for, django_assert_max_num_queries):
    decision = make_decision("signed")
    client = client_for(personas["auditor"])
    client.get(decision.get_absolute_url())
    with django_assert_max_num_queries(20):
        assert client.get(decision.get_absolute_url()).status_code == 200


def test_commissioner_must_confirm_a_one_time_code_before_signing(make_decision, personas, client):
    decision = make_decision("awaiting_signature")
    client.force_login(personas["commissioner"])  # signed in, but no code confirmed
    url = reverse("decisions:sign", args=[decision.reference])
    data = {"declaration": "on", "signatory_name": "P. Seccombe", "password": PASSWORD, **CONFIRM}
    response = client.post(url, data)
    assert response.status_code == 302 and response.url.startswith("/accounts/")
    decision.refresh_from_db()
    assert decision.status == S.AWAITING_SIGNATURE


def test_chief_executive_must_confirm_a_one_time_code_before_approving(
    make_decision, personas, client
):
    decision = make_decision("awaiting_approval")
    client.force_login(personas["chief_executive"])
    response = _post(client, "approve", decision, CONFIRM)
    assert response.status_code == 302 and response.url.startswith("/accounts/")
    decision.refresh_from_db()
    assert decision.status == S.AWAITING_APPROVAL


def test_imported_record_page_shows_no_creator_and_system_history(wpcc4_0028, personas, client_for):
    page = client_for(personas["auditor"]).get(wpcc4_0028.get_absolute_url())
    assert page.status_code == 200
    assert "Imported on" in page.text and "The system" in page.text
    assert "P. Seccombe" in page.text and wpcc4_0028.content_hash in page.text


def test_demo_has_a_record_in_each_state_and_every_page_renders(
    settings, toolkit, client_for, django_user_model
):
    from django.core.management import call_command

    call_command("load_demo", "--force", stdout=io.StringIO())
    call_command("load_demo", "--force", stdout=io.StringIO())  # idempotent
    states = set(Decision.objects.values_list("status", flat=True))
    assert states >= {
        "draft",
        "consultation",
        "awaiting_signature",
        "published",
        "withheld",
        "withdrawn",
    }
    assert Decision.objects.count() == 8
    real = Decision.objects.get(reference="WPCC4-0028")
    assert real.status == S.PUBLISHED and real.signatory_name == "P. Seccombe"
    assert real.signed_by.username == "commissioner" and real.sections.count() == 8
    auditor = django_user_model.objects.get(username="auditor")
    for decision in Decision.objects.all():
        client = client_for(auditor)
        assert client.get(decision.get_absolute_url()).status_code == 200, decision.reference
        public = client_for(None).get(decision.get_public_url()).status_code
        assert public == (200 if decision.is_public else 404), decision.reference
