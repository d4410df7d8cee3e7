"""The History page of a record and the site-wide audit log."""

import csv
import io
from datetime import date, datetime, time, timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalChanges

from prevent_compliance.audit import selectors, views
from prevent_compliance.audit.registry import history_url
from toolkit.models import Evidence, Section, SectionAssessment

LINK_EVIDENCE = {
    "title": "Prevent policy",
    "description": "Board-approved policy.",
    "kind": Evidence.Kind.POLICY,
    "url": "https://opcc.example/prevent-policy",
    "effective_date": date(2025, 4, 1),
}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sections(toolkit):
    return list(Section.objects.filter(edition=toolkit).order_by("number")[:2])


@pytest.fixture
def evidence(officer, sections):
    """Evidence saved, then edited twice by the officer, as the services would."""
    record = Evidence(added_by=officer, **LINK_EVIDENCE)
    record._history_user = officer
    record._change_reason = "Evidence added"
    record.save()
    record.sections.set([sections[0]])
    record.title = "Prevent policy 2025"
    record.kind = Evidence.Kind.REPORT
    record._change_reason = "Title corrected"
    record.save()
    record.sections.set([sections[1]])
    return record


def _history(client, record):
    return client.get(history_url(record))


# --- The History page ----------------------------------------------------------------------------


def test_history_shows_each_change_field_by_field(client_for, officer, evidence):
    page = _history(client_for(officer), evidence).content.decode()
    assert "History of Prevent policy 2025" in page
    assert "Changed by Officer Tester" in page
    assert "Title corrected" in page
    assert '<th scope="row" class="govuk-table__header">Title</th>' in page
    assert "Prevent policy" in page and "Prevent policy 2025" in page
    # Choices in words, not stored codes.
    assert "Policy or procedure" in page and "Report" in page
    assert ">policy<" not in page


def test_history_names_added_and_removed_sections(client_for, officer, evidence, sections):
    page = _history(client_for(officer), evidence).content.decode()
    assert f"Added: {sections[1]}" in page
    assert f"Removed: {sections[0]}" in page


def test_history_creation_lists_values_without_internal_fields(client_for, officer, evidence):
    page = _history(client_for(officer), evidence).content.decode()
    assert "Created by Officer Tester" in page
    assert ">Id<" not in page and ">Public id<" not in page and ">Updated at<" not in page


@pytest.mark.parametrize(
    "persona",
    ["officer", "treasurer", "chief_executive", "commissioner", "auditor", "administrator"],
)
def test_everyone_who_may_view_the_record_sees_its_history(client_for, personas, persona, evidence):
    assert _history(client_for(personas[persona]), evidence).status_code == 200


def test_history_is_refused_to_a_user_without_a_role(client_for, outsider, evidence):
    assert _history(client_for(outsider), evidence).status_code == 403


def test_history_needs_sign_in(client_for, evidence):
    response = _history(client_for(None), evidence)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_history_accepts_no_post(client_for, officer, evidence):
    assert client_for(officer).post(history_url(evidence)).status_code == 405


@pytest.mark.parametrize(
    "url",
    [
        "/history/nothing/1/",
        "/history/evidence/not-a-uuid/",
        "/history/assessment/x/",
        "/history/review-period/1999/",
    ],
)
def test_unknown_records_are_not_found(client_for, officer, url):
    assert client_for(officer).get(url).status_code == 404


def test_assessment_and_period_have_history_pages(client_for, officer, period):
    assessment = SectionAssessment.objects.filter(period=period).first()
    client = client_for(officer)
    assert _history(client, assessment).status_code == 200
    assert history_url(assessment) == (
        f"/history/assessment/{period.year}-{assessment.section.number}/"
    )
    assert _history(client, period).status_code == 200


