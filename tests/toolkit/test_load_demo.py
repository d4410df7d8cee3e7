"""`manage.py load_demo`: demonstration users and records, never on a production system."""

import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from prevent_compliance.roles import role_names
from tests.toolkit.helpers import stored_files
from toolkit.models import (
    Action,
    Evidence,
    Rating,
    ReviewPeriod,
    Section,
    SectionAssessment,
    ToolkitEdition,
)

MODELS = [ToolkitEdition, Section, ReviewPeriod, SectionAssessment, Evidence, Action]


def _counts():
    counts = {model.__name__: model.objects.count() for model in MODELS}
    counts |= {f"{model.__name__} history": model.history.count() for model in MODELS}
    counts["users"] = get_user_model().objects.count()
    counts["files"] = len(stored_files())
    return counts


@pytest.fixture(autouse=True)
def _development(settings):
    """As `make run` runs it (the test runner itself turns DEBUG off)."""
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "a-demo-password-for-tests"


def _load(**options):
    out = io.StringIO()
    call_command("load_demo", stdout=out, **options)
    return out.getvalue()


def test_load_demo_is_idempotent(db):
    _load()
    first = _counts()
    _load()
    assert _counts() == first


def test_demo_users_get_their_role_and_the_demo_password(db):
    output = _load()
    User = get_user_model()

    expected = {
        "officer": ["OPCC officer"],
        "treasurer": ["Treasurer"],
        "chief.executive": ["Chief Executive"],
        "commissioner": ["Commissioner"],
        "auditor": ["Auditor"],
        "admin": ["Administrator"],
    }
    for username, roles in expected.items():
        user = User.objects.get(username=username)
        assert role_names(user) == roles
        assert user.check_password("a-demo-password-for-tests"), username
        assert username in output
    assert "password for all: a-demo-password-for-tests" in output


def test_demo_data_has_two_periods_ratings_files_and_overdue_actions(db):
    _load()
    periods = list(ReviewPeriod.objects.order_by("start_date"))
    current = ReviewPeriod.objects.current()

    assert len(periods) == 2
    assert current == periods[1]
    # The current period started from the previous one: two ratings still to re-confirm.
    assert SectionAssessment.objects.filter(period=current, to_reconfirm=True).count() == 2
    assert not SectionAssessment.objects.filter(period=periods[0], rating=Rating.NOT_ASSESSED)
    assert Action.objects.overdue().exists()
    assert Evidence.objects.review_due().exists()
    with_files = Evidence.objects.exclude(file="")
    assert with_files.exists()
    # Other apps' demo data may store files too; every evidence file must be among them.
    assert {Path(e.file.path) for e in with_files} <= set(stored_files())
    assert all(e.sha256 and e.file_size for e in with_files)


def test_load_demo_refuses_when_debug_is_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="Refusing to load demo data with DEBUG off"):
        _load()
    assert get_user_model().objects.count() == 0
    assert Evidence.objects.count() == 0
    assert stored_files() == []


def test_load_demo_runs_with_debug_off_when_forced(db, settings):
    settings.DEBUG = False
    _load(force=True)
    assert get_user_model().objects.filter(username="officer").exists()
    assert Evidence.objects.exists()


def test_demo_ratings_follow_from_their_criteria_or_carry_a_justification(db):
    from django.utils import timezone

    from toolkit import rating_rules, selectors

    _load()
    today = timezone.localdate()
    previous, current = ReviewPeriod.objects.order_by("start_date")
    assert (previous.edition.code, current.edition.code) == ("2024", "2024-02")
    for period in (previous, current):
        for assessment in SectionAssessment.objects.filter(period=period).select_related("section"):
            if assessment.to_reconfirm or assessment.rating == Rating.NOT_ASSESSED:
                continue
            rows = selectors.criterion_rows(period, assessment.section)
            states = selectors.criterion_states(
                rows, selectors.criterion_evidence(period, [assessment.section_id])
            )
            proposed = rating_rules.propose(states, today)
            where = f"{period.label} section {assessment.section.number}"
            assert assessment.rating == proposed or assessment.override_justification, where
            if assessment.rating in rating_rules.HIGH_RATINGS:
                assert not rating_rules.high_rating_problems(states, today), where
                assert assessment.narrative.strip(), where
    # The reviewer's case: section 2 this year is not Met (its CTLP briefing is overdue).
    section_2 = SectionAssessment.objects.get(period=current, section__number=2)
    assert section_2.rating == Rating.PARTLY_MET
