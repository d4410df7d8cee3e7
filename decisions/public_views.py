"""The public decision log: open to everyone, without signing in.

Only published and withheld records whose seal verifies exist here (anything else is a 404
or left out of the list), and every page, PDF and feed is built from ``notices.public_notice``
or ``notices.feed_row``, which leave out what is withheld. Absolute links start with
settings.SITE_URL, never with the request's Host header.
"""

from dataclasses import dataclass, replace
from datetime import date

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from prevent_compliance.forms import MAX_YEAR, MIN_YEAR, query_text
from prevent_compliance.models import get_organisation
from prevent_compliance.web import PUBLIC, file_response, page_of

from . import feeds, integrity, notices, selectors
from .models import Decision
from .views import appendix_response, notice_pdf_response

PAGE_SIZE = 20
MAX_QUERY = 100
FEED_CHUNK = 500


def _sealed_public_decision(reference: str) -> Decision:
    """The public record, if its seal verifies: a record changed in the database (content
    or status) is not shown."""
    decision = selectors.get_public_decision(reference)
    if not integrity.verified([decision]):
        raise Http404("No published decision has this reference.")
    return decision


# --- Filters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogQuery:
    """What the filters ask of public_log, each invalid one left out."""

    query: str = ""
    start: date | None = None
    end: date | None = None
    decision_maker: str = ""
    states: tuple[str, ...] = ()
    sort: str = "date"


def _later(a: date | None, b: date | None) -> date | None:
    return max(a, b) if a and b else a or b


def _earlier(a: date | None, b: date | None) -> date | None:
    return min(a, b) if a and b else a or b


class PeriodField(forms.ChoiceField):
    """A choice of period that also takes any well-formed one the list does not offer (a
    bookmarked year with no decisions matches nothing rather than being refused)."""

    def __init__(self, *args, well_formed, **kwargs):
        self.well_formed = well_formed
        super().__init__(*args, **kwargs)

    def valid_value(self, value) -> bool:
        return super().valid_value(value) or self.well_formed(str(value))


def _is_year(value: str) -> bool:
    return (
        len(value) == 4
        and value.isascii()
        and value.isdigit()
        and (MIN_YEAR <= int(value) < MAX_YEAR)
    )


def _is_financial_year(value: str) -> bool:
    """2024-25: a year, a dash, and the last two digits of the next year."""
    first, dash, second = value[:4], value[4:5], value[5:]
    return (
        _is_year(first)
        and dash == "-"
        and len(second) == 2
        and second.isascii()
        and second.isdigit()
        and int(second) == (int(first) + 1) % 100
    )


@dataclass(frozen=True)
class FilterControl:
    """One filter of the public log, with what its GOV.UK markup needs: options (value,
    label, selected) for a select, none for the search box."""

    name: str
    id: str
    label: str
    hint: str
    hint_id: str
    errors: list[tuple[str, str]]  # (id, message)
    described_by: str
    value: str
    options: list[tuple[str, str, bool]]
    max_length: int | None  # the search box's: what the search reads (clean_q)


