"""The toolkit services' contract, function by function: what each one saves, who it refuses,
the errors it gives for bad input, the history reason it records, and that a change that
fails part-way leaves nothing half-saved (in the database or in file storage).

The review cycle across periods (carry-forward, guidance flags, the lock) is in
test_review_cycle.py; loading edition files through the command is in test_seed.py;
``audit_pack_request`` is in test_auditpack.py and ``reminders_send`` in test_reminders.py.
"""

import hashlib
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.db.models.signals import m2m_changed

from prevent_compliance.uploads import validate_upload
from tests.prevent_compliance.samples import pdf_bytes, upload
from tests.toolkit.helpers import rate_section
from toolkit import services
from toolkit.models import (
    Action,
    Criterion,
    Evidence,
    GuidanceUpdate,
    Rating,
    ReviewPeriod,
    Section,
    SectionAssessment,
    ToolkitEdition,
)

from .helpers import stored_files

READ_ONLY_ROLES = ["treasurer", "chief_executive", "commissioner", "auditor", "administrator"]
FINAL_PDF = b"%PDF-1.7\n% the signed annual review\n%%EOF\n"


def _latest(record):
    """The newest history row of a record."""
    return record.history.order_by("-history_id").first()


def _refuse_saves(monkeypatch, model, *, when=lambda instance: True):
    """Make the database refuse ``model.save()`` for the instances ``when`` picks, after
    validation, as a lost connection or a constraint would: the step that fails part-way."""
    original = model.save

    def save(self, *args, **kwargs):
        if when(self):
            raise DatabaseError("refused by the test")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(model, "save", save)


def _skip_validation(monkeypatch, model):
    """Let an invalid row reach the database, so its own constraint refuses it."""
    monkeypatch.setattr(model, "full_clean", lambda self, *args, **kwargs: None)


def _pdf(name="minutes.pdf", text="Prevent board minutes"):
    file = upload(name, pdf_bytes(text))
    return {"upload": file, "upload_info": validate_upload(file)}


# --- toolkit_edition_load -------------------------------------------------------------------


def _edition_data(**edition):
    return {
        "edition": {"code": "test-1", "title": "Test edition", **edition},
        "sections": [
            {
                "number": 1,
                "title": "Leadership",
                "summary": "Who leads Prevent.",
                "criteria": [
                    {"level": "must", "text": "A named lead."},
                    {"level": "should", "text": "A deputy."},
                ],
            },
            {
                "number": 2,
                "title": "Partnership",
                "summary": "Who works together.",
                "criteria": [{"level": "must", "text": "A partnership board."}],
            },
        ],
    }


def test_edition_load_creates_the_edition_its_sections_and_criteria(db):
    result = services.toolkit_edition_load(data=_edition_data())

    assert result.edition == ToolkitEdition.objects.get(code="test-1")
    assert (result.created, result.updated) == (1 + 2 + 3, 0)
    section = Section.objects.get(edition=result.edition, number=1)
    assert [(c.number, c.level, c.text) for c in section.criteria.order_by("number")] == [
        (1, "must", "A named lead."),
        (2, "should", "A deputy."),
    ]


def test_edition_load_again_changes_nothing_and_writes_no_history(db):
    services.toolkit_edition_load(data=_edition_data())
    rows = Criterion.history.count() + Section.history.count() + ToolkitEdition.history.count()

    result = services.toolkit_edition_load(data=_edition_data())

    assert (result.created, result.updated) == (0, 0)
    assert (
        Criterion.history.count() + Section.history.count() + ToolkitEdition.history.count() == rows
    )