def test_record_pages_link_to_their_history(client_for, officer, evidence, period):
    client = client_for(officer)
    link = history_url(evidence)
    assert link in client.get(evidence.get_absolute_url()).content.decode()
    assessment = SectionAssessment.objects.filter(period=period).first()
    section_page = client.get(reverse("toolkit:section_detail", args=[assessment.section.number]))
    assert history_url(assessment) in section_page.content.decode()


def test_history_page_queries_do_not_grow_with_the_changes(
    client_for, officer, evidence, django_assert_max_num_queries
):
    for number in range(40):
        evidence.description = f"Revision {number}"
        evidence.save()
    client = client_for(officer)
    with django_assert_max_num_queries(20):
        response = _history(client, evidence)
    assert response.context["page"].paginator.count > selectors.HISTORY_PAGE_SIZE
    assert len(response.context["entries"]) == selectors.HISTORY_PAGE_SIZE
    assert _history(client, evidence).context["entries"][-1].changes  # compared across pages


# --- History rows cannot be changed ---------------------------------------------------------------


def test_no_history_model_is_editable_in_the_admin(rf, administrator):
    superuser = type(administrator)(is_superuser=True, is_staff=True, is_active=True)
    request = rf.get("/admin/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        if issubclass(model, HistoricalChanges):
            assert not model_admin.has_change_permission(request), model
            assert not model_admin.has_delete_permission(request), model
            assert not model_admin.has_add_permission(request), model


def test_no_role_may_change_or_delete_history(db):
    risky = Permission.objects.filter(
        codename__regex=r"^(add|change|delete)_historical", group__isnull=False
    )
    assert not risky.exists()
    for group in Group.objects.all():
        assert (
            not group.permissions.filter(codename__contains="historical")
            .exclude(codename__startswith="view_")
            .exists()
        )


# --- The audit log -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["auditor", "administrator"])
def test_auditors_and_administrators_read_the_log(client_for, personas, persona, evidence):
    response = client_for(personas[persona]).get(reverse("audit:log"))
    assert response.status_code == 200
    assert "Prevent policy 2025" in response.content.decode()


@pytest.mark.parametrize(
    "persona", ["officer", "treasurer", "chief_executive", "commissioner", "outsider"]
)
def test_other_roles_cannot_read_the_log_or_export_it(client_for, personas, persona):
    client = client_for(personas[persona])
    assert client.get(reverse("audit:log")).status_code == 403
    assert client.get(reverse("audit:export")).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client_for, db):
    assert client_for(None).get(reverse("audit:log")).status_code == 302


def test_nav_shows_the_log_only_to_those_who_may_read_it(client_for, auditor, officer):
    assert reverse("audit:log") in client_for(auditor).get("/evidence/").content.decode()
    assert reverse("audit:log") not in client_for(officer).get("/evidence/").content.decode()


def _log(client, **params):
    return client.get(reverse("audit:log"), params).context["page"]


def _found(client, **params) -> int:
    """How many rows the filters find, from a log small enough for one page."""
    page = _log(client, **params)
    assert not page.has_older
    return len(page.object_list)


def test_log_merges_every_table_newest_first(client_for, auditor, evidence, period):
    page = _log(client_for(auditor))
    dates = [row["when"] for row in page.object_list]
    assert dates == sorted(dates, reverse=True)
    # The period's criterion ratings (one row per criterion) fill the first page; every other
    # table is in the same log, as each type's own filtered page shows.
    assert "criterion-rating" in {row["record_type"] for row in page.object_list}
    for record_type in ("evidence", "review-period", "assessment"):
        assert _log(client_for(auditor), record_type=record_type).object_list, record_type


def test_log_rows_link_to_the_record_history(client_for, auditor, evidence):
    rows = _log(client_for(auditor), record_type="evidence").object_list
    assert rows and all(row["link"] == history_url(evidence) for row in rows)


def test_log_filters_by_user(client_for, auditor, officer, treasurer, evidence):
    client = client_for(auditor)
    # Two actions (added, then corrected), each a save with its sections folded in.
    assert _found(client, user=officer.username) == 2
    assert _found(client, user=treasurer.username) == 0