class LogFilterForm(forms.Form):
    """The public log's filters, read from the query string (a GET form that works without
    script). Each value is checked against what the log offers; a value that is not on
    the list is an error beside its field and that filter alone is left out."""

    q = forms.CharField(label="Words or reference", required=False, max_length=10_000)
    year = PeriodField(label="Calendar year", required=False, well_formed=_is_year)
    fy = PeriodField(
        label="Financial year",
        required=False,
        help_text="April to March",
        well_formed=_is_financial_year,
    )
    term = PeriodField(
        label="Commissioner’s term of office", required=False, well_formed=lambda v: False
    )
    maker = forms.ChoiceField(label="Decision maker", required=False)
    status = forms.ChoiceField(label="Status", required=False)
    sort = forms.ChoiceField(label="Sort by", required=False)

    def __init__(self, data, *, months: list[tuple[int, int]], current_term: int):
        super().__init__(data, auto_id="%s")
        years = sorted({y for y, _m in months}, reverse=True)
        first_years = sorted({y if m >= 4 else y - 1 for y, m in months}, reverse=True)
        self.terms = {str(t.number): t for t in selectors.public_terms(current=current_term)}
        self.fields["term"].well_formed = self.terms.__contains__
        asked_term = self.data.get("term", "")
        term_choices = [
            (number, term.label)
            for number, term in self.terms.items()
            if number == asked_term or any(term.holds_month(y, m) for y, m in months)
        ]
        self.statuses = {v: states for v, _label, states in selectors.public_status_filters()}
        year_choices = [(str(y), str(y)) for y in years]
        fy_choices = [(selectors.financial_year_label(y),) * 2 for y in first_years]
        # A well-formed period with no decisions is still shown as the one chosen.
        asked_year, asked_fy = self.data.get("year", ""), self.data.get("fy", "")
        if _is_year(asked_year) and (asked_year, asked_year) not in year_choices:
            year_choices = sorted([*year_choices, (asked_year, asked_year)], reverse=True)
        if _is_financial_year(asked_fy) and (asked_fy, asked_fy) not in fy_choices:
            fy_choices = sorted([*fy_choices, (asked_fy, asked_fy)], reverse=True)
        self.fields["year"].choices = [("", "All years"), *year_choices]
        self.fields["fy"].choices = [("", "All financial years"), *fy_choices]
        self.fields["term"].choices = [("", "All terms"), *term_choices]
        self.fields["maker"].choices = [("", "Anyone")] + selectors.public_decision_makers()
        self.fields["status"].choices = [("", "Any status")] + [
            (value, label) for value, label, _states in selectors.public_status_filters()
        ]
        self.fields["sort"].choices = list(selectors.PUBLIC_SORTS.items())
        for name in ("year", "fy", "term", "maker", "status", "sort"):
            self.fields[name].error_messages["invalid_choice"] = self.CHOICE_ERRORS[name]

    CHOICE_ERRORS = {
        "year": "Choose a calendar year from the list, or enter one as four digits, like 2024",
        "fy": "Choose a financial year from the list, written like 2024-25",
        "term": "Choose a term of office from the list",
        "maker": "Choose a decision maker from the list",
        "status": "Choose a status from the list",
        "sort": "Choose how to sort the decisions from the list",
    }

    def controls(self) -> list[FilterControl]:
        """Each filter as templates/public/partials/log_filters.html draws it, read once.

        The markup is written out there rather than by widget templates: rendering seven
        fields and their options through form layouts was most of the page's own time.
        """
        controls = []
        for field in self:
            given = field.value()
            value = "" if given is None else str(given)
            errors = [(f"{field.auto_id}_{n}_error", e) for n, e in enumerate(field.errors, 1)]
            hint = f"{field.auto_id}_hint" if field.help_text else ""
            choices = getattr(field.field, "choices", None)
            options = []
            if choices is not None:  # the first option of the value is selected, as Django does
                chosen = next((i for i, (v, _l) in enumerate(choices) if str(v) == value), None)
                options = [(str(v), label, i == chosen) for i, (v, label) in enumerate(choices)]
            controls.append(
                FilterControl(
                    name=field.html_name,
                    id=field.auto_id,
                    label=str(field.label),
                    hint=str(field.help_text),
                    hint_id=hint,
                    errors=errors,
                    described_by=" ".join([hint, *(i for i, _e in errors)]).strip(),
                    value=value,
                    options=options,
                    max_length=MAX_QUERY if choices is None else None,
                )
            )
        return controls

    def clean_q(self) -> str:
        return query_text(self.cleaned_data.get("q", ""), max_length=MAX_QUERY)

    def log_query(self) -> LogQuery:
        """The filters that are valid; a bad value (already an error) filters nothing."""
        self.is_valid()
        data = self.cleaned_data
        start = end = None
        if data.get("year"):
            year = int(data["year"])
            start, end = date(year, 1, 1), date(year + 1, 1, 1)
        if data.get("fy"):
            fy_start, fy_end = selectors.financial_year_bounds(int(data["fy"][:4]))
            start, end = _later(start, fy_start), _earlier(end, fy_end)
        if data.get("term"):
            term = self.terms[data["term"]]
            start, end = _later(start, term.start), _earlier(end, term.end)
        if start and end and end < start:
            end = start  # filters that never overlap: nothing matches
        return LogQuery(
            query=data.get("q", ""),
            start=start,
            end=end,
            decision_maker=data.get("maker", ""),
            states=self.statuses.get(data.get("status", ""), ()),
            sort=data.get("sort") or "date",
        )

    def query_string(self) -> str:
        """The valid filters as a query string, for the pages and the feeds."""
        data = self.cleaned_data
        return urlencode(
            {
                k: data[k]
                for k in ("q", "year", "fy", "term", "maker", "status", "sort")
                if data.get(k) and not (k == "sort" and data[k] == "date")
            }
        )


def _filter_form(request) -> LogFilterForm:
    form = LogFilterForm(
        request.GET,
        months=selectors.public_months(),
        current_term=get_organisation().term_number,
    )
    form.is_valid()
    return form


def _entries(decisions: list[Decision]) -> list[dict]:
    return [
        {"notice": notices.public_notice(d, brief=True), "facts": feeds.public_facts(d)}
        for d in decisions
    ]


