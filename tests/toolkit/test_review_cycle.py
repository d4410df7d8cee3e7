"""The review cycle in the services: carry-forward, guidance flags, sign-off and the lock."""

import hashlib
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from tests.toolkit.helpers import rate_section
from toolkit import services
from toolkit.models import (
    Action,
    Evidence,
    GuidanceUpdate,
    Rating,
    ReviewPeriod,
    Section,
    SectionAssessment,
    ToolkitEdition,
)

FAKE_FINAL_PDF = b"%PDF-1.7\n% the signed annual review\n%%EOF\n"


def _assessment(period, number: int) -> SectionAssessment:
    return SectionAssessment.objects.get(period=period, section__number=number)


def _rate(officer, period, number: int, rating: Rating, narrative: str) -> SectionAssessment:
    return rate_section(
        actor=officer, assessment=_assessment(period, number), rating=rating, narrative=narrative
    )


@pytest.fixture
def start_next(officer, period):
    """Open the period after the fixture's one, carried forward from it."""

    def start(actor=officer):
        start_date = period.end_date + timedelta(days=1)
        return services.review_period_start(
            actor=actor,
            label=f"{start_date.year}/{str(start_date.year + 1)[-2:]}",
            start_date=start_date,
            end_date=date(start_date.year + 1, 3, 31),
        )

    return start


# --- Carry-forward --------------------------------------------------------------------------


def test_ratings_are_carried_forward_marked_to_reconfirm(officer, period, start_next):
    met = _rate(officer, period, 1, Rating.MET, "The board meets quarterly; minutes on file.")
    partly = _rate(officer, period, 2, Rating.PARTLY_MET, "Training below 80 per cent.")

    new = start_next()

    first, second = _assessment(new, 1), _assessment(new, 2)
    assert (first.rating, first.narrative) == (Rating.MET, met.narrative)
    assert (second.rating, second.narrative) == (Rating.PARTLY_MET, partly.narrative)
    assert first.to_reconfirm and second.to_reconfirm
    assert first.carried_from == met
    assert second.carried_from == partly
    assert first.history.first().history_change_reason == f"Carried forward from {period.label}"
    # Last year's record is untouched.
    met.refresh_from_db()
    assert (met.rating, met.to_reconfirm, met.carried_from) == (Rating.MET, False, None)


def test_not_assessed_sections_are_not_carried(officer, period, start_next):
    _rate(officer, period, 1, Rating.MET, "Every criterion met.")

    new = start_next()

    untouched = SectionAssessment.objects.filter(period=new).exclude(section__number=1)
    assert untouched.count() == 7
    assert set(untouched.values_list("rating", "to_reconfirm", "carried_from")) == {
        (Rating.NOT_ASSESSED, False, None)
    }


def test_first_period_has_nothing_to_carry(officer, toolkit):
    call_command("seed_toolkit", verbosity=0)  # every edition file, not only the fixture's
    first = services.review_period_start(
        actor=officer, label="2020/21", start_date=date(2020, 4, 1), end_date=date(2021, 3, 31)
    )
    # The very first period benchmarks the latest edition loaded.
    latest = ToolkitEdition.objects.order_by("-code").first()
    assert latest.code == "2024-02" and first.edition == latest
    assert first.assessments.count() == Section.objects.filter(edition=latest).count() == 8
    assert not first.assessments.filter(to_reconfirm=True).exists()


def test_evidence_still_in_date_is_linked_to_the_new_period(
    officer, period, start_next, make_evidence, today
):
    next_start = period.end_date + timedelta(days=1)
    boundary = make_evidence(title="Review by the first day", review_by=next_start)
    undated = make_evidence(title="No review date", review_by=None)
    expired = make_evidence(title="Expired the day before", review_by=next_start - timedelta(1))
    elsewhere = make_evidence(title="In no period", periods=[])

    new = start_next()

    assert set(new.evidence.all()) == {boundary, undated}
    assert set(period.evidence.all()) == {boundary, undated, expired}
    assert not elsewhere.periods.exists()


def test_live_actions_carry_over_and_finished_ones_do_not(period, start_next, make_action):
    live = {
        make_action(title="Open", status=Action.Status.OPEN),
        make_action(title="In progress", status=Action.Status.IN_PROGRESS),
    }
    finished = {
        make_action(title="Done", status=Action.Status.DONE),
        make_action(title="Cancelled", status=Action.Status.CANCELLED),
    }

    new = start_next()

    assert set(new.actions.all()) == live
    assert set(period.actions.all()) == live | finished
    # Still raised in the period they came from.
    assert {a.period_id for a in live} == {period.pk}