def test_edition_load_updates_changed_wording_and_says_why(db):
    services.toolkit_edition_load(data=_edition_data())
    data = _edition_data(title="Test edition, revised")
    data["sections"][0]["criteria"][1]["text"] = "A named deputy."

    result = services.toolkit_edition_load(data=data)

    assert (result.created, result.updated) == (0, 2)
    edition = ToolkitEdition.objects.get(code="test-1")
    criterion = Criterion.objects.get(section__edition=edition, section__number=1, number=2)
    assert (edition.title, criterion.text) == ("Test edition, revised", "A named deputy.")
    assert _latest(edition).history_change_reason == "Toolkit edition reloaded"
    assert _latest(criterion).history_change_reason == "Toolkit edition reloaded"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("edition"), "'edition' mapping"),
        (lambda d: d["edition"].pop("title"), "edition: 'title' is required."),
        (lambda d: d.update(sections=[]), "'sections' must be a non-empty list."),
        (lambda d: d["sections"][1].update(number=1), "sections[2]: section number 1"),
        (lambda d: d["sections"][0].update(number=True), "sections[1]: 'number' must be"),
        (lambda d: d["sections"][1].pop("summary"), "sections[2]: 'summary' is required."),
        (lambda d: d["sections"][0]["criteria"][1].update(level="may"), "criteria[2]: needs"),
    ],
)
def test_edition_load_refuses_a_malformed_file_naming_the_place(db, change, message):
    data = _edition_data()
    change(data)

    with pytest.raises(ValidationError) as refused:
        services.toolkit_edition_load(data=data)

    assert message in " ".join(refused.value.messages)
    assert not ToolkitEdition.objects.exists()


def test_edition_load_that_fails_part_way_saves_nothing(db, monkeypatch):
    _refuse_saves(monkeypatch, Criterion, when=lambda c: c.text == "A partnership board.")

    with pytest.raises(DatabaseError):
        services.toolkit_edition_load(data=_edition_data())

    assert not ToolkitEdition.objects.exists()
    assert not Section.objects.exists()
    assert not Criterion.objects.exists()


# --- review_period_create -------------------------------------------------------------------


def _create_period(actor, toolkit, **overrides):
    values = {
        "actor": actor,
        "label": "2030/31",
        "start_date": date(2030, 4, 1),
        "end_date": date(2031, 3, 31),
        "edition": toolkit,
    }
    return services.review_period_create(**(values | overrides))


def test_period_create_opens_every_section_not_assessed(officer, toolkit):
    period = _create_period(officer, toolkit)

    assessments = SectionAssessment.objects.filter(period=period)
    assert assessments.count() == toolkit.sections.count() == 8
    assert {a.rating for a in assessments} == {Rating.NOT_ASSESSED}
    assert period.status == ReviewPeriod.Status.OPEN
    for record in [period, *assessments]:
        assert _latest(record).history_change_reason == "Review period opened"
        assert _latest(record).history_user == officer


def test_period_create_refuses_an_overlap(officer, toolkit):
    _create_period(officer, toolkit)

    with pytest.raises(ValidationError, match="overlaps an existing one"):
        _create_period(officer, toolkit, label="2031", start_date=date(2031, 3, 1))

    assert ReviewPeriod.objects.count() == 1


def test_period_create_refuses_an_end_before_the_start(officer, toolkit):
    with pytest.raises(ValidationError):
        _create_period(officer, toolkit, end_date=date(2030, 3, 1))

    assert not ReviewPeriod.objects.exists()


def test_period_create_that_fails_part_way_saves_nothing(officer, toolkit, monkeypatch):
    _refuse_saves(monkeypatch, SectionAssessment, when=lambda a: a.section.number == 5)

    with pytest.raises(DatabaseError):
        _create_period(officer, toolkit)

    assert not ReviewPeriod.objects.exists()
    assert not SectionAssessment.objects.exists()


# --- assessment_update ----------------------------------------------------------------------


@pytest.fixture
def assessment(period):
    return SectionAssessment.objects.get(period=period, section__number=1)


def test_assessment_update_records_rating_narrative_and_who(officer, assessment):
    saved = rate_section(
        actor=officer, assessment=assessment, rating=Rating.PARTLY_MET, narrative="Board meets."
    )

    assessment.refresh_from_db()
    assert (assessment.rating, assessment.narrative) == (Rating.PARTLY_MET, "Board meets.")
    assert assessment.assessed_by == officer
    assert assessment.assessed_at is not None
    assert assessment.version == saved.version == 2
    assert _latest(assessment).history_change_reason == "Rated Partly met"
    assert _latest(assessment).history_user == officer


