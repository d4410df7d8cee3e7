"""The corrected toolkit edition (updated 12 February 2024) and moving a period onto it."""

import io
from datetime import date, timedelta
from importlib import import_module

import pytest
import yaml
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from toolkit import services
from toolkit.management.commands.seed_toolkit import FIRST_EDITION_FILE, NEW_EDITION_FILE
from toolkit.models import (
    Action,
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


def test_both_editions_are_loaded_and_the_new_one_is_as_published(toolkit, edition):
    assert edition.title == "Prevent duty toolkit for local authorities"
    assert edition.published_on == date(2024, 2, 12)
    assert list(edition.sections.values_list("number", flat=True)) == list(range(1, 9))
    assert ToolkitEdition.objects.order_by("-code").first() == edition


def test_every_new_criterion_says_whose_duty_it_is_and_where_it_comes_from(edition):
    for criterion in Criterion.objects.filter(section__edition=edition):
        assert criterion.duty_holder in Criterion.DutyHolder.values, criterion.code
        assert criterion.source, criterion.code
        assert criterion.level in Criterion.Level.values


def test_must_is_kept_for_what_the_law_puts_on_the_opcc(edition):
    musts = Criterion.objects.filter(section__edition=edition, level="must")
    assert musts.exists()
    for criterion in musts:
        assert criterion.duty_holder == Criterion.DutyHolder.OPCC, criterion.code
        # Each cites an Act, regulation or statutory section, never the toolkit alone.
        assert any(word in criterion.source for word in ("Act", "CTSA", "GDPR", "s26", "s55")), (
            criterion.code
        )


def test_channel_panel_criteria_are_about_assurance_for_the_opcc(edition):
    channel = Section.objects.get(edition=edition, number=5)
    for criterion in channel.criteria.exclude(duty_holder="opcc"):
        assert criterion.level != "must", criterion.code
        assert "assurance" in criterion.text.lower(), criterion.code


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (1, "holds the Chief Constable to account"),
        (1, "HMICFRS recommendation"),
        (3, "Police and Crime Plan"),
        (7, "Before a grant is made or a service commissioned"),
    ],
)
def test_opcc_benchmarks_sit_in_their_sections(edition, number, words):
    section = Section.objects.get(edition=edition, number=number)
    assert any(words in c.text for c in section.criteria.all())


def test_every_first_edition_criterion_is_taken_over_by_a_new_one(toolkit, edition):
    old = Criterion.objects.filter(section__edition=toolkit)
    mapping = services.criterion_mapping(toolkit, edition)
    missing = [c.code for c in old if c.pk not in mapping]
    # 1.7 (agreeing the CTLP response) lives on in the partnership criteria only in part.
    assert missing == ["1.7"]


def test_reloading_changes_nothing(toolkit, edition):
    out = io.StringIO()
    call_command("seed_toolkit", stdout=out)
    assert "0 records created, 0 updated" in out.getvalue()
    assert out.getvalue().count("Toolkit edition") == 2


def test_the_new_edition_needs_the_one_it_supersedes(db):
    with pytest.raises(CommandError, match="supersedes edition 2024, which is not loaded"):
        call_command("seed_toolkit", str(NEW_EDITION_FILE), stdout=io.StringIO())
    assert not ToolkitEdition.objects.exists()


def test_files_given_in_any_order_load_the_superseded_one_first(db):
    call_command(
        "seed_toolkit", str(NEW_EDITION_FILE), str(FIRST_EDITION_FILE), stdout=io.StringIO()
    )
    assert set(ToolkitEdition.objects.values_list("code", flat=True)) == {"2024", "2024-02"}


