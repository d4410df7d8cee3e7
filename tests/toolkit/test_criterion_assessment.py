"""Rating criteria one by one, and the section rating that follows from them (services)."""

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from toolkit import rating_rules, services
from toolkit.management.commands.seed_toolkit import NEW_EDITION_FILE
from toolkit.models import (
    Criterion,
    CriterionAssessment,
    Rating,
    ReviewPeriod,
    Section,
    SectionAssessment,
    ToolkitEdition,
)
from toolkit.services import CriterionInput


@pytest.fixture
def edition(toolkit):
    call_command("seed_toolkit", str(NEW_EDITION_FILE), stdout=io.StringIO())
    return ToolkitEdition.objects.get(code="2024-02")


@pytest.fixture
def new_period(edition, officer, today):
    """A period on the corrected edition, covering today."""
    year = today.year if today.month >= 4 else today.year - 1
    return services.review_period_create(
        actor=officer,
        label=f"{year}/{str(year + 1)[-2:]}",
        start_date=date(year, 4, 1),
        end_date=date(year + 1, 3, 31),
        edition=edition,
    )


@pytest.fixture
def risk_section(edition):
    """Section 2: criterion 2.1 (due regard, s26) is its one "must"."""
    return Section.objects.get(edition=edition, number=2)


@pytest.fixture
def must(risk_section):
    criterion = risk_section.criteria.get(number=1)
    assert criterion.is_must
    assert not risk_section.criteria.exclude(pk=criterion.pk).filter(level="must").exists()
    return criterion


@pytest.fixture
def assessment(new_period, risk_section):
    return SectionAssessment.objects.get(period=new_period, section=risk_section)


@pytest.fixture
def make_evidence(officer, new_period, today):
    """Evidence (a link) through the service; it counts towards the current period."""

    def make(**values):
        values = {
            "actor": officer,
            "title": "Partnership risk assessment",
            "kind": "report",
            "effective_date": today - timedelta(days=30),
            "review_by": today + timedelta(days=300),
            "url": "https://example.org/risk",
            **values,
        }
        return services.evidence_create(**values)

    return make


def inputs(section, period, default="met", **by_number):
    """A rating for each criterion of the section: ``default`` unless given as c<number>."""
    rows = CriterionAssessment.objects.filter(period=period, criterion__section=section)
    values = {}
    for row in rows.select_related("criterion"):
        given = by_number.get(f"c{row.criterion.number}", default)
        values[row.criterion_id] = (
            given if isinstance(given, CriterionInput) else CriterionInput(rating=given)
        )
    return values


def rate(officer, assessment, rating, *, narrative="What the evidence shows.", **kwargs):
    kwargs.setdefault("criteria", inputs(assessment.section, assessment.period))
    return services.assessment_update(
        actor=officer, assessment=assessment, rating=rating, narrative=narrative, **kwargs
    )


def errors_of(excinfo) -> dict[str, str]:
    return {k: " ".join(v) for k, v in excinfo.value.message_dict.items()}


def test_a_new_period_has_a_not_assessed_rating_for_every_criterion(new_period, edition):
    rows = CriterionAssessment.objects.filter(period=new_period)
    assert rows.count() == Criterion.objects.filter(section__edition=edition).count()
    assert set(rows.values_list("rating", flat=True)) == {Rating.NOT_ASSESSED}


# --- the "must" rule at its boundaries -----------------------------------------------------


@pytest.mark.parametrize("high", ["met", "exceeding"])
@pytest.mark.parametrize("must_rating", ["partly_met", "not_met", "not_assessed"])
def test_section_cannot_be_met_while_a_must_criterion_is_not_met(
    officer, assessment, must, make_evidence, high, must_rating
):
    make_evidence(sections=[must.section], criteria=[must])
    criteria = inputs(assessment.section, assessment.period, c1=must_rating)

    with pytest.raises(ValidationError) as excinfo:
        rate(officer, assessment, high, criteria=criteria, override_justification="We think so")

    message = errors_of(excinfo)["rating"]
    assert f"cannot be rated {Rating(high).label}" in message
    assert f"criterion {must.code} is a legal requirement (must)" in message
    assert f"rated {Rating(must_rating).label.lower()}" in message
    _nothing_saved(assessment)


def test_section_cannot_be_met_when_the_must_criterion_has_no_evidence(officer, assessment, must):
    with pytest.raises(ValidationError) as excinfo:
        rate(officer, assessment, "met", override_justification="Evidence is on its way")

    assert "has no evidence linked to it in this review period" in errors_of(excinfo)["rating"]
    _nothing_saved(assessment)