def test_assessment_update_with_nothing_changed_writes_nothing(officer, assessment):
    rows = assessment.history.count()

    rate_section(actor=officer, assessment=assessment, rating=Rating.NOT_ASSESSED, narrative="")

    assessment.refresh_from_db()
    assert assessment.version == 1
    assert assessment.history.count() == rows


@pytest.mark.parametrize("role", [*READ_ONLY_ROLES, "outsider"])
def test_assessment_update_refuses_other_roles(personas, assessment, role):
    with pytest.raises(PermissionDenied):
        rate_section(
            actor=personas[role], assessment=assessment, rating=Rating.MET, narrative="No."
        )

    assessment.refresh_from_db()
    assert (assessment.rating, assessment.version) == (Rating.NOT_ASSESSED, 1)


def test_assessment_update_refuses_a_stale_copy(officer, assessment):
    rate_section(
        actor=officer,
        assessment=assessment,
        rating=Rating.MET,
        narrative="First.",
        expected_version=1,
    )

    with pytest.raises(ValidationError) as refused:
        rate_section(
            actor=officer,
            assessment=assessment,
            rating=Rating.NOT_MET,
            narrative="Second, from an old page.",
            expected_version=1,
        )

    assert refused.value.code == "stale"
    assessment.refresh_from_db()
    assert (assessment.rating, assessment.narrative, assessment.version) == (
        Rating.MET,
        "First.",
        2,
    )


# --- evidence_create ------------------------------------------------------------------------


def _evidence_values(officer, section, today, **overrides):
    values = {
        "actor": officer,
        "title": "Channel panel minutes",
        "kind": "minutes",
        "effective_date": today - timedelta(days=5),
        "review_by": today + timedelta(days=200),
        "sections": [section],
    }
    return values | overrides


def test_evidence_create_stores_the_file_and_links_the_current_period(
    officer, period, section, today
):
    evidence = services.evidence_create(**_evidence_values(officer, section, today), **_pdf())

    evidence.refresh_from_db()
    assert evidence.file.name.startswith(f"evidence/{today:%Y}/")
    assert evidence.file.read() == pdf_bytes()
    assert evidence.original_filename == "minutes.pdf"
    assert evidence.sha256 == hashlib.sha256(pdf_bytes()).hexdigest()
    assert (evidence.url, evidence.added_by) == ("", officer)
    assert list(evidence.sections.all()) == [section]
    assert list(evidence.periods.all()) == [period]
    assert _latest(evidence).history_change_reason == "Evidence added"
    assert _latest(evidence).history_user == officer


def test_evidence_create_with_a_link_and_no_period(officer, period, section, today):
    evidence = services.evidence_create(
        **_evidence_values(officer, section, today), url="https://example.org/plan", periods=[]
    )

    evidence.refresh_from_db()
    assert (evidence.url, evidence.file.name) == ("https://example.org/plan", "")
    assert not evidence.periods.exists()
    assert stored_files() == []


@pytest.mark.parametrize("role", [*READ_ONLY_ROLES, "outsider"])
def test_evidence_create_refuses_other_roles(personas, period, section, today, role):
    with pytest.raises(PermissionDenied):
        services.evidence_create(**_evidence_values(personas[role], section, today), **_pdf())

    assert not Evidence.objects.exists()
    assert stored_files() == []


def test_evidence_create_refuses_criteria_outside_its_sections(
    officer, period, section, other_section, today
):
    stray = other_section.criteria.first()

    with pytest.raises(ValidationError) as refused:
        services.evidence_create(
            **_evidence_values(officer, section, today), criteria=[stray], **_pdf()
        )

    assert "criteria" in refused.value.message_dict
    assert not Evidence.objects.exists()
    assert stored_files() == []


def test_evidence_create_refuses_a_review_date_before_the_effective_date(
    officer, period, section, today
):
    values = _evidence_values(officer, section, today, review_by=today - timedelta(days=30))

    with pytest.raises(ValidationError):
        services.evidence_create(**values, **_pdf())

    assert not Evidence.objects.exists()
    assert stored_files() == []


