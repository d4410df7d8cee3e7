"""Forms that fit GOV.UK patterns and lists that find things (issue 13, items 6 and 9):
criteria grouped by section, the section carried from a section page, a criterion of the
wrong section refused by name, and the evidence and decision lists searched, filtered and
sorted, with bad values shown as errors."""

import html
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from decisions import services as decision_services
from prevent_compliance.models import SecurityMarking
from tests.toolkit.helpers import action_post, error_summary, evidence_post
from toolkit.models import Action, Evidence

EVIDENCE_LIST = reverse("toolkit:evidence_list")
DECISION_LIST = reverse("decisions:list")


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def _titles(response) -> list[str]:
    """The evidence (or decision) titles of the list's table, in order."""
    body = response.content.decode()
    table = body[body.find("<tbody") : body.find("</tbody>")]
    return [html.unescape(t) for t in re.findall(r'href="/evidence/[^"]+/">([^<]+)</a>', table)]


# --- The evidence form ----------------------------------------------------------------------


def test_criteria_are_grouped_by_section_with_legends(client_for, officer, period, toolkit):
    page = client_for(officer).get(reverse("toolkit:evidence_create")).content.decode()
    legends = re.findall(
        r'<fieldset class="govuk-fieldset app-criteria-section"[^>]*>'
        r"\s*<legend[^>]*>([^<]+)</legend>",
        page,
    )
    sections = list(toolkit.sections.order_by("number"))
    assert legends == [f"Section {s.number}: {html.escape(s.title, quote=True)}" for s in sections]
    # One list of ids across the groups, so the error summary's link finds the first box.
    ids = re.findall(r'id="(id_criteria_\d+)"', page)
    assert ids[0] == "id_criteria_1" and len(ids) == len(set(ids))
    assert len(ids) == sum(s.criteria.count() for s in sections)


def test_arriving_from_a_section_page_selects_that_section(client_for, officer, period, toolkit):
    section = toolkit.sections.get(number=3)
    client = client_for(officer)
    detail = client.get(reverse("toolkit:section_detail", args=[3])).content.decode()
    link = f"{reverse('toolkit:evidence_create')}?section=3"
    assert f'href="{link}"' in detail
    page = client.get(link).content.decode()
    checked = re.findall(r'name="sections"[^>]*value="(\d+)"\s*checked', page.replace("\n", " "))
    assert checked == [str(section.pk)], checked
    # A section that does not exist, or nonsense, just selects nothing.
    for value in ("99", "x", "1" * 10):
        other = client.get(f"{reverse('toolkit:evidence_create')}?section={value}")
        assert other.status_code == 200
        assert "checked" not in other.content.decode().split('name="sections"', 1)[1][:3000]


def test_a_criterion_outside_the_chosen_sections_is_named(
    client_for, officer, period, toolkit, today
):
    one, two = toolkit.sections.get(number=1), toolkit.sections.get(number=2)
    stray = two.criteria.order_by("number").first()
    data = evidence_post(
        sections=[one], today=today, criteria=[stray.pk], url="https://e.example/x"
    )
    response = client_for(officer).post(reverse("toolkit:evidence_create"), data)
    assert response.status_code == 200 and not Evidence.objects.exists()
    summary = error_summary(response)
    assert f"Criterion {stray.code} (section 2) is not in a section you selected" in summary
    assert response.content.decode().count("govuk-error-summary__title") == 1


def test_every_text_input_of_the_evidence_and_action_forms_is_sized(client_for, officer, period):
    client = client_for(officer)
    for url in (reverse("toolkit:evidence_create"), reverse("toolkit:action_create")):
        page = client.get(url).content.decode()
        for tag in re.findall(r"<input[^>]*>", page):
            kind = re.search(r'type="([^"]+)"', tag)
            if kind and kind.group(1) in ("text", "url", "email", "search"):
                assert "govuk-input--width-" in tag or "govuk-!-width-" in tag, tag
        for tag in re.findall(r"<select[^>]*>", page):
            assert "govuk-select" in tag, tag


# --- The action form ------------------------------------------------------------------------


