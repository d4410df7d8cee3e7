"""Helpers for decision tests: build records in any workflow state as the right people."""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from decisions import services
from prevent_compliance.uploads import validate_upload
from tests.conftest import PASSWORD

# A string that appears nowhere else: if it is ever found on a public page, feed or PDF,
# withheld text has leaked.
MARKER = "ZQX-SECRET-7f3a9c"


def complete_sections(decision, *, actor, withheld: int | None = None, secret: str = ""):
    """Fill every default section with text; optionally withhold one (holding `secret`)."""
    items = []
    for section in decision.supporting_sections.all():
        body = f"Text of {section.heading.lower()}."
        hidden = section.position == withheld
        items.append(
            services.SectionInput(
                pk=section.pk,
                heading=f"{section.heading} {secret}".strip() if hidden else section.heading,
                body=f"{body} {secret}".strip() if hidden else body,
                withheld=hidden,
            )
        )
    services.decision_sections_update(actor=actor, decision=decision, sections=items)


def make_draft(personas, **overrides):
    values = {
        "title": "Prevent training for OPCC staff",
        "lead_officer": "Richard Long",
        "decision_date": date(2025, 5, 1),
        "summary": "The Commissioner approves the training plan.",
    }
    values.update(overrides)
    decision = services.decision_create(actor=personas["officer"], **values)
    return decision


STEPS = ["draft", "consultation", "awaiting_approval", "awaiting_signature", "signed", "public"]


def advance(decision, personas, to: str):
    """Take a complete draft through the workflow as the right people, up to `to`."""
    target = STEPS.index(to)
    if target >= 1:
        services.decision_submit(actor=personas["officer"], decision=decision)
    if target >= 2:
        services.decision_comment_treasurer(
            actor=personas["treasurer"], decision=decision, comments="No financial concerns."
        )
        services.decision_comment_chief_executive(
            actor=personas["chief_executive"], decision=decision, comments="Good governance."
        )
    if target >= 3:
        services.decision_approve(actor=personas["chief_executive"], decision=decision)
    if target >= 4:
        services.decision_sign(
            actor=personas["commissioner"],
            decision=decision,
            declaration_confirmed=True,
            password=PASSWORD,
        )
    if target >= 5:
        step = services.decision_withhold if decision.is_confidential else services.decision_publish
        step(actor=personas["officer"], decision=decision)
    decision.refresh_from_db()
    return decision


def pdf_upload(name="appendix.pdf"):
    from prevent_compliance.devdata.files import tiny_pdf

    upload = SimpleUploadedFile(name, tiny_pdf("Appendix"))
    return upload, validate_upload(upload)
