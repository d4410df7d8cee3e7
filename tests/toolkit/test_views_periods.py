"""Review-cycle pages: periods, guidance, the lock after sign-off, and what auditors may do."""

import html
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from prevent_compliance.models import get_organisation
from tests.toolkit.helpers import (
    action_post,
    assessment_form_data,
    date_fields,
    error_summary,
    evidence_post,
    rate_section,
)
from toolkit import services
from toolkit.models import (
    Action,
    Evidence,
    ExportJob,
    GuidanceUpdate,
    Rating,
    ReviewPeriod,
    SectionAssessment,
    ToolkitEdition,
)

FAKE_FINAL_PDF = b"%PDF-1.7\n% the signed annual review\n%%EOF\n"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
READ_ONLY_ROLES = ["auditor", "treasurer", "commissioner", "administrator"]


def _financial_year() -> int:
    today = timezone.localdate()
    return today.year if today.month >= 4 else today.year - 1


def _label(year: int) -> str:
    return f"{year}/{str(year + 1)[-2:]}"


def _rate(officer, period, number, rating, narrative="Evidence on file."):
    assessment = SectionAssessment.objects.get(period=period, section__number=number)
    return rate_section(actor=officer, assessment=assessment, rating=rating, narrative=narrative)


def _text(response) -> str:
    """The page's visible words, one space apart."""
    content = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(content).split())


def _rating_rows(response) -> dict[int, str]:
    """Each row of the period page's ratings table, as text, by section number."""
    table = re.search(r"<h2[^>]*>Ratings</h2>(.*?)</table>", response.content.decode(), re.S)
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", table.group(1), re.S)
    texts = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in rows]
    return {int(text.split(".")[0]): text for text in texts if text[:1].isdigit()}


def _record_guidance(actor, title="Prevent duty guidance (updated)"):
    return services.guidance_record(
        actor=actor, kind=GuidanceUpdate.Kind.GUIDANCE, title=title, published_on=date(2026, 3, 1)
    )


@pytest.fixture
def carried(officer, toolkit):
    """Last year's period, rated, and the current one started from it through the service."""
    year = _financial_year()
    last = services.review_period_create(
        actor=officer,
        label=_label(year - 1),
        start_date=date(year - 1, 4, 1),
        end_date=date(year, 3, 31),
        edition=toolkit,
    )
    _rate(officer, last, 1, Rating.MET, "Board meets quarterly.")
    _rate(officer, last, 2, Rating.NOT_MET, "No risk assessment.")
    current = services.review_period_start(
        actor=officer,
        label=_label(year),
        start_date=date(year, 4, 1),
        end_date=date(year + 1, 3, 31),
    )
    return last, current


# --- Carry-forward on the pages -------------------------------------------------------------


def test_period_page_shows_last_years_rating_beside_the_carried_one(client_for, auditor, carried):
    _, current = carried

    response = client_for(auditor).get(reverse("toolkit:period_detail", args=[current.year]))

    assert response.status_code == 200
    rows = _rating_rows(response)
    assert len(rows) == 8
    assert rows[1].endswith("Met To re-confirm 8 of 8 met, 8 to re-confirm Met")
    assert rows[2].endswith("Not met To re-confirm 0 of 7 met, 7 not met, 7 to re-confirm Not met")
    assert rows[3].endswith("Not assessed 0 of 6 met, 6 not assessed None")
    assert "Confirm ratings reviewed" not in response.content.decode()


def test_officer_reconfirms_a_carried_rating_by_saving_it_unchanged(client_for, officer, carried):
    _, current = carried
    client = client_for(officer)
    assessment = SectionAssessment.objects.get(period=current, section__number=1)

    response = client.post(
        reverse("toolkit:assessment_edit", args=[1]),
        assessment_form_data(assessment, narrative="Board meets quarterly."),
    )

    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.rating, assessment.to_reconfirm) == (Rating.MET, False)
    assert assessment.history.first().history_change_reason == "Re-confirmed"
    assert assessment.history.first().history_user == officer
    rows = _rating_rows(client.get(reverse("toolkit:period_detail", args=[current.year])))
    # Still shown beside last year's, no longer to re-confirm.
    assert rows[1].endswith("Met 8 of 8 met Met")
    assert "To re-confirm" in rows[2]


