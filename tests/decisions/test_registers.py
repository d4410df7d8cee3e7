"""References as offices number them, unique within their register (issue 12 item 3)."""

from datetime import date
from urllib.parse import unquote

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import resolve, reverse

from decisions.models import Decision, split_url_key, url_key
from decisions.references import (
    CALENDAR_YEAR,
    FINANCIAL_YEAR,
    WHOLE_LOG,
    organisation_register_scheme,
    reference_allocate,
    register_for,
    validate_reference_in_register,
    validate_register,
)
from prevent_compliance.models import (
    OrganisationProfile,
    financial_year,
    split_reference_format,
    validate_reference,
)

from .records import imported

pytestmark = pytest.mark.django_db

PRINTED = [
    "57 – 2014",  # en dash with spaces
    "57-2014",
    "001",
    "PCC/D/2023/03",
    "Decision 12 (a)",
    "(2014) 57",
    "DN 2019.04",
    "WPCC4-0028",
    "2013/14 – 001",
]


@pytest.mark.parametrize("reference", PRINTED)
def test_references_as_offices_print_them_are_valid(reference):
    validate_reference(reference)
    validate_reference_in_register(reference, "2013-14")


@pytest.mark.parametrize(
    "reference",
    ["", " 57", "57 ", "57\t1", "A\x00B", "A\u200bB", "~2013/001", "57 –", "x" * 61, "A/ B"],
)
def test_unprintable_or_ambiguous_references_are_refused(reference):
    with pytest.raises(ValidationError):
        validate_reference_in_register(reference, "")


@pytest.mark.parametrize("register", ["", "2013", "2013-14", "1999-00"])
def test_registers(register):
    validate_register(register)


@pytest.mark.parametrize("register", ["13-14", "2013-15", "2013/14", "2013 ", "FY2013", "x"])
def test_bad_registers(register):
    with pytest.raises(ValidationError):
        validate_register(register)


@pytest.mark.parametrize(
    ("scheme", "on", "register"),
    [
        (WHOLE_LOG, date(2014, 3, 31), ""),
        (CALENDAR_YEAR, date(2013, 12, 31), "2013"),
        (CALENDAR_YEAR, date(2014, 1, 1), "2014"),
        (FINANCIAL_YEAR, date(2014, 3, 31), "2013-14"),
        (FINANCIAL_YEAR, date(2014, 4, 1), "2014-15"),
        (FINANCIAL_YEAR, date(1999, 4, 1), "1999-00"),
    ],
)
def test_register_for_a_date(scheme, on, register):
    assert register_for(scheme, on) == register


def test_numbering_that_restarts_every_year_keeps_both_001s():
    first = imported(reference="001", register="2012-13", decision_date=date(2012, 6, 1))
    second = imported(reference="001", register="2013-14", decision_date=date(2013, 6, 1))
    assert first.url_key == "~2012-13/001" and second.url_key == "~2013-14/001"
    with pytest.raises(ValidationError) as caught:
        validate_reference_in_register("001", "2013-14", unique=True)
    assert "already used in register 2013-14" in str(caught.value)
    validate_reference_in_register("001", "2013-14", unique=True, exclude_pk=second.pk)
    validate_reference_in_register("001", "2014-15", unique=True)
    with pytest.raises(ValidationError):
        imported(reference="001", register="2013-14", decision_date=date(2013, 7, 1))
    third = imported(reference="001", register="2014-15", decision_date=date(2014, 7, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=third.pk).update(register="2013-14")


def test_the_database_refuses_a_register_that_is_not_a_year():
    record = imported(reference="002")
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=record.pk).update(register="anything")


@pytest.mark.parametrize("reference", PRINTED)
@pytest.mark.parametrize("register", ["", "2013-14"])
def test_addresses_round_trip(reference, register):
    key = url_key(register, reference)
    assert split_url_key(key) == (register, reference)
    for name in ("decisions:detail", "decisions:pdf", "decisions:public_detail"):
        path = reverse(name, kwargs={"reference": key})
        match = resolve(unquote(path))  # the server decodes the path before resolving
        assert match.url_name == name.split(":")[1]
        assert match.kwargs["reference"] == key


def test_old_addresses_of_whole_log_references_are_unchanged(wpcc4_0028):
    assert wpcc4_0028.register == ""
    assert wpcc4_0028.get_absolute_url() == "/decisions/WPCC4-0028/"
    assert wpcc4_0028.get_public_url() == "/public/decisions/WPCC4-0028/"


@pytest.mark.parametrize("reference", ["57 – 2014", "PCC/D/2023/03", "Decision 12 (a)"])
def test_pages_of_printed_references_open(reference, personas, client_for):
    whole = imported(reference=reference)
    yearly = imported(reference=reference, register="2014-15", decision_date=date(2014, 5, 1))
    client = client_for(personas["auditor"])
    for record in (whole, yearly):
        page = client.get(record.get_absolute_url())
        assert page.status_code == 200 and record.title in page.text
        assert client.get(reverse("decisions:pdf", args=[record.url_key])).status_code == 200
        public = client_for(None).get(record.get_public_url())
        assert public.status_code == 200
        client = client_for(personas["auditor"])
    # the two records with the same reference are told apart
    assert client.get(whole.get_absolute_url()).context["decision"].pk == whole.pk
    assert client.get(yearly.get_absolute_url()).context["decision"].pk == yearly.pk


def test_a_register_address_for_an_unknown_register_is_not_found(personas, client_for):
    imported(reference="001", register="2013-14", decision_date=date(2013, 6, 1))
    client = client_for(personas["auditor"])
    assert client.get("/decisions/~2014-15/001/").status_code == 404
    assert client.get("/decisions/001/").status_code == 404  # not in the whole log


# --- {fy} and {fy_short} ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "fy", "short"),
    [(2025, 3, "2024-25", "24-25"), (2025, 4, "2025-26", "25-26"), (2099, 12, "2099-00", "99-00")],
)
def test_financial_year(year, month, fy, short):
    assert financial_year(year, month) == (fy, short)


def test_formats_with_financial_years():
    parts = split_reference_format(
        "{prefix}/{fy}/{seq:03d}", prefix="OPCC", term=4, year=2025, month=3
    )
    assert parts == ("OPCC/2024-25/", "03d", "")
    parts = split_reference_format("{fy_short}-{seq}", prefix="", term=4, year=2025, month=4)
    assert parts[0] == "25-26-"


def test_allocation_restarts_each_financial_year(officer):
    profile = OrganisationProfile.objects.order_by("pk").first() or OrganisationProfile()
    profile.reference_format = "{prefix}-{fy}-{seq:03d}"
    profile.full_clean()
    profile.save()
    assert organisation_register_scheme(profile) == FINANCIAL_YEAR
    with transaction.atomic():
        march = reference_allocate(actor=officer, today=date(2025, 3, 31))
        imported(reference=march)
        april = reference_allocate(actor=officer, today=date(2025, 4, 1))
    assert march == "WPCC-2024-25-001"
    assert april == "WPCC-2025-26-001"


def test_the_register_scheme_follows_the_format():
    assert organisation_register_scheme(OrganisationProfile(reference_format="{seq}")) == WHOLE_LOG
    year = OrganisationProfile(reference_format="{year}/{seq}")
    assert organisation_register_scheme(year) == CALENDAR_YEAR
