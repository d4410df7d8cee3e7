"""The annual report's narratives (per period), the key evidence chosen per section, the
warning before submission, and the ratings picture."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prevent_compliance.models import SecurityMarking
from tests.toolkit.helpers import rate_section
from toolkit import ratings_grid, services
from toolkit.annual_review_report import annual_review_context, annual_review_html
from toolkit.models import KEY_EVIDENCE_MAX, Rating, ReviewPeriod, Section, SectionAssessment

TEXTS = {
    "foreword": "I am pleased to present this review.",
    "method": "The Prevent lead assessed each section with the partnership board.",
    "executive_summary": "The office meets most of the duty.",
    "key_findings": "Training is strong; the risk register lapsed.",
    "key_risks": "Staff turnover in the partnership team.",
    "conclusions": "We will refresh the risk register by June.",
}


def _url(period, name="toolkit:report_narrative"):
    return reverse(name, args=[period.year])


def test_officer_writes_the_narratives_and_the_report_prints_them_in_order(
    client_for, officer, period
):
    client = client_for(officer)
    page = client.get(_url(period))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Not written yet: Foreword, How the assessment was done" in html

    response = client.post(
        _url(period), {**TEXTS, "loaded": page.context["form"]["loaded"].value()}
    )

    assert response.status_code == 302 and response["Location"] == period.get_absolute_url()
    period.refresh_from_db()
    assert {name: getattr(period, name) for name in TEXTS} == TEXTS
    record = period.history.latest()
    assert record.history_user == officer
    assert "Report narratives changed" in record.history_change_reason
    report = annual_review_html(period)
    positions = [report.index(text) for text in TEXTS.values()]
    assert positions == sorted(positions)
    assert "No foreword has been written" not in report


def test_a_stale_copy_is_refused_and_hostile_text_is_kept_as_text(client_for, officer, period):
    client = client_for(officer)
    loaded = client.get(_url(period)).context["form"]["loaded"].value()
    services.review_period_narratives_update(
        actor=officer, period=period, values={"foreword": "Someone else's words."}
    )

    stale = client.post(_url(period), {**TEXTS, "loaded": loaded})
    assert stale.status_code == 200
    assert "Someone else saved this record" in stale.content.decode()
    period.refresh_from_db()
    assert period.foreword == "Someone else's words."

    hostile = '<script>alert("x")</script> “quoted” ünïcödé 🙂'
    fresh = client.get(_url(period)).context["form"]["loaded"].value()
    saved = client.post(_url(period), {"foreword": hostile, "loaded": fresh})
    assert saved.status_code == 302
    period.refresh_from_db()
    assert period.foreword == hostile
    html = annual_review_html(period)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_too_long_narratives_and_nul_characters_are_refused_with_an_error_summary(
    client_for, officer, period
):
    client = client_for(officer)
    too_long = "x" * (services.NARRATIVE_MAX_LENGTH + 1)
    for value in (too_long, "nul\x00byte"):
        response = client.post(_url(period), {"key_risks": value})
        assert response.status_code == 200
        html = response.content.decode()
        assert "govuk-error-summary" in html and "Error: " in html
    period.refresh_from_db()
    assert period.key_risks == ""
    with pytest.raises(ValidationError):
        services.review_period_narratives_update(
            actor=officer, period=period, values={"key_risks": too_long}
        )
    with pytest.raises(ValidationError):
        services.review_period_narratives_update(
            actor=officer, period=period, values={"label": "Renamed"}
        )


def test_only_officers_write_narratives_and_not_after_sign_off(
    client_for, officer, auditor, chief_executive, commissioner, period
):
    with pytest.raises(PermissionDenied):
        services.review_period_narratives_update(
            actor=auditor, period=period, values={"foreword": "x"}
        )
    assert client_for(auditor).get(_url(period)).status_code == 403
    page = client_for(officer).get(period.get_absolute_url()).content.decode()
    assert 'data-testid="report-narrative-link"' in page
    ReviewPeriod.objects.filter(pk=period.pk).update(status=ReviewPeriod.Status.SIGNED_OFF)
    period.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.review_period_narratives_update(
            actor=officer, period=period, values={"foreword": "x"}
        )
    assert client_for(officer).get(_url(period)).status_code == 403
    page = client_for(officer).get(period.get_absolute_url()).content.decode()
    assert 'data-testid="report-narrative-link"' not in page


def test_chief_executive_is_warned_about_empty_narratives_before_submitting(
    client_for, officer, chief_executive, period
):
    from tests.prevent_compliance.two_factor import sign_in_verified

    client = client_for(None)
    sign_in_verified(client, chief_executive)
    url = reverse("decisions:annual_review_submit", args=[period.year])
    html = client.get(url).content.decode()
    assert 'data-testid="empty-narratives-warning"' in html
    assert "Foreword, How the assessment was done, Executive summary, Key findings" in html
    assert "Report narrative" in html

    services.review_period_narratives_update(actor=officer, period=period, values=TEXTS)
    html = client.get(url).content.decode()
    assert 'data-testid="empty-narratives-warning"' not in html


# --- Key evidence -----------------------------------------------------------------------


@pytest.fixture
def section_one(toolkit):
    return Section.objects.get(edition=toolkit, number=1)


def _linked(make_evidence, section, n, **values):
    return make_evidence(
        title=f"Key item {n}",
        sections=[section],
        criteria=[section.criteria.first()],
        url=f"https://example.org/{n}",
        **values,
    )


def test_officer_chooses_key_evidence_on_the_assessment_page(
    client_for, officer, period, section_one, make_evidence
):
    items = [_linked(make_evidence, section_one, n) for n in range(7)]
    sensitive = _linked(make_evidence, section_one, 99, marking=SecurityMarking.OFFICIAL_SENSITIVE)
    assessment = SectionAssessment.objects.get(period=period, section=section_one)
    client = client_for(officer)
    url = reverse("toolkit:assessment_edit", args=[1])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "key_evidence"}
    data["accept"] = "proposed"
    for row in form.rows:
        data[f"criterion_{row.criterion.number}_rating"] = "partly_met"
    data["narrative"] = "Board minutes show the group meets."

    too_many = client.post(url, {**data, "key_evidence": [i.pk for i in items[:6]]})
    assert too_many.status_code == 200
    assert f"Choose up to {KEY_EVIDENCE_MAX} pieces of key evidence" in too_many.content.decode()

    chosen = [items[0].pk, sensitive.pk]
    saved = client.post(url, {**data, "key_evidence": chosen})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert sorted(assessment.key_evidence.values_list("pk", flat=True)) == sorted(chosen)
    assert assessment.history.filter(history_change_reason__contains="Key evidence").exists()

    context = annual_review_context(period)
    report = next(r for r in context["sections"] if r.section.number == 1)
    assert report.key_evidence_chosen
    assert sorted(e.title for e in report.key_evidence) == ["Key item 0", "Key item 99"]
    assert report.further_evidence == 6
    public = annual_review_context(period, public=True)
    titles = [
        e.title for e in next(r for r in public["sections"] if r.section.number == 1).key_evidence
    ]
    assert "Key item 99" not in titles and "Withheld (OFFICIAL-SENSITIVE)" in titles


def test_key_evidence_must_belong_to_the_section_and_period(
    officer, auditor, period, toolkit, section_one, make_evidence
):
    other = Section.objects.get(edition=toolkit, number=2)
    elsewhere = make_evidence(title="Other section", sections=[other], url="https://example.org/o")
    assessment = SectionAssessment.objects.get(period=period, section=section_one)
    with pytest.raises(ValidationError):
        services.assessment_key_evidence_set(
            actor=officer, assessment=assessment, evidence=[elsewhere]
        )
    many = [_linked(make_evidence, section_one, n) for n in range(KEY_EVIDENCE_MAX + 1)]
    with pytest.raises(ValidationError):
        services.assessment_key_evidence_set(actor=officer, assessment=assessment, evidence=many)
    with pytest.raises(PermissionDenied):
        services.assessment_key_evidence_set(
            actor=auditor, assessment=assessment, evidence=many[:1]
        )
    assert not assessment.key_evidence.exists()


# --- The ratings picture ----------------------------------------------------------------


def test_ratings_grid_shows_five_periods_in_words_in_two_queries(officer, toolkit, period):
    earlier = []
    for back in range(1, 7):
        earlier.append(
            services.review_period_create(
                actor=officer,
                label=f"{period.year - back}/{str(period.year - back + 1)[-2:]}",
                start_date=date(period.year - back, 4, 1),
                end_date=date(period.year - back + 1, 3, 31) - timedelta(days=0),
                edition=toolkit,
            )
        )
    assessment = SectionAssessment.objects.get(period=period, section__number=3)
    rate_section(
        actor=officer, assessment=assessment, rating=Rating.NOT_MET, narrative="Plan lapsed."
    )
    with CaptureQueriesContext(connection) as queries:
        grid = ratings_grid.ratings_grid(period)
    assert len(queries) == 2
    assert len(grid.periods) == 5 and grid.periods[-1] == period.label
    assert [r.number for r in grid.rows] == list(range(1, 9))
    row = grid.rows[2]
    assert row.cells[-1].label == "Not met" and row.cells[-1].fill != row.cells[0].fill
    assert all(cell.label for r in grid.rows for cell in r.cells)  # words in every cell
    svg = ratings_grid.svg(grid)
    assert svg.count("<rect") == 40 and svg.count(">Not met<") == 1
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    # An earlier period's grid ends at that period.
    assert ratings_grid.ratings_grid(earlier[0]).periods[-1] == earlier[0].label


def test_dashboard_shows_the_ratings_picture(client_for, officer, period):
    from toolkit.services import review_period_create

    review_period_create(
        actor=officer,
        label=f"{period.year - 1}/{str(period.year)[-2:]}",
        start_date=date(period.year - 1, 4, 1),
        end_date=period.start_date - timedelta(days=1),
        edition=period.edition,
    )
    html = client_for(officer).get(reverse("toolkit:dashboard")).content.decode()
    assert 'data-testid="ratings-picture"' in html
    assert html.count("<rect") == 16  # 8 sections x 2 periods
    assert "Ratings of each section over the last 2 review periods" in html