def test_an_action_started_from_a_section_offers_only_its_criteria(
    client_for, officer, period, toolkit
):
    section = toolkit.sections.get(number=2)
    page = client_for(officer).get(f"{reverse('toolkit:action_create')}?section=2").text
    select = page[
        page.index('name="criterion"') : page.index("</select>", page.index('name="criterion"'))
    ]
    offered = re.findall(r">(\d+\.\d+) ", select)
    assert offered and all(code.startswith("2.") for code in offered)
    assert len(offered) == section.criteria.count()


def test_the_server_refuses_a_criterion_of_another_section_by_name(
    client_for, officer, period, toolkit, today
):
    one, two = toolkit.sections.get(number=1), toolkit.sections.get(number=2)
    stray = two.criteria.order_by("number").first()
    data = action_post(section=one, owner=officer, today=today, criterion=stray.pk)
    response = client_for(officer).post(reverse("toolkit:action_create"), data)
    assert response.status_code == 200 and not Action.objects.exists()
    summary = error_summary(response)
    assert f"Criterion {stray.code} is in section 2, not section 1" in summary
    assert response.content.decode().count("govuk-error-summary__title") == 1


# --- Finding evidence -----------------------------------------------------------------------


@pytest.fixture
def shelf(make_evidence, toolkit, period, today):
    one, two = toolkit.sections.get(number=1), toolkit.sections.get(number=2)
    url = "https://opcc.example/e"
    return {
        "minutes": make_evidence(
            title="Board minutes",
            kind="minutes",
            sections=[one],
            url=url,
            effective_date=today - timedelta(days=40),
            review_by=today + timedelta(days=200),
        ),
        "policy": make_evidence(
            title="Venue hire policy",
            kind="policy",
            sections=[two],
            url=url,
            description="Covers external speakers.",
            effective_date=today - timedelta(days=20),
            review_by=today + timedelta(days=10),
        ),
        "letter": make_evidence(
            title="Assurance letter",
            kind="correspondence",
            sections=[one, two],
            url=url,
            marking=SecurityMarking.OFFICIAL_SENSITIVE,
            effective_date=today - timedelta(days=60),
            review_by=today - timedelta(days=1),
        ),
        "undated": make_evidence(
            title="Training slides",
            kind="training",
            sections=[two],
            url=url,
            effective_date=today - timedelta(days=5),
            review_by=None,
        ),
    }


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("", ["Training slides", "Venue hire policy", "Board minutes", "Assurance letter"]),
        ("q=speakers", ["Venue hire policy"]),
        ("q=MINUTES", ["Board minutes"]),
        ("section={one}", ["Board minutes", "Assurance letter"]),
        ("kind=policy", ["Venue hire policy"]),
        ("marking=OFFICIAL-SENSITIVE", ["Assurance letter"]),
        (
            "period={period}",
            ["Training slides", "Venue hire policy", "Board minutes", "Assurance letter"],
        ),
        ("review=in_date", ["Board minutes"]),
        ("review=due_soon", ["Venue hire policy"]),
        ("review=overdue", ["Assurance letter"]),
        ("review=none", ["Training slides"]),
        (
            "sort=title",
            ["Assurance letter", "Board minutes", "Training slides", "Venue hire policy"],
        ),
        (
            "sort=-title",
            ["Venue hire policy", "Training slides", "Board minutes", "Assurance letter"],
        ),
        (
            "sort=effective",
            ["Assurance letter", "Board minutes", "Venue hire policy", "Training slides"],
        ),
        ("section={one}&sort=title", ["Assurance letter", "Board minutes"]),
    ],
)
def test_evidence_is_found_by_words_filters_and_sorted(
    client_for, officer, shelf, toolkit, period, query, found
):
    one = toolkit.sections.get(number=1)
    url = f"{EVIDENCE_LIST}?{query.format(one=one.pk, period=period.pk)}"
    response = client_for(officer).get(url)
    assert response.status_code == 200
    assert _titles(response) == found
    assert "There is a problem" not in response.text


def test_the_default_order_says_what_it_is_and_headings_sort(client_for, officer, shelf):
    response = client_for(officer).get(EVIDENCE_LIST)
    assert "sorted by effective date, newest first" in _text(response)
    page = response.content.decode()
    assert (
        'aria-sort="descending"><a class="govuk-link app-sort-link" href="?sort=effective"' in page
    )
    assert 'aria-sort="none"><a class="govuk-link app-sort-link" href="?sort=title"' in page
    page = client_for(officer).get(f"{EVIDENCE_LIST}?kind=policy&sort=title").content.decode()
    # The heading links keep the filters, and the sorted column links to the other way round.
    assert (
        'aria-sort="ascending"><a class="govuk-link app-sort-link" '
        'href="?kind=policy&amp;sort=-title"' in page
    )


