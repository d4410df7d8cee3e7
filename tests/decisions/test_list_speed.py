"""What keeps the decision lists cheap without changing what they show: the staff list's
years read from the ends of the date index (never out of date), and the public log's filters
written out in GOV.UK markup, the same markup the form layout library rendered before."""

import re
from datetime import date
from pathlib import Path

import pytest
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from decisions import services
from decisions.list_filters import decision_years
from decisions.public_views import LogFilterForm

from .helpers import make_draft

DECISION_LIST = reverse("decisions:list")
SNAPSHOTS = Path(__file__).parent / "data" / "public_filter_form"


def _year_options(response) -> list[str]:
    select = response.text.split('name="year"')[1].split("</select>")[0]
    return re.findall(r'<option value="(\d+)"', select)


def test_the_staff_years_run_from_the_newest_decision_to_the_oldest(personas):
    assert decision_years() == []
    make_draft(personas, decision_date=date(2023, 3, 1))
    make_draft(personas, decision_date=date(2025, 5, 1))
    assert decision_years() == [2025, 2024, 2023]


def test_the_staff_years_are_one_query_whatever_the_size(personas, django_assert_num_queries):
    for year in (2021, 2022, 2024):
        make_draft(personas, decision_date=date(year, 6, 1))
    with django_assert_num_queries(1):
        assert decision_years() == [2024, 2023, 2022, 2021]


def test_a_new_year_and_a_changed_date_show_at_once(personas, client_for):
    client = client_for(personas["officer"])
    draft = make_draft(personas, decision_date=date(2024, 5, 1))
    assert _year_options(client.get(DECISION_LIST)) == ["2024"]
    make_draft(personas, decision_date=date(2026, 1, 2))
    assert _year_options(client.get(DECISION_LIST)) == ["2026", "2025", "2024"]
    services.decision_update(
        actor=personas["officer"], decision=draft, decision_date=date(2025, 1, 1)
    )
    assert _year_options(client.get(DECISION_LIST)) == ["2026", "2025"]


@pytest.mark.django_db(transaction=True)
def test_the_years_follow_changes_inside_and_after_a_transaction(roles_present, personas):
    draft = make_draft(personas, decision_date=date(2024, 5, 1))
    with transaction.atomic():
        make_draft(personas, decision_date=date(2022, 2, 2))
        assert decision_years() == [2024, 2023, 2022], "the writer's own transaction"
        services.decision_update(
            actor=personas["officer"], decision=draft, decision_date=date(2023, 1, 1)
        )
        assert decision_years() == [2023, 2022]
    assert decision_years() == [2023, 2022], "after the commit"
    with pytest.raises(RuntimeError), transaction.atomic():
        make_draft(personas, decision_date=date(2027, 1, 1))
        raise RuntimeError("rolled back")
    assert decision_years() == [2023, 2022], "a rolled back decision leaves no year"


# --- The public log's filters ---------------------------------------------------------------

# The cases rendered with the crispy-forms GDS layout before the markup was written out
# (snapshots in data/public_filter_form: <case>.html the fields, taken with today 1 June
# 2026, and <case>.summary.html the error summary).
CASES = {
    "empty": {},
    "chosen": {
        "q": "grants",
        "year": "2024",
        "fy": "2024-25",
        "term": "4",
        "maker": "pcc",
        "status": "published",
        "sort": "reference",
    },
    "not-offered": {"year": "2019", "fy": "2018-19", "term": "3", "sort": "date-oldest"},
    "errors": {
        "q": "ab",
        "year": "x",
        "fy": "2024-26",
        "term": "9",
        "maker": "nobody",
        "status": "lost",
        "sort": "colour",
    },
    "long-query": {"q": "x" * 10_001, "year": "20244"},
    "markup": {"q": "\"<b>&amp;'", "maker": "<script>"},
}
MONTHS = [(2025, 5), (2025, 1), (2024, 6), (2024, 2), (2022, 11)]


def _normal(html: str) -> str:
    return re.sub(r"\s+", " ", html).strip()


@pytest.mark.parametrize("case", CASES)
def test_the_filters_keep_the_markup_the_layout_rendered(case, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda: date(2026, 6, 1))
    form = LogFilterForm(CASES[case], months=MONTHS, current_term=4)
    rendered = render_to_string("public/partials/log_filters.html", {"form": form})
    before = (SNAPSHOTS / f"{case}.html").read_text(encoding="utf-8")
    # The one correction: the layout wrote the search box's type twice (type="text" first,
    # which browsers obey), where the form asked for a search box.
    before = before.replace('<input type="text" name="q"', '<input name="q"')
    assert _normal(rendered) == _normal(before)
    assert bool(form.errors) == (case in ("errors", "long-query", "markup"))


@pytest.mark.parametrize("case", ["errors", "long-query", "markup"])
def test_the_error_summary_keeps_the_markup_the_layout_rendered(case):
    form = LogFilterForm(CASES[case], months=MONTHS, current_term=4)
    rendered = render_to_string("public/partials/log_filter_errors.html", {"form": form})
    before = (SNAPSHOTS / f"{case}.summary.html").read_text(encoding="utf-8")
    assert _normal(rendered) == _normal(before)


def test_no_errors_no_summary():
    form = LogFilterForm(CASES["chosen"], months=MONTHS, current_term=4)
    assert not render_to_string("public/partials/log_filter_errors.html", {"form": form}).strip()


def test_the_snapshot_cases_are_the_ones_tested():
    names = {p.name.split(".")[0] for p in SNAPSHOTS.glob("*.html")}
    assert names == set(CASES)
