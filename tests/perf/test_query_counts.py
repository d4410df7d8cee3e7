"""Queries per key page stay within one bound, and the same, as the data grows.

Timings are measured by ``make bench``; these tests guard the query counts, so a page that
starts to run a query per row fails CI. The data comes from the scale generator
(prevent_compliance/devdata/scale/) with smaller units: one unit, then three.
"""

import io
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.extra_data import grow_training, grow_transparency
from decisions.models import Decision
from prevent_compliance.devdata import scale
from tests.prevent_compliance.two_factor import sign_in_verified

# Each unit: 10 review periods, 30 users; evidence, actions and decisions per unit below.
SIZES = {"evidence": 80, "actions": 60, "decisions": 40}
MAX_QUERIES = 12
# Pages allowed more than MAX_QUERIES, by name (none now: keep it that way).
OVER_THE_BOUND: dict[str, int] = {}


def _import_preview_url(django_user_model) -> str:
    """A checked (not imported) decision log of a year's records, by the administrator."""
    from bench.extra_data import IMPORT_RECORDS
    from bench.import_log import log_csv
    from decisions.models import DecisionImport
    from decisions.services import decision_import_check

    admin = django_user_model.objects.get(username="scale.u01.administrator.00")
    job = DecisionImport.objects.filter(requested_by=admin).first()
    if job is None:
        content = log_csv(IMPORT_RECORDS // 4, start_year=1961)
        job = decision_import_check(actor=admin, upload=io.BytesIO(content), name="log.csv")
    return job.get_absolute_url()


def _audit_cursor() -> str:
    from prevent_compliance.audit.selectors import AuditLog, LogFilters

    return str(AuditLog(LogFilters()).rows(limit=1, offset=300, link=False)[0]["cursor"])


def _transparency_urls() -> dict[str, str]:
    """The same meeting and registers at every size: unit 1's (bench/extra_data.py)."""
    from decisions.interests.models import Holder
    from decisions.meetings.models import Meeting

    meeting = Meeting.objects.get(title="Bench meeting 01-00")
    return {
        "meeting": meeting.get_absolute_url(),
        "public meeting": meeting.get_public_url(),
        "own register": Holder.objects.get(
            user__username="scale.u01.commissioner.00"
        ).get_absolute_url(),
        "gifts": Holder.objects.get(slug="bench-senior-01-00").get_absolute_url(),
    }


def _pages(reference: str, import_url: str, cursor: str, transparency: dict[str, str]):
    return [
        ("dashboard", "officer", "/"),
        ("dashboard: waiting for you", "chief executive", "/"),
        ("section page", "officer", "/toolkit/1/"),
        ("evidence list", "officer", "/evidence/"),
        ("action plan", "officer", "/actions/"),
        ("decisions list", "officer", "/decisions/"),
        ("decision detail", "officer", f"/decisions/{reference}/"),
        ("public log", None, "/public/decisions/"),
        ("public decision", None, f"/public/decisions/{reference}/"),
        ("public annual reviews", None, "/public/annual-reviews/"),
        ("audit log", "auditor", "/audit/"),
        ("audit log, deep cursor", "auditor", f"/audit/?before={quote(cursor)}"),
        ("audit log, oldest page", "auditor", "/audit/?page=100000"),
        ("user list", "administrator", "/users/"),
        ("import preview", "administrator", import_url),
        ("training records", "officer", "/training/"),
        ("training: people", "officer", "/training/people/"),
        ("public register of interests", None, "/public/register-of-interests/"),
        ("public gifts and hospitality", None, "/public/gifts-and-hospitality/"),
        ("register of interests", "chief executive", "/interests/"),
        # A holder's register with their gifts and hospitality (the staff register of offers).
        ("gifts and hospitality of a holder", "chief executive", transparency["gifts"]),
        ("my interests", "commissioner", transparency["own register"]),
        ("public meetings", None, "/public/meetings/"),
        ("public meeting", None, transparency["public meeting"]),
        ("public forward plan", None, "/public/forward-plan/"),
        ("public transparency index", None, "/public/transparency/"),
        ("meetings", "officer", "/meetings/"),
        ("meeting detail", "officer", transparency["meeting"]),
        ("forward plan", "officer", "/forward-plan/"),
        # Lists the period's audit packs with who asked for each (tests/toolkit/
        # test_auditpack_contents.py also grows the packs themselves).
        ("period page", "auditor", f"/periods/{_newest_period_year()}/"),
    ]


def _newest_period_year() -> int:
    from toolkit.models import ReviewPeriod

    return ReviewPeriod.objects.order_by("-start_date").values_list("start_date", flat=True)[0].year


def _clients(django_user_model):
    from django.test import Client

    clients = {None: Client()}
    for role, username in (
        ("officer", "officer.00"),
        ("auditor", "auditor.00"),
        ("chief executive", "chief-executive.00"),
        ("administrator", "administrator.00"),
        ("commissioner", "commissioner.00"),
    ):
        # Signed in with a confirmed code, as production asks of everyone (one query more).
        user = django_user_model.objects.get(username=f"scale.u01.{username}")
        clients[role] = sign_in_verified(Client(), user)
    return clients


def _count_pages(clients, django_assert_max_num_queries, django_user_model) -> dict[str, int]:
    reference = (
        Decision.objects.filter(status=Decision.Status.PUBLISHED).order_by("pk").first().reference
    )
    counts = {}
    pages = _pages(
        reference, _import_preview_url(django_user_model), _audit_cursor(), _transparency_urls()
    )
    for name, role, url in pages:
        client = clients[role]
        assert client.get(url).status_code == 200, name  # warm: session refresh, caches
        with (
            django_assert_max_num_queries(OVER_THE_BOUND.get(name, MAX_QUERIES), info=name),
            CaptureQueriesContext(connection) as queries,
        ):
            response = client.get(url)
        assert response.status_code == 200, name
        counts[name] = len(queries)
    return counts


# Committed for real (as on a live server, where ATOMIC_REQUESTS is off), so the pages read the
# counts the services keep in the shared cache as they do in production; inside a test
# transaction they would count afresh on every request (toolkit/summary.py).
@pytest.mark.django_db(transaction=True)
def test_key_pages_query_counts_are_bounded_and_flat(
    toolkit, django_user_model, django_assert_max_num_queries
):
    scale.generate(1, stream=io.StringIO(), sizes=SIZES)
    grow_training(1, timezone.localdate())
    grow_transparency(1, timezone.localdate())
    clients = _clients(django_user_model)
    small = _count_pages(clients, django_assert_max_num_queries, django_user_model)

    scale.generate(3, stream=io.StringIO(), sizes=SIZES)
    grow_training(3, timezone.localdate())
    grow_transparency(3, timezone.localdate())
    large = _count_pages(clients, django_assert_max_num_queries, django_user_model)

    assert small == large, "queries per page changed as the data grew threefold"