def test_evidence_refused_by_the_database_leaves_no_stored_file(
    officer, period, section, today, monkeypatch
):
    _skip_validation(monkeypatch, Evidence)
    values = _evidence_values(officer, section, today, review_by=today - timedelta(days=30))

    with pytest.raises(DatabaseError):  # the review-after-effective check constraint
        services.evidence_create(**values, **_pdf())

    assert not Evidence.objects.exists()
    assert stored_files() == []


def test_evidence_whose_links_fail_after_the_save_leaves_no_stored_file(
    officer, period, section, today
):
    """The file is stored by the save; a period that cannot be linked fails afterwards."""
    unsaved = ReviewPeriod(edition=period.edition, label="unsaved")

    with pytest.raises(ValueError):
        services.evidence_create(
            **_evidence_values(officer, section, today), periods=[unsaved], **_pdf()
        )

    assert not Evidence.objects.exists()
    assert stored_files() == []


# --- evidence_update ------------------------------------------------------------------------


def test_evidence_update_changes_fields_and_counts_the_version(officer, evidence):
    services.evidence_update(
        actor=officer, evidence=evidence, title="Board minutes, March", expected_version=1
    )

    evidence.refresh_from_db()
    assert (evidence.title, evidence.version) == ("Board minutes, March", 2)
    assert _latest(evidence).history_change_reason == "Evidence changed"
    assert _latest(evidence).history_user == officer


def test_evidence_update_to_a_link_drops_the_file_but_keeps_it_stored(officer, evidence):
    old_file = evidence.file.name

    services.evidence_update(actor=officer, evidence=evidence, url="https://example.org/new")

    evidence.refresh_from_db()
    assert (evidence.url, evidence.file.name, evidence.sha256) == (
        "https://example.org/new",
        "",
        "",
    )
    assert evidence.file_size is None
    assert [p.name for p in stored_files()] == [old_file.rsplit("/", 1)[-1]]


def test_evidence_update_with_a_new_file_replaces_the_source(officer, link_evidence):
    services.evidence_update(actor=officer, evidence=link_evidence, **_pdf("terms.pdf", "Terms"))

    link_evidence.refresh_from_db()
    assert link_evidence.url == ""
    assert link_evidence.original_filename == "terms.pdf"
    assert link_evidence.file.read() == pdf_bytes("Terms")


@pytest.mark.parametrize("role", [*READ_ONLY_ROLES, "outsider"])
def test_evidence_update_refuses_other_roles(personas, evidence, role):
    with pytest.raises(PermissionDenied):
        services.evidence_update(actor=personas[role], evidence=evidence, title="Changed")

    evidence.refresh_from_db()
    assert (evidence.title, evidence.version) == ("Partnership board minutes", 1)


def test_evidence_update_refuses_a_stale_copy(officer, evidence):
    stale = Evidence.objects.get(pk=evidence.pk)
    services.evidence_update(actor=officer, evidence=evidence, title="First", expected_version=1)

    with pytest.raises(ValidationError) as refused:
        services.evidence_update(actor=officer, evidence=stale, title="Second", expected_version=1)

    assert refused.value.code == "stale"
    evidence.refresh_from_db()
    assert (evidence.title, evidence.version) == ("First", 2)


def test_evidence_update_refuses_criteria_outside_its_sections(
    officer, evidence, section, other_section
):
    with pytest.raises(ValidationError) as refused:
        services.evidence_update(
            actor=officer,
            evidence=evidence,
            sections=[section],
            criteria=[other_section.criteria.first()],
        )

    assert "criteria" in refused.value.message_dict
    assert not evidence.criteria.exists()
    assert list(evidence.sections.all()) == [section]


def test_evidence_update_refused_by_the_database_keeps_the_old_file(
    officer, evidence, today, monkeypatch
):
    old_file, old_hash = evidence.file.name, evidence.sha256
    _skip_validation(monkeypatch, Evidence)

    with pytest.raises(DatabaseError):
        services.evidence_update(
            actor=officer,
            evidence=evidence,
            review_by=evidence.effective_date - timedelta(days=1),
            **_pdf("replacement.pdf", "Replacement"),
        )

    evidence = Evidence.objects.get(pk=evidence.pk)
    assert (evidence.file.name, evidence.sha256, evidence.version) == (old_file, old_hash, 1)
    assert [p.name for p in stored_files()] == [old_file.rsplit("/", 1)[-1]]