def test_log_explains_an_unknown_username(client_for, auditor):
    response = client_for(auditor).get(reverse("audit:log"), {"user": "nobody-at-all"})
    assert "There is no user with that username" in response.content.decode()


def test_log_filters_by_record_type(client_for, auditor, evidence, period):
    page = _log(client_for(auditor), record_type="review-period")
    assert _found(client_for(auditor), record_type="review-period") == period.history.count()
    assert {row["record_type"] for row in page.object_list} == {"review-period"}


def test_log_filters_by_date_range(client_for, auditor, evidence):
    old = evidence.history.order_by("history_date").first()
    # Noon on a local day: "now - 40 days" after 23:00 in winter is the next local day in summer.
    day = timezone.localdate() - timedelta(days=40)
    noon = timezone.make_aware(datetime.combine(day, time(12)))
    type(old).objects.filter(pk=old.pk).update(history_date=noon)
    client = client_for(auditor)
    params = {
        "record_type": "evidence",
        "date_from_0": day.day,
        "date_from_1": day.month,
        "date_from_2": day.year,
        "date_to_0": day.day,
        "date_to_1": day.month,
        "date_to_2": day.year,
    }
    assert _found(client, **params) == 1


def test_log_explains_a_backwards_date_range(client_for, auditor):
    response = client_for(auditor).get(
        reverse("audit:log"),
        {
            "date_from_0": 2,
            "date_from_1": 1,
            "date_from_2": 2025,
            "date_to_0": 1,
            "date_to_1": 1,
            "date_to_2": 2025,
        },
    )
    assert "The to date must be the same as or after the from date" in response.content.decode()


def test_log_is_paginated_in_the_database(
    client_for, auditor, evidence, period, django_assert_max_num_queries
):
    for number in range(views.LOG_PAGE_SIZE + 5):
        evidence.description = f"Revision {number}"
        evidence.save()
    client = client_for(auditor)
    with CaptureQueriesContext(connection) as queries:
        page = _log(client, page=2)
    assert page.number == 2 and len(page.object_list) > 0
    # One UNION ALL reads the page, each table limited to the rows up to the page's end;
    # nothing counts the whole log.
    # (the navigation's "waiting for you" count is a UNION ALL of its own: not the log's)
    union = [
        q["sql"]
        for q in queries.captured_queries
        if "UNION ALL" in q["sql"] and '"log_at"' in q["sql"]
    ]
    assert len(union) == 1 and "LIMIT" in union[0]
    log_queries = [q["sql"] for q in queries.captured_queries if '"_kind"' not in q["sql"]]
    assert not any("COUNT(" in sql for sql in log_queries)  # (the nav count has its own)
    assert len(queries.captured_queries) < 40


def test_log_with_many_rows_runs_a_bounded_number_of_queries(
    client_for, auditor, evidence, django_assert_max_num_queries
):
    for number in range(30):
        evidence.description = f"Revision {number}"
        evidence.save()
    client = client_for(auditor)
    with django_assert_max_num_queries(40):
        client.get(reverse("audit:log"))


def test_csv_export_streams_the_filtered_rows(client_for, auditor, evidence, period):
    response = client_for(auditor).get(reverse("audit:export"), {"record_type": "evidence"})
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["Date and time", "Username", "Name", "Record type"]
    assert len(rows) == 1 + 2  # one line for each action (test_audit_folding.py)
    assert {row[3] for row in rows[1:]} == {"Evidence"}
    assert rows[1][4] == "Prevent policy 2025"


def test_csv_export_defuses_spreadsheet_formulas(client_for, auditor, officer, sections):
    record = Evidence(added_by=officer, **{**LINK_EVIDENCE, "title": '=HYPERLINK("x")'})
    record.save()
    response = client_for(auditor).get(reverse("audit:export"), {"record_type": "evidence"})
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in body
