"""The action plan: raising, changing, reading and filtering actions."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.toolkit.helpers import action_post, error_summary
from toolkit.models import Action

CREATE_URL = reverse("toolkit:action_create")
LIST_URL = reverse("toolkit:action_list")


def _edit_url(action):
    return reverse("toolkit:action_edit", kwargs={"public_id": action.public_id})


def _detail_url(action):
    return reverse("toolkit:action_detail", kwargs={"public_id": action.public_id})


# --- Create ---------------------------------------------------------------------------------


def test_officer_raises_an_action(client_for, officer, treasurer, period, section, today):
    criterion = section.criteria.get(number=1)
    data = action_post(section=section, owner=treasurer, today=today, criterion=criterion.pk)

    response = client_for(officer).post(CREATE_URL, data)

    action = Action.objects.get()
    assert response.status_code == 302
    assert response.url == _detail_url(action)
    assert action.title == "Brief partners on the new CTLP"
    assert (action.section, action.criterion, action.owner) == (section, criterion, treasurer)
    assert action.period == period
    assert action.created_by == officer
    assert action.status == Action.Status.OPEN
    assert action.completed_on is None
    assert action.due_date == today + timedelta(days=30)
    first = action.history.earliest()
    assert (first.history_user, first.history_change_reason) == (officer, "Action raised")


def test_raise_action_form_preselects_the_section(client_for, officer, period, toolkit):
    response = client_for(officer).get(CREATE_URL, {"section": 3})
    assert response.status_code == 200
    assert response.context["form"].initial["section"].number == 3


@pytest.mark.parametrize("value", ["abc", "99", ""])
def test_raise_action_form_ignores_a_bad_section_parameter(client_for, officer, period, value):
    response = client_for(officer).get(CREATE_URL, {"section": value})
    assert response.status_code == 200
    assert response.context["form"].initial.get("section") is None


def test_empty_submission_shows_what_is_missing(client_for, officer, period):
    response = client_for(officer).post(CREATE_URL, {})
    assert response.status_code == 200
    summary = error_summary(response)
    for message in ("Enter a title", "Select the section", "Select who owns", "Enter the due date"):
        assert message in summary
    assert Action.objects.count() == 0


def test_raising_an_action_needs_a_review_period(client_for, officer, toolkit):
    assert client_for(officer).get(CREATE_URL).status_code == 404


def test_action_marked_done_when_raised_is_stamped_today(
    client_for, officer, period, section, today
):
    data = action_post(section=section, owner=officer, today=today, status=Action.Status.DONE)
    response = client_for(officer).post(CREATE_URL, data)
    assert response.status_code == 302
    assert Action.objects.get().completed_on == today


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Enter a title for the action"),
        ({"section": ""}, "Select the section this action is for"),
        ({"owner": ""}, "Select who owns this action"),
        ({"due_date_0": "", "due_date_1": "", "due_date_2": ""}, "Enter the due date"),
        ({"due_date_2": "25"}, "Year must include 4 numbers"),
    ],
    ids=["title", "section", "owner", "due-date", "short-year"],
)
def test_incomplete_action_is_refused(
    client_for, officer, period, section, today, overrides, message
):
    data = action_post(section=section, owner=officer, today=today)
    data.update(overrides)
    response = client_for(officer).post(CREATE_URL, data)
    assert response.status_code == 200
    assert message in error_summary(response)
    assert Action.objects.count() == 0


def test_completion_date_without_done_is_refused(client_for, officer, period, section, today):
    data = action_post(
        section=section, owner=officer, today=today, status="in_progress", completed_on=today
    )
    response = client_for(officer).post(CREATE_URL, data)
    assert response.status_code == 200
    assert "Only give a completion date when the action is done" in error_summary(response)
    assert Action.objects.count() == 0


def test_criterion_from_another_section_is_refused(
    client_for, officer, period, section, other_section, today
):
    stray = other_section.criteria.first()
    data = action_post(section=section, owner=officer, today=today, criterion=stray.pk)
    response = client_for(officer).post(CREATE_URL, data)
    assert response.status_code == 200
    assert "criteria, or none" in error_summary(response)  # names criterion and section
    assert Action.objects.count() == 0


def test_owner_must_hold_a_role(client_for, officer, outsider, period, section, today):
    data = action_post(section=section, owner=outsider, today=today)
    response = client_for(officer).post(CREATE_URL, data)
    assert response.status_code == 200
    assert "Select a valid choice" in error_summary(response)
    assert Action.objects.count() == 0


# --- Edit -----------------------------------------------------------------------------------


def test_marking_an_action_done_stamps_the_completion_date(
    client_for, officer, action, section, today
):
    data = action_post(
        section=section,
        owner=officer,
        today=today,
        title=action.title,
        status=Action.Status.DONE,
        progress_notes="Terms agreed at the June board.",
    )

    response = client_for(officer).post(_edit_url(action), data)

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == Action.Status.DONE
    assert action.completed_on == today
    assert action.progress_notes == "Terms agreed at the June board."
    latest = action.history.first()
    assert (latest.history_user, latest.history_change_reason) == (officer, "Action done")


def test_marking_done_keeps_a_given_completion_date(client_for, officer, action, section, today):
    finished = today - timedelta(days=3)
    data = action_post(
        section=section, owner=officer, today=today, status="done", completed_on=finished
    )
    assert client_for(officer).post(_edit_url(action), data).status_code == 302
    action.refresh_from_db()
    assert action.completed_on == finished


def test_reopening_a_done_action_clears_its_completion_date(
    client_for, officer, make_action, section, today
):
    action = make_action(status=Action.Status.DONE)
    assert action.completed_on == today
    data = action_post(section=section, owner=officer, today=today, status="in_progress")

    response = client_for(officer).post(_edit_url(action), data)

    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.completed_on) == (Action.Status.IN_PROGRESS, None)


def test_edit_refuses_a_completion_date_on_an_open_action(
    client_for, officer, action, section, today
):
    history = action.history.count()
    data = action_post(section=section, owner=officer, today=today, completed_on=today)
    response = client_for(officer).post(_edit_url(action), data)
    assert response.status_code == 200
    assert "Only give a completion date when the action is done" in error_summary(response)
    action.refresh_from_db()
    assert action.completed_on is None
    assert action.history.count() == history


def test_edit_refuses_a_criterion_from_another_section(
    client_for, officer, action, section, other_section, today
):
    data = action_post(
        section=section, owner=officer, today=today, criterion=other_section.criteria.first().pk
    )
    response = client_for(officer).post(_edit_url(action), data)
    assert response.status_code == 200
    assert "criteria, or none" in error_summary(response)  # names criterion and section
    action.refresh_from_db()
    assert action.criterion is None


def test_saving_an_unchanged_action_writes_no_history(client_for, officer, action, section):
    history = action.history.count()
    data = action_post(section=section, owner=officer, today=action.due_date - timedelta(days=30))
    data["title"] = action.title
    data["description"] = action.description
    data["priority"] = action.priority
    data["version"] = action.version  # the hidden field the edit form carries
    response = client_for(officer).post(_edit_url(action), data)
    assert response.status_code == 302
    assert action.history.count() == history


# --- Detail ---------------------------------------------------------------------------------


def test_detail_shows_the_action_and_who_last_changed_it(client_for, auditor, action, today):
    content = client_for(auditor).get(_detail_url(action)).content.decode()
    assert "Refresh the board&#x27;s terms of reference</h1>" in content
    assert f"Last changed by Officer Tester on {today:%-d %B %Y}" in content
    assert "(Action raised)" in content
    assert "Overdue" not in content


def test_detail_says_overdue_in_words(client_for, auditor, make_action, today):
    action = make_action(due_date=today - timedelta(days=1))
    content = client_for(auditor).get(_detail_url(action)).content.decode()
    assert '<strong class="govuk-tag govuk-tag--red">Overdue</strong>' in content


# --- List and filters -----------------------------------------------------------------------


@pytest.fixture
def plan(make_action, officer, treasurer, section, other_section, today):
    """A small action plan covering each status and the overdue boundary."""
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)
    return {
        "late": make_action(title="Late", due_date=yesterday),
        "due today": make_action(title="Due today", due_date=today, status="in_progress"),
        "treasurer's": make_action(
            title="Treasurer's", owner=treasurer, section=other_section, due_date=yesterday
        ),
        "done": make_action(title="Done", due_date=yesterday, status="done"),
        "cancelled": make_action(
            title="Cancelled", section=other_section, due_date=yesterday, status="cancelled"
        ),
        "later": make_action(title="Later", owner=treasurer, due_date=tomorrow),
    }


def _listed(client, **params) -> set[str]:
    response = client.get(LIST_URL, params)
    assert response.status_code == 200
    titles = {action.title for action in response.context["page"].object_list}
    assert f"{len(titles)} action{'s' if len(titles) != 1 else ''} found." in (
        response.content.decode()
    )
    return titles


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"Late", "Due today", "Treasurer's", "Done", "Cancelled", "Later"}),
        ({"overdue": "yes"}, {"Late", "Treasurer's"}),
        ({"overdue": "no"}, {"Due today", "Done", "Cancelled", "Later"}),
        ({"status": "done"}, {"Done"}),
        ({"status": "in_progress"}, {"Due today"}),
        ({"section": "other"}, {"Treasurer's", "Cancelled"}),
        ({"owner": "treasurer"}, {"Treasurer's", "Later"}),
        ({"owner": "treasurer", "overdue": "yes"}, {"Treasurer's"}),
        ({"section": "other", "status": "open", "overdue": "no"}, set()),
    ],
    ids=[
        "all",
        "overdue",
        "not-overdue",
        "done",
        "in-progress",
        "section",
        "owner",
        "owner-overdue",
        "nothing-matches",
    ],
)
def test_action_plan_filters(client_for, auditor, treasurer, other_section, plan, params, expected):
    lookup = {"other": other_section.pk, "treasurer": treasurer.pk}
    query = {key: lookup.get(value, value) for key, value in params.items()}
    assert _listed(client_for(auditor), **query) == expected


def test_action_plan_ignores_an_unknown_filter_value(client_for, auditor, plan):
    response = client_for(auditor).get(LIST_URL, {"status": "lost", "overdue": "maybe"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_action_plan_pages_keep_the_filters(client_for, auditor, make_action, today):
    for number in range(27):
        make_action(title=f"Overdue {number:02d}", due_date=today - timedelta(days=1 + number))
    make_action(title="Not overdue", due_date=today)
    client = client_for(auditor)

    first = client.get(LIST_URL, {"overdue": "yes"})
    second = client.get(LIST_URL, {"overdue": "yes", "page": 2})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 2
    assert 'href="?overdue=yes&amp;page=2"' in first.content.decode()
    assert "Not overdue" not in {a.title for a in second.context["page"].object_list}