# --- action_create and action_update -------------------------------------------------------


def _action_values(officer, period, section, today, **overrides):
    values = {
        "actor": officer,
        "period": period,
        "title": "Train the front desk",
        "section": section,
        "owner": officer,
        "due_date": today + timedelta(days=30),
    }
    return values | overrides


def test_action_create_puts_it_in_its_periods_plan(officer, period, section, today):
    action = services.action_create(**_action_values(officer, period, section, today))

    action.refresh_from_db()
    assert (action.created_by, action.status, action.completed_on) == (
        officer,
        Action.Status.OPEN,
        None,
    )
    assert list(action.periods.all()) == [period]
    assert _latest(action).history_change_reason == "Action raised"
    assert _latest(action).history_user == officer


def test_action_created_done_is_stamped_with_today(officer, period, section, today):
    action = services.action_create(
        **_action_values(officer, period, section, today, status=Action.Status.DONE)
    )

    action.refresh_from_db()
    assert action.completed_on == today


@pytest.mark.parametrize("role", [*READ_ONLY_ROLES, "outsider"])
def test_action_create_refuses_other_roles(personas, period, section, today, role):
    with pytest.raises(PermissionDenied):
        services.action_create(**_action_values(personas[role], period, section, today))

    assert not Action.objects.exists()


def test_action_create_refuses_a_criterion_from_another_section(
    officer, period, section, other_section, today
):
    values = _action_values(officer, period, section, today)

    with pytest.raises(ValidationError) as refused:
        services.action_create(**values, criterion=other_section.criteria.first())

    assert "criterion" in refused.value.message_dict
    assert not Action.objects.exists()


def test_action_create_that_fails_part_way_saves_nothing(officer, period, section, today):
    """The row is saved, then linking it to its period fails: the row must go too."""

    def refuse(sender, action, **kwargs):
        if action == "pre_add":
            raise DatabaseError("refused by the test")

    m2m_changed.connect(refuse, sender=Action.periods.through)
    try:
        with pytest.raises(DatabaseError):
            services.action_create(**_action_values(officer, period, section, today))
    finally:
        m2m_changed.disconnect(refuse, sender=Action.periods.through)

    assert not Action.objects.exists()


def test_action_update_done_stamps_the_date_and_reopening_clears_it(officer, action, today):
    services.action_update(actor=officer, action=action, status=Action.Status.DONE)
    action.refresh_from_db()
    assert (action.completed_on, action.version) == (today, 2)
    assert _latest(action).history_change_reason == "Action done"

    services.action_update(actor=officer, action=action, status=Action.Status.IN_PROGRESS)
    action.refresh_from_db()
    assert action.completed_on is None
    assert _latest(action).history_change_reason == "Action in progress"


def test_action_update_keeps_a_completion_date_given(officer, action, today):
    services.action_update(
        actor=officer,
        action=action,
        status=Action.Status.DONE,
        completed_on=today - timedelta(days=3),
    )

    action.refresh_from_db()
    assert action.completed_on == today - timedelta(days=3)


@pytest.mark.parametrize("role", [*READ_ONLY_ROLES, "outsider"])
def test_action_update_refuses_other_roles(personas, action, role):
    with pytest.raises(PermissionDenied):
        services.action_update(actor=personas[role], action=action, status=Action.Status.DONE)

    action.refresh_from_db()
    assert (action.status, action.version) == (Action.Status.OPEN, 1)


def test_action_update_refuses_a_stale_copy(officer, action):
    stale = Action.objects.get(pk=action.pk)
    services.action_update(actor=officer, action=action, title="First", expected_version=1)

    with pytest.raises(ValidationError) as refused:
        services.action_update(actor=officer, action=stale, title="Second", expected_version=1)

    assert refused.value.code == "stale"
    action.refresh_from_db()
    assert (action.title, action.version) == ("First", 2)