@pytest.mark.parametrize(
    "query",
    [
        "review=soonish",
        "kind=scroll",
        "section=999999",
        "section=x",
        "period=abc",
        "sort=size",
        "marking=SECRET",
        "q=%00%01",
        "page=zz",
        "section=1e9",
    ],
)
def test_bad_filter_values_are_a_clear_message_never_a_500(client_for, officer, shelf, query):
    response = client_for(officer).get(f"{EVIDENCE_LIST}?{query}")
    assert response.status_code == 200
    if not query.startswith(("q=", "page=")):
        summary = error_summary(response)
        assert "from the list" in summary or "cannot be sorted that way" in summary, summary
        assert response.content.decode().count("govuk-error-summary__title") == 1
    assert len(_titles(response)) == 4  # the bad filter is ignored, not the whole list


# --- Finding decisions ----------------------------------------------------------------------


@pytest.fixture
def register(personas, toolkit):
    from decisions.models import Decision
    from tests.decisions.helpers import advance, complete_sections, make_draft

    def make_decision(state, **fields):
        decision = make_draft(personas, **fields)
        complete_sections(decision, actor=personas["officer"])
        return advance(decision, personas, state)

    drafted = make_decision("draft", title="Community grants 2024", decision_date=date(2024, 6, 1))
    consulting = make_decision(
        "consultation", title="Venue hire policy", decision_date=date(2025, 2, 1)
    )
    signing = make_decision(
        "awaiting_signature", title="Training plan", decision_date=date(2025, 8, 1)
    )
    decision_services.decision_comment_treasurer(
        actor=personas["treasurer"], decision=consulting, comments="Fine."
    )
    return {
        "draft": Decision.objects.get(pk=drafted.pk),
        "consultation": Decision.objects.get(pk=consulting.pk),
        "signature": Decision.objects.get(pk=signing.pk),
    }


def _decision_titles(response) -> list[str]:
    body = response.content.decode()
    table = body[body.find("<tbody") : body.find("</tbody>")]
    return [html.unescape(t) for t in re.findall(r'app-wrap">([^<]+)</td>', table)]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("", ["Training plan", "Venue hire policy", "Community grants 2024"]),
        ("q=venue", ["Venue hire policy"]),
        ("q={ref}", ["Training plan"]),
        ("status=draft", ["Community grants 2024"]),
        ("step=commissioner", ["Training plan"]),
        ("step=chief_executive", ["Venue hire policy"]),
        ("step=treasurer", []),
        ("step=officer", ["Community grants 2024"]),
        ("year=2024", ["Community grants 2024"]),
        ("year=2025&sort=date", ["Venue hire policy", "Training plan"]),
        ("sort=title", ["Community grants 2024", "Training plan", "Venue hire policy"]),
    ],
)
def test_staff_decisions_are_found_by_words_status_step_and_year(
    client_for, personas, register, query, found
):
    url = f"{DECISION_LIST}?{query.format(ref=register['signature'].reference)}"
    response = client_for(personas["auditor"]).get(url)
    assert response.status_code == 200
    assert _decision_titles(response) == found
    assert "There is a problem" not in response.text


def test_the_decision_list_says_how_it_is_sorted(client_for, personas, register):
    response = client_for(personas["officer"]).get(DECISION_LIST)
    assert "sorted by decision date, newest first" in _text(response)
    assert (
        'aria-sort="descending"><a class="govuk-link app-sort-link" href="?sort=date"'
        in response.text
    )


@pytest.mark.parametrize(
    "query", ["status=lost", "step=everyone", "year=1066", "year=x", "sort=colour"]
)
def test_bad_decision_filters_are_a_message(client_for, personas, register, query):
    response = client_for(personas["officer"]).get(f"{DECISION_LIST}?{query}")
    assert response.status_code == 200
    summary = error_summary(response)
    assert "from the list" in summary or "cannot be sorted that way" in summary, summary
    assert len(_decision_titles(response)) == 3
