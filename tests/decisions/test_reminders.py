"""The daily reminder digest names waiting decisions without leaking a confidential title."""

from datetime import date

import pytest

from tests.decisions.helpers import advance, complete_sections, make_draft
from toolkit.services import reminders_send

pytestmark = pytest.mark.django_db

MARKER = "ZQX-SECRET-TITLE-7741"


def test_a_confidential_decision_waiting_for_comment_is_named_by_reference_only(
    personas, toolkit, mailoutbox
):
    secret = make_draft(
        personas, title=f"Covert {MARKER}", confidentiality="confidential", foi_exemptions=["s24"]
    )
    open_one = make_draft(personas, title="Prevent training for partners")
    for decision in (secret, open_one):
        complete_sections(decision, actor=personas["officer"])
        advance(decision, personas, "consultation")

    reminders_send(today=date(2025, 6, 2))

    mail = {m.to[0]: m for m in mailoutbox}
    body = mail[personas["treasurer"].email].body
    assert secret.reference in body
    assert "a confidential decision" in body
    assert "Prevent training for partners" in body
    assert all(MARKER not in m.body and MARKER not in m.subject for m in mailoutbox)