# --- review_period_start --------------------------------------------------------------------


def _start_next(actor, period):
    start = period.end_date + timedelta(days=1)
    return services.review_period_start(
        actor=actor,
        label=f"{start.year}/{str(start.year + 1)[-2:]}",
        start_date=start,
        end_date=date(start.year + 1, 3, 31),
    )


def test_period_start_benchmarks_the_previous_edition(officer, period):
    following = _start_next(officer, period)

    assert following.edition == period.edition
    assert SectionAssessment.objects.filter(period=following).count() == 8


def test_first_period_start_needs_an_edition(officer, db):
    with pytest.raises(ValidationError, match="Load a toolkit edition"):
        services.review_period_start(
            actor=officer, label="2030/31", start_date=date(2030, 4, 1), end_date=date(2031, 3, 31)
        )

    assert not ReviewPeriod.objects.exists()


@pytest.mark.parametrize("role", [*READ_ONLY_ROLES, "outsider"])
def test_period_start_refuses_other_roles(personas, period, role):
    with pytest.raises(PermissionDenied):
        _start_next(personas[role], period)

    assert ReviewPeriod.objects.count() == 1


def test_period_start_that_fails_while_carrying_forward_saves_nothing(
    officer, period, evidence, monkeypatch
):
    rate_section(
        actor=officer,
        assessment=SectionAssessment.objects.get(period=period, section__number=1),
        rating=Rating.MET,
        narrative="Met.",
    )
    _refuse_saves(monkeypatch, SectionAssessment, when=lambda a: a.carried_from_id is not None)

    with pytest.raises(DatabaseError):
        _start_next(officer, period)

    assert list(ReviewPeriod.objects.all()) == [period]
    assert SectionAssessment.objects.count() == 8
    assert list(evidence.periods.all()) == [period]


# --- guidance_record ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "chief_executive"])
def test_guidance_record_saves_who_recorded_it(personas, period, role):
    update = services.guidance_record(
        actor=personas[role],
        kind=GuidanceUpdate.Kind.GUIDANCE,
        title="Prevent duty guidance, 2026 update",
        published_on=date(2026, 1, 10),
        url="https://www.gov.uk/prevent",
    )

    update.refresh_from_db()
    assert update.recorded_by == personas[role]
    assert _latest(update).history_change_reason == "Guidance recorded"
    assert _latest(update).history_user == personas[role]


@pytest.mark.parametrize("role", ["treasurer", "commissioner", "auditor", "administrator"])
def test_guidance_record_refuses_other_roles(personas, period, role):
    with pytest.raises(PermissionDenied):
        services.guidance_record(
            actor=personas[role], kind="guidance", title="Made up", published_on=date(2026, 1, 1)
        )

    assert not GuidanceUpdate.objects.exists()


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("title", {"title": ""}),
        ("url", {"url": "not a web address"}),
        ("kind", {"kind": "rumour"}),
    ],
)
def test_guidance_record_refuses_bad_input_naming_the_field(officer, period, field, values):
    given = {"kind": "guidance", "title": "Guidance", "published_on": date(2026, 1, 1)}

    with pytest.raises(ValidationError) as refused:
        services.guidance_record(actor=officer, **(given | values))

    assert field in refused.value.message_dict
    assert not GuidanceUpdate.objects.exists()


# --- review_period_reconfirm ----------------------------------------------------------------


def test_period_reconfirm_stamps_the_time(officer, period):
    services.review_period_reconfirm(actor=officer, period=period)

    period.refresh_from_db()
    assert period.reconfirmed_at is not None
    assert _latest(period).history_change_reason == "Re-confirmed against new guidance"
    assert _latest(period).history_user == officer


@pytest.mark.parametrize("role", [*READ_ONLY_ROLES, "outsider"])
def test_period_reconfirm_refuses_other_roles(personas, period, role):
    with pytest.raises(PermissionDenied):
        services.review_period_reconfirm(actor=personas[role], period=period)

    period.refresh_from_db()
    assert period.reconfirmed_at is None