def test_officer_starts_the_next_period_from_the_browser(client_for, officer, carried):
    last, current = carried
    _rate(officer, current, 4, Rating.PARTLY_MET, "Plan half written.")
    client = client_for(officer)
    url = reverse("toolkit:period_start")

    form = client.get(url)
    assert form.status_code == 200
    text = _text(form)
    assert f"The new period starts from {current.label}" in text
    assert f'value="{_label(current.year + 1)}"' in form.content.decode()

    start = current.end_date + timedelta(days=1)
    response = client.post(
        url,
        {
            "label": _label(start.year),
            **date_fields("start_date", start),
            **date_fields("end_date", date(start.year + 1, 3, 31)),
        },
    )

    new = ReviewPeriod.objects.get(start_date=start)
    assert response.status_code == 302
    assert response["Location"] == new.get_absolute_url()
    carried_four = SectionAssessment.objects.get(period=new, section__number=4)
    assert (carried_four.rating, carried_four.to_reconfirm) == (Rating.PARTLY_MET, True)
    assert carried_four.narrative == "Plan half written."


def test_officer_opens_the_very_first_period_from_the_browser(client_for, officer, toolkit):
    year = _financial_year()
    client = client_for(officer)

    response = client.post(
        reverse("toolkit:period_start"),
        {
            "label": _label(year),
            **date_fields("start_date", date(year, 4, 1)),
            **date_fields("end_date", date(year + 1, 3, 31)),
        },
    )

    assert response.status_code == 302, error_summary(response)
    period = ReviewPeriod.objects.get()
    assert period.edition == ToolkitEdition.objects.order_by("-code").first()  # the latest
    assert period.assessments.count() == 8


def test_overlapping_period_is_refused_with_a_message(client_for, officer, carried):
    _, current = carried
    response = client_for(officer).post(
        reverse("toolkit:period_start"),
        {
            "label": "Overlap",
            **date_fields("start_date", current.end_date),
            **date_fields("end_date", current.end_date + timedelta(days=300)),
        },
    )
    assert response.status_code == 200
    assert "overlaps an existing one" in error_summary(response)
    assert ReviewPeriod.objects.count() == 2


