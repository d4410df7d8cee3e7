"""The workflow services: the right role, the right state, atomic, one signature."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from decisions import services
from decisions.integrity import content_hash
from decisions.models import Decision
from prevent_compliance.roles import Role
from tests.conftest import PASSWORD

from .helpers import advance, complete_sections, make_draft, pdf_upload

S = Decision.Status


def _reasons(decision) -> list[str]:
    return list(
        decision.history.order_by("history_date").values_list("history_change_reason", flat=True)
    )


def test_new_decision_has_the_nine_default_sections(personas, toolkit):
    decision = make_draft(personas)
    headings = list(decision.supporting_sections.values_list("position", "heading"))
    assert headings == [
        (1, "Background information"),
        (2, "List of additional information attached as appendices"),
        (3, "Expected benefits"),
        (4, "Impact of not approving the application"),
        (5, "Costs (including any identified savings)"),
        (6, "Equality considerations"),
        (7, "Legal comments"),
        (8, "Social or Environmental considerations"),
        (9, "Publication"),
    ]
    assert "Freedom of Information Act 2000" in decision.supporting_sections.get(position=9).body
    assert decision.status == S.DRAFT and decision.created_by == personas["officer"]


def test_the_whole_workflow_by_the_right_people(personas, toolkit):
    p = personas
    decision = make_draft(p, toolkit_sections=list(toolkit.sections.all()))
    complete_sections(decision, actor=p["officer"])
    services.decision_submit(actor=p["officer"], decision=decision)
    decision.refresh_from_db()
    assert decision.status == S.CONSULTATION

    services.decision_comment_treasurer(actor=p["treasurer"], decision=decision, comments="Fine.")
    decision.refresh_from_db()
    assert decision.status == S.CONSULTATION  # still waiting for the Chief Executive
    services.decision_comment_chief_executive(
        actor=p["chief_executive"], decision=decision, comments="Sound."
    )
    decision.refresh_from_db()
    assert decision.status == S.AWAITING_APPROVAL

    services.decision_approve(actor=p["chief_executive"], decision=decision)
    decision.refresh_from_db()
    assert decision.status == S.AWAITING_SIGNATURE and decision.approved_by == p["chief_executive"]

    p["commissioner"].first_name, p["commissioner"].last_name = "P.", "Seccombe"
    p["commissioner"].save()
    services.decision_sign(
        actor=p["commissioner"],
        decision=decision,
        declaration_confirmed=True,
        password=PASSWORD,
    )
    decision.refresh_from_db()
    assert decision.status == S.SIGNED
    assert decision.signed_by == p["commissioner"] and decision.signatory_name == "P. Seccombe"
    assert decision.interests_declared and decision.signed_on and decision.signed_at
    assert len(decision.content_hash) == 64 and decision.content_hash == content_hash(decision)

    services.decision_publish(actor=p["officer"], decision=decision)
    decision.refresh_from_db()
    assert decision.status == S.PUBLISHED and decision.published_at
    assert decision.content_hash == content_hash(decision)  # publishing changes no content
    assert _reasons(decision) == [
        "Decision record created",
        "Toolkit sections linked",
        "Submitted for consultation",
        "Treasurer's comments added",
        "Chief Executive's comments added; consultation complete, awaiting approval",
        "Approved for signature",
        "Signed by P. Seccombe",
        "Published on the decision log",
    ]
    assert decision.history.first().history_user == p["officer"]


def test_return_to_draft_keeps_the_reason_and_asks_for_comments_again(make_decision, personas):
    decision = make_decision("awaiting_approval")
    services.decision_return(
        actor=personas["chief_executive"], decision=decision, reason="Add the costs."
    )
    decision.refresh_from_db()
    assert decision.status == S.DRAFT and decision.status_note == "Add the costs."
    assert _reasons(decision)[-1] == "Returned to draft: Add the costs."
    services.decision_submit(actor=personas["officer"], decision=decision)
    decision.refresh_from_db()
    assert decision.status == S.CONSULTATION
    assert decision.treasurer_commented_at is None and decision.chief_executive_commented_at is None
    assert decision.treasurer_comments == "No financial concerns."  # kept as a starting point


def test_return_needs_a_reason(make_decision, personas):
    decision = make_decision("awaiting_approval")
    with pytest.raises(ValidationError):
        services.decision_return(actor=personas["chief_executive"], decision=decision, reason=" ")


def test_defer_then_resume_then_withdraw(make_decision, personas):
    decision = make_decision("awaiting_signature")
    services.decision_defer(actor=personas["commissioner"], decision=decision, reason="Later.")
    decision.refresh_from_db()
    assert decision.status == S.DEFERRED
    services.decision_resume(actor=personas["officer"], decision=decision)
    decision.refresh_from_db()
    assert decision.status == S.DRAFT and decision.approved_by is None
    services.decision_withdraw(actor=personas["officer"], decision=decision, reason="Not needed.")
    decision.refresh_from_db()
    assert decision.status == S.WITHDRAWN


def test_confidential_decision_is_withheld_not_published(make_decision, personas):
    decision = make_decision(
        "signed", confidentiality="confidential", foi_exemptions=["s24"], title="Secret"
    )
    with pytest.raises(services.InvalidTransition):
        services.decision_publish(actor=personas["officer"], decision=decision)
    services.decision_withhold(actor=personas["officer"], decision=decision)
    decision.refresh_from_db()
    assert decision.status == S.WITHHELD


def test_non_confidential_decision_cannot_be_withheld(make_decision, personas):
    decision = make_decision("signed")
    with pytest.raises(services.InvalidTransition):
        services.decision_withhold(actor=personas["officer"], decision=decision)


def test_submit_refuses_an_incomplete_draft(personas, toolkit):
    decision = make_draft(personas)
    with pytest.raises(ValidationError) as caught:
        services.decision_submit(actor=personas["officer"], decision=decision)
    assert "Complete section 1 (Background information) or remove it." in caught.value.messages
    decision.refresh_from_db()
    assert decision.status == S.DRAFT


def test_partly_confidential_needs_a_withheld_part(make_decision, personas):
    decision = make_draft(personas, confidentiality="partly-confidential", foi_exemptions=["s40"])
    complete_sections(decision, actor=personas["officer"])
    with pytest.raises(ValidationError, match="must mark at least one section"):
        services.decision_submit(actor=personas["officer"], decision=decision)


def test_confidential_decision_needs_an_exemption(personas, toolkit):
    with pytest.raises(ValidationError) as caught:
        make_draft(personas, confidentiality="confidential")
    assert "foi_exemptions" in caught.value.message_dict


# --- Each transition belongs to exactly one role -------------------------------------------

# transition -> (state it starts from, the one persona allowed, how to call it)
CALLS = {
    "submit": ("draft", "officer", lambda a, d: services.decision_submit(actor=a, decision=d)),
    "comment_treasurer": (
        "consultation",
        "treasurer",
        lambda a, d: services.decision_comment_treasurer(actor=a, decision=d, comments="x"),
    ),
    "comment_chief_executive": (
        "consultation",
        "chief_executive",
        lambda a, d: services.decision_comment_chief_executive(actor=a, decision=d, comments="x"),
    ),
    "approve": (
        "awaiting_approval",
        "chief_executive",
        lambda a, d: services.decision_approve(actor=a, decision=d),
    ),
    "return": (
        "awaiting_approval",
        "chief_executive",
        lambda a, d: services.decision_return(actor=a, decision=d, reason="x"),
    ),
    "sign": (
        "awaiting_signature",
        "commissioner",
        lambda a, d: services.decision_sign(
            actor=a, decision=d, declaration_confirmed=True, password=PASSWORD
        ),
    ),
    "defer": (
        "awaiting_signature",
        "commissioner",
        lambda a, d: services.decision_defer(actor=a, decision=d, reason="x"),
    ),
    "publish": ("signed", "officer", lambda a, d: services.decision_publish(actor=a, decision=d)),
    "withdraw": (
        "draft",
        "officer",
        lambda a, d: services.decision_withdraw(actor=a, decision=d, reason="x"),
    ),
    "not_publish": (
        "signed",
        "officer",
        lambda a, d: services.decision_not_publish(actor=a, decision=d, reason="x"),
    ),
}
PERSONAS = [
    "officer",
    "treasurer",
    "chief_executive",
    "commissioner",
    "auditor",
    "administrator",
    "outsider",
    "anonymous",
]


def test_every_transition_is_listed():
    assert set(CALLS) | {"withhold", "resume"} == set(services.TRANSITIONS)


@pytest.mark.parametrize(
    ("name", "persona"),
    [(name, p) for name, (_s, allowed, _c) in CALLS.items() for p in PERSONAS if p != allowed],
)
def test_transition_refused_to_every_other_role(make_decision, personas, name, persona):
    state, _allowed, call = CALLS[name]
    decision = make_decision(state)
    before = decision.history.count()
    actor = AnonymousUser() if persona == "anonymous" else personas[persona]
    with pytest.raises(PermissionDenied):
        call(actor, decision)
    decision.refresh_from_db()
    assert decision.status == state.replace("signed", S.SIGNED)
    assert decision.history.count() == before


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "officer"])
def test_withhold_and_resume_refused_to_every_other_role(make_decision, personas, persona):
    actor = AnonymousUser() if persona == "anonymous" else personas[persona]
    secret = make_decision("signed", confidentiality="confidential", foi_exemptions=["s31"])
    with pytest.raises(PermissionDenied):
        services.decision_withhold(actor=actor, decision=secret)
    deferred = make_decision("awaiting_signature")
    services.decision_defer(actor=personas["commissioner"], decision=deferred, reason="x")
    with pytest.raises(PermissionDenied):
        services.decision_resume(actor=actor, decision=deferred)


def test_a_superuser_without_the_role_cannot_sign(make_decision, personas, django_user_model):
    boss = django_user_model.objects.create_superuser("root", password=PASSWORD)
    decision = make_decision("awaiting_signature")
    with pytest.raises(PermissionDenied):
        CALLS["sign"][2](boss, decision)


@pytest.mark.parametrize("name", list(CALLS))
def test_right_role_in_the_wrong_state_is_refused_with_a_reason(make_decision, personas, name):
    state, persona, call = CALLS[name]
    wrong = {"draft": "awaiting_signature", "signed": "draft"}.get(state, "draft")
    if name == "withdraw":
        wrong = "signed"  # withdrawal is open until the decision is signed
    decision = make_decision(wrong)
    with pytest.raises(services.InvalidTransition) as caught:
        call(personas[persona], decision)
    assert "cannot" in caught.value.messages[0]
    decision.refresh_from_db()
    assert decision.status == wrong


# --- Signing -------------------------------------------------------------------------------


def test_signing_needs_the_declaration(make_decision, personas):
    decision = make_decision("awaiting_signature")
    with pytest.raises(ValidationError) as caught:
        services.decision_sign(
            actor=personas["commissioner"],
            decision=decision,
            declaration_confirmed=False,
            password=PASSWORD,
        )
    assert "declaration" in caught.value.message_dict
    decision.refresh_from_db()
    assert decision.status == S.AWAITING_SIGNATURE and not decision.content_hash


def test_signing_needs_the_right_password(make_decision, personas):
    decision = make_decision("awaiting_signature")
    with pytest.raises(ValidationError) as caught:
        services.decision_sign(
            actor=personas["commissioner"],
            decision=decision,
            declaration_confirmed=True,
            password="wrong",
        )
    assert "password" in caught.value.message_dict
    decision.refresh_from_db()
    assert decision.status == S.AWAITING_SIGNATURE


def test_signing_twice_gives_one_signature(make_decision, personas):
    decision = make_decision("awaiting_signature")
    stale = Decision.objects.get(pk=decision.pk)
    CALLS["sign"][2](personas["commissioner"], decision)
    with pytest.raises(services.InvalidTransition):
        CALLS["sign"][2](personas["commissioner"], stale)
    assert sum("Signed by" in (r or "") for r in _reasons(decision)) == 1


def test_signed_record_cannot_be_changed_by_any_service(make_decision, personas):
    officer = personas["officer"]
    decision = make_decision("signed")
    with pytest.raises(services.InvalidTransition, match="signed"):
        services.decision_update(actor=officer, decision=decision, title="Changed")
    with pytest.raises(services.InvalidTransition):
        services.decision_sections_update(actor=officer, decision=decision, sections=[])
    upload, info = pdf_upload()
    with pytest.raises(services.InvalidTransition):
        services.appendix_add(
            actor=officer, decision=decision, title="Late", upload=upload, upload_info=info
        )
    decision.refresh_from_db()
    assert decision.title == "Prevent training for OPCC staff"
    assert decision.supporting_sections.count() == 9 and decision.appendices.count() == 0
    assert decision.content_hash == content_hash(decision)


def test_drafts_in_consultation_cannot_be_edited(make_decision, personas):
    decision = make_decision("consultation")
    with pytest.raises(services.InvalidTransition, match="only drafts"):
        services.decision_update(actor=personas["officer"], decision=decision, title="x")


def test_only_officers_edit_drafts(make_decision, personas):
    decision = make_decision("draft")
    for persona in ("treasurer", "chief_executive", "commissioner", "auditor", "administrator"):
        with pytest.raises(PermissionDenied):
            services.decision_update(actor=personas[persona], decision=decision, title="x")


def test_hash_covers_sections_and_appendices(make_decision, personas):
    decision = make_decision("awaiting_approval")
    services.decision_return(actor=personas["chief_executive"], decision=decision, reason="x")
    upload, info = pdf_upload()
    services.appendix_add(
        actor=personas["officer"], decision=decision, title="SOP", upload=upload, upload_info=info
    )
    decision = advance(decision, personas, "signed")
    snapshot_hash = content_hash(decision)
    assert decision.content_hash == snapshot_hash
    decision.appendices.update(sha256="0" * 64)
    assert content_hash(decision) != snapshot_hash


# --- Sections -------------------------------------------------------------------------------


def test_sections_can_be_added_removed_and_renumbered(personas, toolkit):
    decision = make_draft(personas)
    existing = list(decision.supporting_sections.all())
    wanted = [
        services.SectionInput(pk=existing[2].pk, heading=existing[2].heading, body="Benefits"),
        services.SectionInput(pk=existing[0].pk, heading=existing[0].heading, body="Background"),
        services.SectionInput(heading="Risks", body="New section", withheld=True),
    ]
    services.decision_sections_update(actor=personas["officer"], decision=decision, sections=wanted)
    rows = list(decision.supporting_sections.values_list("position", "heading", "withheld"))
    assert rows == [
        (1, "Expected benefits", False),
        (2, "Background information", False),
        (3, "Risks", True),
    ]


def test_sections_of_another_decision_are_refused(personas, toolkit):
    mine, other = make_draft(personas), make_draft(personas)
    stray = other.supporting_sections.first()
    with pytest.raises(ValidationError):
        services.decision_sections_update(
            actor=personas["officer"],
            decision=mine,
            sections=[services.SectionInput(pk=stray.pk, heading="x")],
        )


# --- PostgreSQL: Commissioners signing at the same moment -----------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Row locks (SELECT … FOR UPDATE) need PostgreSQL; SQLite runs one writer at a time.",
)
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_signing_gives_exactly_one_signature(
    roles_present, personas, make_decision, django_user_model
):
    from tests.interests.helpers import confirmed_register

    from .test_references import _run_together

    decision = make_decision("awaiting_signature")
    group = Group.objects.get(name=Role.COMMISSIONER.value)
    signers = []
    for i in range(20):
        user = django_user_model.objects.create_user(f"pcc{i}", password=PASSWORD)
        user.groups.add(group)
        confirmed_register(user)  # signing needs a confirmed register of interests
        signers.append(user)

    def sign(i):
        fresh = Decision.objects.get(pk=decision.pk)
        services.decision_sign(
            actor=signers[i],
            decision=fresh,
            declaration_confirmed=True,
            password=PASSWORD,
        )
        return i

    results, errors = _run_together(sign, len(signers))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert len(errors) == len(signers) - 1
    assert all(isinstance(e, services.InvalidTransition) for e in errors)
    decision.refresh_from_db()
    assert decision.status == S.SIGNED
    assert decision.signed_by == signers[winners[0]]
    assert decision.signatory_name == f"pcc{winners[0]}"  # the account's own name
    assert sum("Signed by" in (r or "") for r in _reasons(decision)) == 1
    assert decision.content_hash == content_hash(decision)
