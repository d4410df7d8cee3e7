"""The public log's years are cached, and dropped the moment a public record changes."""

from datetime import date

from django.urls import reverse

from decisions import selectors, services
from tests.decisions.helpers import advance, complete_sections, make_draft


def _public(personas, *, when: date, to: str = "public"):
    decision = make_draft(personas, title=f"Decision of {when:%Y}", decision_date=when)
    complete_sections(decision, actor=personas["officer"])
    return advance(decision, personas, to)


def test_years_are_cached(personas, django_assert_num_queries):
    _public(personas, when=date(2025, 5, 1))
    assert selectors.public_years() == [2025]
    with django_assert_num_queries(0):
        assert selectors.public_years() == [2025]


def test_a_new_year_shows_as_soon_as_its_first_record_is_published(personas, client):
    _public(personas, when=date(2025, 5, 1))
    assert selectors.public_years() == [2025]  # cached
    signed = _public(personas, when=date(2023, 7, 1), to="signed")
    assert selectors.public_years() == [2025], "a signed record is not on the log yet"
    services.decision_publish(actor=personas["officer"], decision=signed)
    assert selectors.public_years() == [2025, 2023]
    page = client.get(reverse("decisions:public_list"))
    assert '<option value="2023"' in page.text


def test_unrelated_saves_keep_the_cache(personas, django_assert_num_queries):
    _public(personas, when=date(2025, 5, 1))
    selectors.public_years()
    make_draft(personas, title="A draft", decision_date=date(2022, 1, 10))
    with django_assert_num_queries(0):
        assert selectors.public_years() == [2025]