# --- Guidance -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "chief_executive"])
def test_officer_or_chief_executive_records_guidance_and_the_dashboard_flags_it(
    request, client_for, period, role
):
    client = client_for(request.getfixturevalue(role))
    dashboard = reverse("toolkit:dashboard")
    assert "Review due — new guidance" not in _text(client.get(dashboard))

    response = client.post(
        reverse("toolkit:guidance_create"),
        {
            "kind": "toolkit",
            "title": "Prevent duty toolkit 2026",
            "url": "https://www.gov.uk/toolkit",
            **date_fields("published_on", date(2026, 9, 1)),
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("toolkit:period_list")
    update = GuidanceUpdate.objects.get()
    assert (update.kind, update.recorded_by) == ("toolkit", request.getfixturevalue(role))
    text = _text(client.get(dashboard))
    assert "Review due — new guidance. Prevent duty toolkit 2026 was recorded" in text
    assert "Prevent duty toolkit 2026" in _text(client.get(reverse("toolkit:period_list")))


def test_guidance_form_explains_what_is_missing(client_for, officer, period):
    response = client_for(officer).post(reverse("toolkit:guidance_create"), {"kind": "guidance"})
    assert response.status_code == 200
    assert "Enter the title of the guidance" in error_summary(response)
    assert not GuidanceUpdate.objects.exists()


def test_reconfirming_clears_the_flag(client_for, officer, period):
    _record_guidance(officer)
    client = client_for(officer)
    detail = reverse("toolkit:period_detail", args=[period.year])
    assert "Confirm ratings reviewed against the new guidance" in _text(client.get(detail))

    response = client.post(reverse("toolkit:period_reconfirm", args=[period.year]))

    assert response.status_code == 302
    assert response["Location"] == detail
    period.refresh_from_db()
    assert period.reconfirmed_at is not None
    assert "Review due — new guidance" not in _text(client.get(reverse("toolkit:dashboard")))
    assert "Review due — new guidance" not in _text(client.get(detail))


@pytest.mark.parametrize("role", ["chief_executive", "treasurer", "commissioner", "auditor"])
def test_only_officers_may_reconfirm(request, client_for, officer, period, role):
    _record_guidance(officer)
    client = client_for(request.getfixturevalue(role))
    url = reverse("toolkit:period_reconfirm", args=[period.year])

    assert client.post(url).status_code == 403
    detail = _text(client.get(reverse("toolkit:period_detail", args=[period.year])))
    assert "Review due — new guidance" in detail
    assert "Confirm ratings reviewed" not in detail
    period.refresh_from_db()
    assert period.reconfirmed_at is None


def test_reconfirm_needs_post_and_a_signed_in_user(client_for, officer, period):
    url = reverse("toolkit:period_reconfirm", args=[period.year])
    assert client_for(officer).get(url).status_code == 405
    response = client_for(None).post(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"
    assert client_for(officer).post(url.replace(str(period.year), "1999")).status_code == 404


# --- The lock after sign-off ----------------------------------------------------------------


@pytest.fixture
def closed(commissioner, period, evidence, action):
    services.review_period_close(actor=commissioner, period=period, final_pdf=FAKE_FINAL_PDF)
    period.refresh_from_db()
    return period


def test_signed_off_period_refuses_edits_from_the_browser(
    client_for, officer, closed, evidence, action, section, today
):
    client = client_for(officer)
    edits = {
        reverse("toolkit:assessment_edit", args=[1]): {"rating": "met", "narrative": "Late"},
        reverse("toolkit:evidence_edit", args=[evidence.public_id]): evidence_post(
            sections=[section], today=today, title="Changed after sign-off"
        ),
        reverse("toolkit:action_edit", args=[action.public_id]): action_post(
            section=section, owner=officer, today=today, title="Changed after sign-off"
        ),
    }
    before = _snapshot()

    statuses = {
        url: (client.get(url).status_code, client.post(url, data).status_code)
        for url, data in edits.items()
    }

    assert statuses == dict.fromkeys(edits, (403, 403))
    assert _snapshot() == before
    page = _text(client.get(reverse("toolkit:period_detail", args=[closed.year])))
    assert "This period is signed off" in page
    assert "Signed off" in page


def test_no_action_can_be_raised_in_a_signed_off_period(
    client_for, officer, closed, section, today
):
    response = client_for(officer).post(
        reverse("toolkit:action_create"), action_post(section=section, owner=officer, today=today)
    )
    assert response.status_code == 200
    assert "The review period is signed off" in error_summary(response)
    assert Action.objects.count() == 1


def test_signed_off_period_hides_the_reconfirm_button(client_for, officer, closed):
    _record_guidance(officer)
    page = _text(client_for(officer).get(reverse("toolkit:period_detail", args=[closed.year])))
    assert "Confirm ratings reviewed" not in page
    assert "Review due — new guidance" not in page


# --- Auditors read everything and change nothing --------------------------------------------


def _snapshot():
    """Every row a refused write must leave as it was."""
    return {
        "periods": list(
            ReviewPeriod.objects.order_by("pk").values_list("pk", "status", "reconfirmed_at")
        ),
        "guidance": GuidanceUpdate.objects.count(),
        "evidence": list(Evidence.objects.order_by("pk").values_list("title", "url", "version")),
        "actions": list(Action.objects.order_by("pk").values_list("title", "status", "version")),
        "ratings": list(
            SectionAssessment.objects.order_by("pk").values_list("rating", "narrative", "version")
        ),
        "links": list(Evidence.periods.through.objects.order_by("pk").values_list("pk")),
        "history": (
            ReviewPeriod.history.count(),
            Evidence.history.count(),
            Action.history.count(),
            SectionAssessment.history.count(),
        ),
    }


@pytest.fixture
def write_requests(period, evidence, action, section, officer, today):
    """Every write URL of the toolkit with a submission an officer would have accepted."""
    start = period.end_date + timedelta(days=1)
    return {
        # Section 1 of the 2024 edition: eight criteria, none a "must".
        reverse("toolkit:assessment_edit", args=[1]): {
            **{f"criterion_{n}_rating": "met" for n in range(1, 9)},
            "accept": "proposed",
            "narrative": "x",
        },
        reverse("toolkit:evidence_create"): evidence_post(
            sections=[section], today=today, url="https://example.org/new"
        ),
        reverse("toolkit:evidence_edit", args=[evidence.public_id]): evidence_post(
            sections=[section], today=today, title="Changed by an auditor"
        ),
        reverse("toolkit:action_create"): action_post(section=section, owner=officer, today=today),
        reverse("toolkit:action_edit", args=[action.public_id]): action_post(
            section=section, owner=officer, today=today, title="Changed by an auditor"
        ),
        reverse("toolkit:period_start"): {
            "label": _label(start.year),
            **date_fields("start_date", start),
            **date_fields("end_date", date(start.year + 1, 3, 31)),
        },
        reverse("toolkit:period_reconfirm", args=[period.year]): {},
        reverse("toolkit:guidance_create"): {
            "kind": "guidance",
            "title": "Guidance recorded by an auditor",
            **date_fields("published_on", date(2026, 1, 1)),
        },
    }


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_read_only_roles_are_refused_on_every_write_url(
    request, client_for, officer, period, write_requests, role
):
    _record_guidance(officer)  # so a re-confirmation would change something
    client = client_for(request.getfixturevalue(role))
    before = _snapshot()

    posts = {url: client.post(url, data).status_code for url, data in write_requests.items()}
    gets = {
        url: client.get(url).status_code
        for url in write_requests
        if not url.endswith("/reconfirm/")
    }

    assert posts == dict.fromkeys(write_requests, 403)
    assert gets == dict.fromkeys(gets, 403)
    assert _snapshot() == before


def test_the_write_submissions_are_accepted_from_an_officer(
    client_for, officer, period, write_requests
):
    """Proves the refusals above are for the role, not for bad data."""
    _record_guidance(officer)
    client = client_for(officer)
    statuses = {url: client.post(url, data).status_code for url, data in write_requests.items()}
    assert statuses == dict.fromkeys(write_requests, 302)


def test_auditor_reads_every_period_page_and_download(
    client_for,
    auditor,
    closed,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.TASKS = IMMEDIATE
    client = client_for(auditor)
    year = closed.year
    urls = [
        reverse("toolkit:period_list"),
        reverse("toolkit:period_detail", args=[year]),
        reverse("toolkit:period_pdf", args=[year]),
        *(
            reverse("toolkit:period_export", args=[year, register, fmt])
            for register in ("evidence", "actions", "assessments")
            for fmt in ("csv", "xlsx")
        ),
    ]

    statuses = {url: client.get(url).status_code for url in urls}

    assert statuses == dict.fromkeys(urls, 200)
    detail = client.get(urls[1]).content.decode()
    for url in urls[2:]:
        assert f'href="{html.escape(url)}"' in detail, url
    list_page = client.get(urls[0]).content.decode()
    assert reverse("toolkit:period_start") not in list_page
    assert reverse("toolkit:guidance_create") not in list_page
    with django_capture_on_commit_callbacks(execute=True):
        built = client.post(reverse("toolkit:audit_pack", args=[year]))
    assert built.status_code == 302
    job = ExportJob.objects.get(requested_by=auditor)
    assert job.status == ExportJob.Status.READY
    assert client.get(reverse("toolkit:export_download", args=[job.public_id])).status_code == 200


@pytest.mark.parametrize("role", READ_ONLY_ROLES + ["officer", "chief_executive"])
def test_every_role_can_open_the_period_list_and_page(request, client_for, period, role):
    client = client_for(request.getfixturevalue(role))
    assert client.get(reverse("toolkit:period_list")).status_code == 200
    assert client.get(reverse("toolkit:period_detail", args=[period.year])).status_code == 200


def test_period_pages_refuse_outsiders_and_send_visitors_to_sign_in(client_for, outsider, period):
    urls = [reverse("toolkit:period_list"), reverse("toolkit:period_detail", args=[period.year])]
    assert [client_for(outsider).get(url).status_code for url in urls] == [403, 403]
    anonymous = client_for(None)
    assert [anonymous.get(url)["Location"] for url in urls] == [
        f"/accounts/login/?next={url}" for url in urls
    ]


def test_unknown_period_is_not_found(client_for, auditor, period):
    assert client_for(auditor).get(reverse("toolkit:period_detail", args=[1999])).status_code == 404


def test_officer_sees_the_buttons_to_start_and_record(client_for, officer, period):
    page = client_for(officer).get(reverse("toolkit:period_list")).content.decode()
    assert reverse("toolkit:period_start") in page
    assert reverse("toolkit:guidance_create") in page


# --- Dashboard ------------------------------------------------------------------------------


def test_dashboard_shows_ratings_over_the_last_five_periods(client_for, auditor, officer, toolkit):
    year = _financial_year()
    periods = []
    for offset in range(5, -1, -1):
        start = year - offset
        period = services.review_period_create(
            actor=officer,
            label=_label(start),
            start_date=date(start, 4, 1),
            end_date=date(start + 1, 3, 31),
            edition=toolkit,
        )
        _rate(officer, period, 1, [Rating.NOT_MET, Rating.PARTLY_MET, Rating.MET][offset % 3])
        periods.append(period)

    response = client_for(auditor).get(reverse("toolkit:dashboard"))

    content = response.content.decode()
    grid = re.search(r'id="rating-history".*?<table[^>]*>(.*?)</table>', content, re.S)
    assert grid, "no rating grid on the dashboard"
    grid_text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", grid.group(1))).split())
    labels = [p.label for p in periods]
    assert f"Section {' '.join(labels[1:])}" in grid_text  # oldest of six left out, oldest first
    assert labels[0] not in grid_text
    # The rating is written in each cell, not shown by colour alone.
    assert (
        "1. Multi-agency partnership group Partly met Not met Met Partly met Not met" in grid_text
    )
    assert grid_text.count("Not assessed") == 7 * 5


def test_dashboard_has_no_grid_with_one_period(client_for, auditor, period):
    content = client_for(auditor).get(reverse("toolkit:dashboard")).content.decode()
    assert 'id="rating-history"' not in content


# --- Query counts ---------------------------------------------------------------------------

# Measured with the records below plus a margin of two; the organisation profile is cached.
# (8: with the criterion counts per section.)
PERIOD_PAGE_MAX_QUERIES = 8 + 2


@pytest.mark.parametrize("size", [1, 12])
def test_period_page_queries_do_not_grow_with_records(
    client_for,
    auditor,
    officer,
    period,
    make_evidence,
    make_action,
    django_assert_max_num_queries,
    size,
):
    get_organisation()
    for n in range(size):
        _rate(officer, period, n % 8 + 1, Rating.PARTLY_MET)
        make_evidence(title=f"Evidence {n}", url=f"https://example.org/{n}")
        make_action(title=f"Action {n}")
    start = period.end_date + timedelta(days=1)
    following = services.review_period_start(
        actor=officer, label="Next", start_date=start, end_date=date(start.year + 1, 3, 31)
    )
    for n in range(size):
        _record_guidance(officer, f"Guidance {n}")
        ExportJob.objects.create(
            kind=ExportJob.Kind.AUDIT_PACK, period=following, requested_by=auditor
        )
    client = client_for(auditor)
    url = reverse("toolkit:period_detail", args=[following.year])

    with django_assert_max_num_queries(PERIOD_PAGE_MAX_QUERIES):
        response = client.get(url)

    assert response.status_code == 200
    assert f"Guidance {size - 1}" in _text(response)
    # The earlier packs table lists the newest ten, each with its requester.
    assert response.content.decode().count(": audit pack</span>") == min(size, 10)
    assert _rating_rows(response)[1].startswith("1. Multi-agency partnership group Partly met")