def test_evidence_due_for_review_today_is_in_date(officer, assessment, must, make_evidence, today):
    make_evidence(
        sections=[must.section],
        criteria=[must],
        effective_date=today - timedelta(days=100),
        review_by=today,
    )

    saved = rate(officer, assessment, "met", today=today)

    assert saved.rating == Rating.MET
    assert saved.override_justification == ""


def test_evidence_overdue_since_yesterday_is_not_in_date(
    officer, assessment, must, make_evidence, today
):
    make_evidence(
        title="CTLP briefing record",
        sections=[must.section],
        criteria=[must],
        effective_date=today - timedelta(days=100),
        review_by=today - timedelta(days=1),
    )

    with pytest.raises(ValidationError) as excinfo:
        rate(officer, assessment, "met", override_justification="Still current", today=today)

    message = errors_of(excinfo)["rating"]
    assert f"criterion {must.code}" in message
    yesterday = today - timedelta(days=1)
    assert f"“CTLP briefing record” was due for review on {yesterday:%-d %B %Y}" in message
    # Without in-date evidence for the "must", the criteria propose Partly met, not Met.
    proposal = rate(officer, assessment, None, today=today)
    assert proposal.rating == Rating.PARTLY_MET


def test_evidence_outside_the_period_does_not_count(officer, assessment, must, make_evidence):
    make_evidence(sections=[must.section], criteria=[must], periods=[])

    with pytest.raises(ValidationError) as excinfo:
        rate(officer, assessment, "met", override_justification="x")

    assert "no evidence linked to it in this review period" in errors_of(excinfo)["rating"]


def test_evidence_for_another_criterion_does_not_count(
    officer, assessment, must, risk_section, make_evidence
):
    other = risk_section.criteria.get(number=2)
    make_evidence(sections=[risk_section], criteria=[other])

    with pytest.raises(ValidationError):
        rate(officer, assessment, "met", override_justification="x")


# --- narrative, reasons, overrides ---------------------------------------------------------


@pytest.mark.parametrize("rating", ["met", "exceeding"])
@pytest.mark.parametrize("narrative", ["", "  \n "])
def test_met_or_exceeding_needs_a_narrative(
    officer, assessment, must, make_evidence, rating, narrative
):
    make_evidence(sections=[must.section], criteria=[must])

    with pytest.raises(ValidationError) as excinfo:
        rate(officer, assessment, rating, narrative=narrative, override_justification="Beyond")

    assert f"Explain the rating {Rating(rating).label}" in errors_of(excinfo)["narrative"]
    _nothing_saved(assessment)


def test_not_applicable_needs_a_reason_and_nothing_is_half_saved(officer, assessment, must):
    criteria = inputs(assessment.section, assessment.period, c3="not_applicable")

    with pytest.raises(ValidationError) as excinfo:
        rate(officer, assessment, None, criteria=criteria)

    assert errors_of(excinfo) == {"criterion_3_reason": "Say why criterion 2.3 does not apply"}
    _nothing_saved(assessment)


def test_not_applicable_with_a_reason_is_kept(officer, assessment, must):
    reason = "No partnership risk assessment covers this office."
    criteria = inputs(
        assessment.section,
        assessment.period,
        c1="not_met",
        c3=CriterionInput(rating="not_applicable", reason=reason, note="Checked with the CSP"),
    )

    saved = rate(officer, assessment, None, criteria=criteria)

    row = CriterionAssessment.objects.get(
        period=assessment.period, criterion__number=3, criterion__section=assessment.section
    )
    assert (row.rating, row.reason, row.note) == ("not_applicable", reason, "Checked with the CSP")
    assert row.assessed_by == officer and row.assessed_at is not None
    assert saved.rating == Rating.NOT_MET  # the "must" is not met


def test_a_must_criterion_cannot_be_not_applicable(officer, assessment, must):
    criteria = inputs(
        assessment.section,
        assessment.period,
        c1=CriterionInput(rating="not_applicable", reason="We are too small"),
    )

    with pytest.raises(ValidationError) as excinfo:
        rate(officer, assessment, None, criteria=criteria)

    assert "legal requirement (must), so it cannot be not applicable" in " ".join(
        errors_of(excinfo).values()
    )


def test_a_rating_other_than_the_proposal_needs_a_justification(officer, assessment, must):
    criteria = inputs(assessment.section, assessment.period, c2="partly_met")  # proposes Partly

    for justification in ("", "   "):
        with pytest.raises(ValidationError) as excinfo:
            rate(
                officer,
                assessment,
                "not_met",
                criteria=criteria,
                override_justification=justification,
            )
        assert (
            "is not the one proposed from the criteria (Partly met)"
            in (errors_of(excinfo)["override_justification"])
        )
    _nothing_saved(assessment)

    saved = rate(
        officer,
        assessment,
        "not_met",
        criteria=criteria,
        override_justification="The plan has lapsed since the criteria were checked.",
    )
    assert saved.rating == Rating.NOT_MET
    assert saved.override_justification.startswith("The plan has lapsed")