def test_saving_an_unchanged_carried_rating_reconfirms_it(officer, period, start_next):
    _rate(officer, period, 3, Rating.NOT_MET, "No Channel panel attendance recorded.")
    new = start_next()
    carried = _assessment(new, 3)
    history = carried.history.count()

    confirmed = rate_section(
        actor=officer, assessment=carried, rating=carried.rating, narrative=carried.narrative
    )

    confirmed.refresh_from_db()
    assert confirmed.to_reconfirm is False
    assert confirmed.rating == Rating.NOT_MET
    assert confirmed.assessed_by == officer
    assert confirmed.carried_from == _assessment(period, 3)
    assert confirmed.history.count() == history + 1
    assert confirmed.history.first().history_change_reason == "Re-confirmed"
    # Saving it again unchanged is not another re-confirmation.
    rate_section(
        actor=officer, assessment=confirmed, rating=Rating.NOT_MET, narrative=confirmed.narrative
    )
    assert confirmed.history.count() == history + 1


def test_changing_a_carried_rating_clears_the_mark_and_says_so(officer, period, start_next):
    _rate(officer, period, 3, Rating.NOT_MET, "No Channel panel attendance recorded.")
    carried = _assessment(start_next(), 3)

    rate_section(actor=officer, assessment=carried, rating=Rating.MET, narrative="Now attending.")

    carried.refresh_from_db()
    assert (carried.rating, carried.to_reconfirm) == (Rating.MET, False)
    assert carried.history.first().history_change_reason == "Rated Met"


@pytest.mark.parametrize(
    "role", ["treasurer", "chief_executive", "commissioner", "auditor", "administrator"]
)
def test_only_officers_start_a_period(request, period, start_next, role):
    with pytest.raises(PermissionDenied):
        start_next(actor=request.getfixturevalue(role))
    assert ReviewPeriod.objects.count() == 1


def test_overlapping_period_is_refused(officer, period):
    with pytest.raises(ValidationError):
        services.review_period_start(
            actor=officer,
            label="Overlap",
            start_date=period.end_date,
            end_date=period.end_date + timedelta(days=365),
        )
    assert ReviewPeriod.objects.count() == 1


# --- Guidance -------------------------------------------------------------------------------


def _record_guidance(actor, title="Prevent duty guidance 2026"):
    return services.guidance_record(
        actor=actor,
        kind=GuidanceUpdate.Kind.GUIDANCE,
        title=title,
        published_on=date(2026, 1, 1),
        url="https://www.gov.uk/prevent",
    )


def test_guidance_flags_the_period_until_it_is_reconfirmed(officer, period):
    assert not period.pending_guidance().exists()

    update = _record_guidance(officer)

    assert list(period.pending_guidance()) == [update]
    assert update.history.first().history_user == officer
    period = services.review_period_reconfirm(actor=officer, period=period)
    period.refresh_from_db()
    assert period.reconfirmed_at is not None
    assert not period.pending_guidance().exists()
    assert period.history.first().history_change_reason == "Re-confirmed against new guidance"


def test_guidance_after_reconfirmation_flags_it_again(officer, period):
    _record_guidance(officer, "First")
    services.review_period_reconfirm(actor=officer, period=period)
    later = _record_guidance(officer, "Second")
    period.refresh_from_db()
    assert list(period.pending_guidance()) == [later]


def test_period_opened_after_the_guidance_is_not_flagged(officer, period, start_next):
    _record_guidance(officer)
    new = start_next()
    assert period.pending_guidance().exists()
    assert not new.pending_guidance().exists()


@pytest.mark.parametrize("role", ["officer", "chief_executive"])
def test_officers_and_chief_executive_record_guidance(request, period, role):
    user = request.getfixturevalue(role)
    update = _record_guidance(user)
    assert GuidanceUpdate.objects.get() == update
    assert update.recorded_by == user


@pytest.mark.parametrize(
    "role", ["treasurer", "commissioner", "auditor", "administrator", "outsider"]
)
def test_other_roles_cannot_record_guidance(request, period, role):
    with pytest.raises(PermissionDenied):
        _record_guidance(request.getfixturevalue(role))
    assert not GuidanceUpdate.objects.exists()