@login_not_required
@require_GET
def decision_log(request):
    form = _filter_form(request)
    wanted = form.log_query()
    page = page_of(request, _log_queryset(wanted), PAGE_SIZE)
    shown = integrity.verified(page.object_list)
    query = form.query_string()
    filtered = any((wanted.query, wanted.start, wanted.end, wanted.decision_maker, wanted.states))
    return render(
        request,
        "public/decision_list.html",
        {
            "form": form,
            "page": page,
            "entries": _entries(shown),
            "filtered": filtered,
            "sort": wanted.sort,
            "sort_label": selectors.PUBLIC_SORTS[wanted.sort],
            "query": query,
        },
    )


@login_not_required
@require_GET
def decision_detail(request, reference: str):
    decision = _sealed_public_decision(reference)
    events = selectors.release_events(decision)
    releases = [
        feeds.PublicRelease(e.released_on, e.release.scope, e.release.get_scope_display())
        for e in events
    ]
    notice = notices.public_notice(decision)
    return render(
        request,
        "public/decision_detail.html",
        {
            "notice": notice,
            # The notice without its original: the page shows that under its own heading.
            "notice_body": replace(notice, original_notice=None),
            "facts": feeds.public_facts(decision, base_url=settings.SITE_URL, releases=releases),
            "releases": events,
            "notice_url_key": decision.url_key,
        },
    )


@login_not_required
@require_GET
def decision_pdf(request, reference: str):
    decision = _sealed_public_decision(reference)
    if decision.status != Decision.Status.PUBLISHED:
        raise Http404("A withheld decision has no public notice.")
    # Cache-Control is the middleware's: public for a visitor, private for someone signed in.
    return notice_pdf_response(notices.public_notice(decision), cache_control=None)


@login_not_required
@require_GET
def appendix_download(request, reference: str, public_id):
    decision = _sealed_public_decision(reference)
    if decision.status != Decision.Status.PUBLISHED:
        raise Http404
    # The selector loads only appendices that are not withheld.
    appendix = next(
        (a for a in decision.appendices.all() if str(a.public_id) == str(public_id)), None
    )
    if appendix is None:
        raise Http404
    # The same file for everyone, whoever asks: a shared cache may keep it briefly.
    return appendix_response(appendix, cache_control=PUBLIC)


def _log_queryset(wanted: LogQuery):
    return selectors.public_log(
        query=wanted.query,
        start=wanted.start,
        end=wanted.end,
        decision_maker=wanted.decision_maker,
        states=wanted.states,
        sort=wanted.sort,
    )


def _refused(form: LogFilterForm) -> HttpResponse:
    """A feed asked for with a bad filter: a 400 naming each problem, never a partial file."""
    problems = [f"{field}: {error}" for field, errors in form.errors.items() for error in errors]
    return HttpResponse(
        "The feed was not made. " + "; ".join(problems) + ".\n",
        status=400,
        content_type="text/plain; charset=utf-8",
    )


def _feed_rows(wanted: LogQuery) -> list[dict]:
    decisions = _log_queryset(wanted)
    return [
        feeds.feed_row(d, base_url=settings.SITE_URL)
        for chunk in integrity.in_chunks(decisions.iterator(chunk_size=FEED_CHUNK), FEED_CHUNK)
        for d in integrity.verified(chunk)
    ]


@login_not_required
@require_GET
def decision_log_csv(request):
    form = _filter_form(request)
    if form.errors:
        return _refused(form)
    return file_response(
        feeds.feed_csv(_feed_rows(form.log_query())),
        filename="decisions.csv",
        content_type="text/csv; charset=utf-8",
        cache_control=None,  # the middleware's, as for every public page
    )


@login_not_required
@require_GET
def decision_log_json(request):
    form = _filter_form(request)
    if form.errors:
        return _refused(form)
    rows = _feed_rows(form.log_query())
    payload = {
        "source": settings.SITE_URL + reverse("decisions:public_list"),
        "count": len(rows),
        "decisions": rows,
    }
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False, "indent": 1})


@login_not_required
@require_GET
def decision_log_atom(request):
    """Newly published decisions, the latest first (the decision log's other filters do not
    apply: a reader subscribes to the whole log)."""
    decisions = integrity.verified(selectors.public_newly_published(limit=feeds.ATOM_ENTRIES))
    organisation = get_organisation()
    body = feeds.atom_feed(
        decisions,
        base_url=settings.SITE_URL,
        title=f"Decision log – {organisation.name}",
        log_url=settings.SITE_URL + reverse("decisions:public_list"),
        feed_url=settings.SITE_URL + reverse("decisions:public_atom"),
    )
    response = HttpResponse(body, content_type=feeds.ATOM_CONTENT_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    return response