def test_a_justification_is_dropped_when_the_rating_is_the_proposal(officer, assessment, must):
    criteria = inputs(assessment.section, assessment.period, c1="not_met")

    saved = rate(officer, assessment, "not_met", criteria=criteria, override_justification="x")

    assert saved.override_justification == ""


def test_accepting_the_proposal_records_each_criterion_with_history(officer, assessment, must):
    criteria = inputs(assessment.section, assessment.period, c1="not_met", c2="partly_met")

    saved = rate(officer, assessment, None, criteria=criteria)

    assert saved.rating == Rating.NOT_MET
    assert saved.assessed_by == officer
    row = CriterionAssessment.objects.get(period=assessment.period, criterion=must)
    latest = row.history.first()
    assert latest.history_user == officer
    assert latest.history_change_reason == "Rated Not met"
    assert row.version == 2


def test_the_whole_page_is_refused_when_the_section_is_stale(officer, assessment, must):
    rate(officer, assessment, None)
    with pytest.raises(ValidationError, match="Someone else saved this record"):
        rate(officer, assessment, None, expected_version=1)


def test_other_roles_cannot_rate_criteria(personas, assessment):
    for role in ("treasurer", "chief_executive", "commissioner", "auditor", "outsider"):
        with pytest.raises(PermissionDenied):
            rate(personas[role], assessment, None)


def test_only_the_sections_own_criteria_can_be_rated(officer, assessment, edition):
    other = CriterionAssessment.objects.filter(
        period=assessment.period, criterion__section__number=3
    ).first()
    criteria = {other.criterion_id: CriterionInput(rating="met")}

    with pytest.raises(ValidationError, match="Rate only the criteria of this section"):
        rate(officer, assessment, None, criteria=criteria)


def _nothing_saved(assessment):
    assessment.refresh_from_db()
    assert assessment.rating == Rating.NOT_ASSESSED and assessment.assessed_by is None
    rows = CriterionAssessment.objects.filter(period=assessment.period)
    assert set(rows.values_list("rating", flat=True)) == {Rating.NOT_ASSESSED}
    assert all(h == 1 for h in (r.history.count() for r in rows))


# --- the proposal rule on its own ----------------------------------------------------------


class _Criterion:
    def __init__(self, must=False):
        self.is_must = must
        self.code = "9.9"


class _Evidence:
    def __init__(self, review_by):
        self.review_by = review_by
        self.title = "Evidence"


@pytest.mark.parametrize(
    ("ratings", "must_evidence", "expected"),
    [
        ([], True, Rating.NOT_ASSESSED),
        (["met", "not_assessed"], True, Rating.NOT_ASSESSED),
        (["not_applicable", "not_applicable"], True, Rating.NOT_APPLICABLE),
        (["met", "met", "not_applicable"], True, Rating.MET),
        (["met", "met"], False, Rating.PARTLY_MET),  # the "must" has no in-date evidence
        (["met", "partly_met"], True, Rating.PARTLY_MET),
        (["partly_met", "met"], True, Rating.PARTLY_MET),
        (["not_met", "met"], True, Rating.NOT_MET),  # the "must" (first) is not met
        (["met", "not_met"], True, Rating.PARTLY_MET),
        (["not_met", "not_met", "not_applicable"], True, Rating.NOT_MET),
    ],
)
def test_the_proposed_section_rating(ratings, must_evidence, expected, today):
    """The first criterion is a "must"; the others are "should"."""
    review_by = today if must_evidence else today - timedelta(days=1)
    states = [
        rating_rules.CriterionState(
            criterion=_Criterion(must=index == 0),
            rating=rating,
            evidence=[_Evidence(review_by)] if index == 0 else [],
        )
        for index, rating in enumerate(ratings)
    ]
    assert rating_rules.propose(states, today) == expected


def test_status_summary_in_words():
    counts = rating_rules.status_counts(
        rating_rules.CriterionState(criterion=_Criterion(), rating=r, to_reconfirm=t)
        for r, t in [
            ("met", False),
            ("met", False),
            ("met", True),
            ("not_met", False),
            ("not_assessed", False),
        ]
    )
    assert rating_rules.status_summary(counts) == (
        "3 of 5 met, 1 not met, 1 not assessed, 1 to re-confirm"
    )


def test_a_period_on_the_first_edition_keeps_its_criteria(period, toolkit):
    assert ReviewPeriod.objects.get(pk=period.pk).edition == toolkit
    assert CriterionAssessment.objects.filter(period=period).count() == (
        Criterion.objects.filter(section__edition=toolkit).count()
    )