@pytest.mark.parametrize(
    "role", ["chief_executive", "treasurer", "commissioner", "auditor", "administrator"]
)
def test_only_officers_reconfirm(request, officer, period, role):
    _record_guidance(officer)
    with pytest.raises(PermissionDenied):
        services.review_period_reconfirm(actor=request.getfixturevalue(role), period=period)
    period.refresh_from_db()
    assert period.reconfirmed_at is None
    assert period.pending_guidance().exists()


# --- Submitting and closing -----------------------------------------------------------------


def test_chief_executive_submits_and_reopening_puts_the_period_back_to_open(
    chief_executive, officer, period
):
    with pytest.raises(PermissionDenied):
        services.review_period_mark_in_review(actor=officer, period=period)

    period = services.review_period_mark_in_review(actor=chief_executive, period=period)
    assert ReviewPeriod.objects.get().status == ReviewPeriod.Status.IN_REVIEW
    with pytest.raises(ValidationError):
        services.review_period_mark_in_review(actor=chief_executive, period=period)

    services.review_period_reopen(actor=chief_executive, period=period, reason="Returned")
    period.refresh_from_db()
    assert period.status == ReviewPeriod.Status.OPEN
    assert period.history.first().history_change_reason == "Returned"


def test_closing_stores_the_final_pdf_and_its_hash(commissioner, period):
    closed = services.review_period_close(
        actor=commissioner, period=period, final_pdf=FAKE_FINAL_PDF
    )

    closed.refresh_from_db()
    assert closed.status == ReviewPeriod.Status.SIGNED_OFF
    assert closed.is_locked
    assert closed.signed_off_at is not None
    assert closed.final_pdf.name.startswith(f"reviews/{period.year}/")
    with closed.final_pdf.open("rb") as handle:
        assert handle.read() == FAKE_FINAL_PDF
    assert closed.final_pdf_sha256 == hashlib.sha256(FAKE_FINAL_PDF).hexdigest()


def test_a_signed_off_period_cannot_be_closed_again(commissioner, period):
    closed = services.review_period_close(
        actor=commissioner, period=period, final_pdf=FAKE_FINAL_PDF
    )
    with pytest.raises(ValidationError):
        services.review_period_close(actor=commissioner, period=period, final_pdf=b"%PDF other")
    period.refresh_from_db()
    assert period.final_pdf.name == closed.final_pdf.name
    assert period.final_pdf_sha256 == hashlib.sha256(FAKE_FINAL_PDF).hexdigest()


@pytest.fixture
def closed(commissioner, period, evidence, action):
    """The current period signed off, with evidence and an action that count only in it."""
    services.review_period_close(actor=commissioner, period=period, final_pdf=FAKE_FINAL_PDF)
    period.refresh_from_db()
    return period


def test_signed_off_period_refuses_every_change_in_the_services(
    officer, closed, evidence, action, section
):
    assessment = _assessment(closed, 1)
    with pytest.raises(PermissionDenied):
        rate_section(actor=officer, assessment=assessment, rating=Rating.MET, narrative="")
    with pytest.raises(PermissionDenied):
        services.evidence_update(actor=officer, evidence=evidence, title="Changed after sign-off")
    with pytest.raises(PermissionDenied):
        services.action_update(actor=officer, action=action, status=Action.Status.DONE)
    with pytest.raises(ValidationError):
        services.action_create(
            actor=officer,
            period=closed,
            title="Too late",
            section=section,
            owner=officer,
            due_date=closed.end_date,
        )
    with pytest.raises(ValidationError):
        services.review_period_reconfirm(actor=officer, period=closed)

    assert _assessment(closed, 1).rating == Rating.NOT_ASSESSED
    assert Evidence.objects.get().title == evidence.title
    assert Action.objects.get().status == Action.Status.OPEN


def test_new_evidence_is_not_linked_to_a_signed_off_period(closed, make_evidence):
    late = make_evidence(title="Added after sign-off")
    assert not late.periods.exists()
    assert late not in closed.evidence.all()


def test_evidence_new_to_an_open_period_stays_editable(officer, closed, evidence, start_next):
    new = start_next()
    assert new.evidence.filter(pk=evidence.pk).exists()

    services.evidence_update(actor=officer, evidence=evidence, title="Refreshed for next year")

    assert Evidence.objects.get().title == "Refreshed for next year"


def test_new_evidence_links_the_current_open_period(period, evidence):
    assert list(evidence.periods.all()) == [period]


def test_new_action_is_in_the_plan_of_its_period(period, action):
    assert list(action.periods.all()) == [period]
    assert action.history.first().history_change_reason == "Action raised"