# --- review_period_mark_in_review, _reopen and _close ----------------------------------------


def test_period_mark_in_review_by_the_chief_executive(chief_executive, period):
    services.review_period_mark_in_review(actor=chief_executive, period=period)

    period.refresh_from_db()
    assert period.status == ReviewPeriod.Status.IN_REVIEW
    assert _latest(period).history_change_reason == "Annual review submitted for sign-off"
    assert _latest(period).history_user == chief_executive


@pytest.mark.parametrize(
    "role", ["officer", "treasurer", "commissioner", "auditor", "administrator", "outsider"]
)
def test_period_mark_in_review_refuses_other_roles(personas, period, role):
    with pytest.raises(PermissionDenied):
        services.review_period_mark_in_review(actor=personas[role], period=period)

    period.refresh_from_db()
    assert period.status == ReviewPeriod.Status.OPEN


def test_period_mark_in_review_refuses_a_period_not_open(chief_executive, period):
    services.review_period_mark_in_review(actor=chief_executive, period=period)

    with pytest.raises(ValidationError, match="Only an open review period"):
        services.review_period_mark_in_review(actor=chief_executive, period=period)


@pytest.mark.parametrize("role", ["officer", "chief_executive", "commissioner"])
def test_period_reopen_by_whoever_may_return_withdraw_or_defer(
    personas, chief_executive, period, role
):
    services.review_period_mark_in_review(actor=chief_executive, period=period)

    services.review_period_reopen(actor=personas[role], period=period, reason="Deferred")

    period.refresh_from_db()
    assert period.status == ReviewPeriod.Status.OPEN
    assert _latest(period).history_change_reason == "Deferred"
    assert _latest(period).history_user == personas[role]


@pytest.mark.parametrize("role", ["treasurer", "auditor", "administrator", "outsider"])
def test_period_reopen_refuses_other_roles(personas, chief_executive, period, role):
    services.review_period_mark_in_review(actor=chief_executive, period=period)

    with pytest.raises(PermissionDenied):
        services.review_period_reopen(actor=personas[role], period=period, reason="Returned")

    period.refresh_from_db()
    assert period.status == ReviewPeriod.Status.IN_REVIEW


def test_period_reopen_of_an_open_period_writes_nothing(officer, period):
    rows = period.history.count()

    services.review_period_reopen(actor=officer, period=period, reason="Returned")

    period.refresh_from_db()
    assert period.status == ReviewPeriod.Status.OPEN
    assert period.history.count() == rows


def test_period_close_by_the_signer_stores_the_pdf_and_says_why(commissioner, period):
    services.review_period_close(actor=commissioner, period=period, final_pdf=FINAL_PDF)

    period.refresh_from_db()
    assert period.status == ReviewPeriod.Status.SIGNED_OFF
    assert period.final_pdf.read() == FINAL_PDF
    assert period.final_pdf_sha256 == hashlib.sha256(FINAL_PDF).hexdigest()
    assert _latest(period).history_change_reason == "Signed off: annual review decision signed"
    assert _latest(period).history_user == commissioner


@pytest.mark.parametrize(
    "role", ["officer", "treasurer", "chief_executive", "auditor", "administrator", "outsider"]
)
def test_period_close_refuses_everyone_but_the_signer(personas, period, role):
    with pytest.raises(PermissionDenied):
        services.review_period_close(actor=personas[role], period=period, final_pdf=FINAL_PDF)

    period.refresh_from_db()
    assert (period.status, period.final_pdf.name) == (ReviewPeriod.Status.OPEN, "")
    assert stored_files() == []


def test_period_close_refused_by_the_database_leaves_no_pdf(commissioner, period, monkeypatch):
    _refuse_saves(monkeypatch, ReviewPeriod)

    with pytest.raises(DatabaseError):
        services.review_period_close(actor=commissioner, period=period, final_pdf=FINAL_PDF)

    period.refresh_from_db()
    assert (period.status, period.final_pdf.name) == (ReviewPeriod.Status.OPEN, "")
    assert stored_files() == []