def test_an_unknown_replaced_code_is_refused_and_nothing_is_loaded(toolkit, tmp_path):
    data = yaml.safe_load(NEW_EDITION_FILE.read_text(encoding="utf-8"))
    data["edition"]["code"] = "2025"
    data["sections"][1]["criteria"][0]["replaces"] = ["2.2", "9.9"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")

    with pytest.raises(CommandError, match=r"criterion 2\.1: replaces 9\.9"):
        call_command("seed_toolkit", str(path), stdout=io.StringIO())
    assert not ToolkitEdition.objects.filter(code="2025").exists()


def test_an_unknown_duty_holder_is_refused(toolkit, tmp_path):
    data = yaml.safe_load(NEW_EDITION_FILE.read_text(encoding="utf-8"))
    data["edition"]["code"] = "2025"
    data["sections"][0]["criteria"][0]["duty_holder"] = "everyone"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")

    with pytest.raises(CommandError, match=r"sections\[1\]\.criteria\[1\]: 'duty_holder'"):
        call_command("seed_toolkit", str(path), stdout=io.StringIO())


# --- starting a period on the new edition --------------------------------------------------


def _rate(officer, period, number, ratings, *, rating=None, justification=""):
    """Rate section ``number`` of the period: ``ratings`` by criterion number."""
    assessment = SectionAssessment.objects.get(period=period, section__number=number)
    rows = CriterionAssessment.objects.filter(period=period, criterion__section__number=number)
    criteria = {
        r.criterion_id: ratings.get(r.criterion.number, CriterionInput(rating="met"))
        for r in rows.select_related("criterion")
    }
    return services.assessment_update(
        actor=officer,
        assessment=assessment,
        rating=rating,
        narrative="As the criteria show.",
        criteria=criteria,
        override_justification=justification,
    )


@pytest.fixture
def last_year(toolkit, officer, today):
    year = (today.year if today.month >= 4 else today.year - 1) - 1
    return services.review_period_create(
        actor=officer,
        label=f"{year}/{str(year + 1)[-2:]}",
        start_date=date(year, 4, 1),
        end_date=date(year + 1, 3, 31),
        edition=toolkit,
    )


def _start(officer, previous, edition=None):
    start = previous.end_date + timedelta(days=1)
    return services.review_period_start(
        actor=officer,
        label="next",
        start_date=start,
        end_date=date(start.year + 1, 3, 31),
        edition=edition,
    )


def test_a_new_period_on_the_same_edition_carries_criteria_to_reconfirm(officer, last_year):
    _rate(
        officer,
        last_year,
        3,
        {2: CriterionInput(rating="partly_met", note="Owners missing")},
        rating="partly_met",
    )
    period = _start(officer, last_year)

    assert period.edition == last_year.edition
    row = CriterionAssessment.objects.get(
        period=period, criterion__section__number=3, criterion__number=2
    )
    assert (row.rating, row.note, row.to_reconfirm) == ("partly_met", "Owners missing", True)
    assert row.carried_from.period == last_year
    assert row.history.first().history_change_reason == f"Carried forward from {last_year.label}"
    unrated = CriterionAssessment.objects.filter(period=period, criterion__section__number=4)
    assert set(unrated.values_list("rating", flat=True)) == {Rating.NOT_ASSESSED}


def test_moving_to_the_new_edition_maps_ratings_evidence_and_actions(
    officer, last_year, toolkit, edition, today
):
    old_2 = {c.number: c for c in Section.objects.get(edition=toolkit, number=2).criteria.all()}
    # 2.2 (due regard) met; 2.3 met and 2.4 not met, which the new 2.3 takes over together.
    _rate(
        officer,
        last_year,
        2,
        {
            2: CriterionInput(rating="met", note="Due regard minuted"),
            4: CriterionInput(rating="not_met"),
            5: CriterionInput(rating="not_applicable", reason="The force holds the register"),
        },
        rating="partly_met",
        justification="Mixed",
    )
    evidence = services.evidence_create(
        actor=officer,
        title="Risk assessment minutes",
        kind="minutes",
        effective_date=last_year.start_date,
        review_by=None,
        url="https://example.org/minutes",
        sections=[old_2[2].section],
        criteria=[old_2[2]],
        periods=[last_year],
    )
    action = services.action_create(
        actor=officer,
        period=last_year,
        title="Match risks to actions",
        section=old_2[4].section,
        criterion=old_2[4],
        owner=officer,
        due_date=today + timedelta(days=30),
    )
    edition_before = last_year.edition_id

    period = _start(officer, last_year, edition=edition)

    assert period.edition == edition
    assert ReviewPeriod.objects.get(pk=last_year.pk).edition_id == edition_before
    new_2 = {c.number: c for c in Section.objects.get(edition=edition, number=2).criteria.all()}
    rows = {
        r.criterion.number: r
        for r in CriterionAssessment.objects.filter(period=period, criterion__section__number=2)
    }
    assert (rows[1].rating, rows[1].to_reconfirm) == ("met", True)  # from 2.2
    assert "From 2.2 of edition 2024." in rows[1].note and "Due regard minuted" in rows[1].note
    assert rows[3].rating == Rating.PARTLY_MET  # 2.3 met + 2.4 not met
    assert (rows[4].rating, rows[4].reason) == ("not_applicable", "The force holds the register")
    # The section's rating and justification carry forward too, to re-confirm.
    section = SectionAssessment.objects.get(period=period, section__number=2)
    assert (section.rating, section.to_reconfirm, section.section.edition) == (
        "partly_met",
        True,
        edition,
    )
    # Evidence follows its criteria and sections into the new edition; the old links stay.
    evidence.refresh_from_db()
    assert set(evidence.criteria.all()) == {old_2[2], new_2[1]}
    assert {s.edition for s in evidence.sections.all()} == {toolkit, edition}
    assert period in evidence.periods.all()
    # The live action moves to the new edition's section and the criterion that took it over.
    action.refresh_from_db()
    assert (action.section, action.criterion) == (new_2[3].section, new_2[3])
    assert period in action.periods.all() and last_year in action.periods.all()
    assert "Moved to the Prevent duty toolkit" in action.history.first().history_change_reason


def test_a_must_is_never_carried_as_not_applicable(officer, last_year, edition):
    """Old 5.8 ("must") maps to new 5.4 ("must"); old 5.7 ("should") to new 5.3."""
    for number in (7, 8):
        old = Criterion.objects.get(
            section__edition=last_year.edition, section__number=5, number=number
        )
        row = CriterionAssessment.objects.get(period=last_year, criterion=old)
        row.rating, row.reason = Rating.NOT_APPLICABLE, "Not for this office"
        row.save()

    period = _start(officer, last_year, edition=edition)

    new = {
        r.criterion.number: r
        for r in CriterionAssessment.objects.filter(period=period, criterion__section__number=5)
    }
    assert (new[3].rating, new[3].to_reconfirm) == (Rating.NOT_APPLICABLE, True)
    assert (new[4].rating, new[4].to_reconfirm) == (Rating.NOT_ASSESSED, False)


def test_the_backfill_migration_gives_old_periods_their_criterion_rows(last_year, toolkit):
    CriterionAssessment.history.model.objects.all().delete()
    CriterionAssessment.objects.filter(period=last_year).delete()
    migration = import_module("toolkit.migrations.0007_criterion_assessment_rows")

    migration.add_rows(apps, None)
    migration.add_rows(apps, None)  # twice: nothing is added twice

    assert CriterionAssessment.objects.filter(period=last_year).count() == (
        Criterion.objects.filter(section__edition=toolkit).count()
    )


def test_actions_stay_in_their_section_when_the_edition_does_not_change(officer, last_year, today):
    section = Section.objects.get(edition=last_year.edition, number=3)
    action = services.action_create(
        actor=officer,
        period=last_year,
        title="Refresh the plan",
        section=section,
        owner=officer,
        due_date=today + timedelta(days=30),
    )
    period = _start(officer, last_year)
    action = Action.objects.get(pk=action.pk)
    assert (action.section, action.version) == (section, 1)
    assert period in action.periods.all()
