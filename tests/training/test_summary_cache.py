"""Outside a transaction (as on a live server) the figures come from the shared cache, and a
recorded completion shows on the next read. Transactional: these tests commit for real."""

import pytest
from django.core.cache import cache

from toolkit.training import selectors, services

pytestmark = pytest.mark.django_db(transaction=True)


def test_figures_are_cached_and_refreshed_by_a_change(
    officer, person, course, today, django_assert_num_queries
):
    cache.clear()
    first = selectors.training_summary()
    assert (first.overall.in_date, first.overall.needed) == (0, 1)
    with django_assert_num_queries(0):
        assert selectors.training_summary() == first
    services.completion_record(actor=officer, person=person, course=course, completed_on=today)
    after = selectors.training_summary()
    assert (after.overall.in_date, after.overall.needed) == (1, 1)
