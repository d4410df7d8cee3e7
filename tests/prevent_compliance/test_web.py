"""The shared web helpers (prevent_compliance/web.py) and the breadcrumbs tag."""

from datetime import date, datetime

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import Http404, StreamingHttpResponse
from django.template import Context, Template, TemplateSyntaxError
from django.test import RequestFactory
from django.urls import reverse

from prevent_compliance import web
from prevent_compliance.middleware import PRIVATE, PUBLIC

# --- csv_safe ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        (-5, "'-5"),
        ("plain text", "plain text"),
        ("a = b", "a = b"),
        ("", ""),
        (None, ""),
        (12, "12"),
        (date(2025, 4, 1), "2025-04-01"),
        # Exports make date-times local and naive before they reach a cell.
        (datetime(2025, 4, 1, 9, 30, 15), "2025-04-01 09:30"),  # noqa: DTZ001
        (["s.21", "s.31"], "s.21, s.31"),
        (["=evil", "s.31"], "'=evil, s.31"),
        ((), ""),
    ],
)
def test_csv_safe(value, expected):
    assert web.csv_safe(value) == expected


# --- bound and add_service_errors ----------------------------------------------------------


class _Form(forms.Form):
    title = forms.CharField()


def test_bound_binds_an_empty_post_so_that_it_is_validated():
    request = RequestFactory().post("/", {})
    form = _Form(**web.bound(request))
    assert form.is_bound
    assert not form.is_valid()
    assert "title" in form.errors


def test_bound_leaves_a_get_unbound():
    form = _Form(**web.bound(RequestFactory().get("/", {"title": "x"})))
    assert not form.is_bound
    assert not form.errors


def test_service_errors_go_beside_their_field_or_at_the_top():
    form = _Form(data={"title": "ok"})
    assert form.is_valid()
    web.add_service_errors(
        form, ValidationError({"title": "Title taken", "secret_field": "Not on the form"})
    )
    assert form.errors["title"] == ["Title taken"]
    assert form.non_field_errors() == ["Not on the form"]


def test_a_plain_service_error_goes_at_the_top():
    form = _Form(data={"title": "ok"})
    form.is_valid()
    web.add_service_errors(form, ValidationError(["First", "Second"]))
    assert form.non_field_errors() == ["First", "Second"]
    assert "title" not in form.errors


def test_a_formset_gets_service_errors_on_its_first_form():
    formset = forms.formset_factory(_Form, extra=0)(
        data={"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-0-title": "x"}
    )
    assert formset.is_valid()
    web.add_service_errors(formset, ValidationError("A section does not belong here."))
    assert formset.forms[0].non_field_errors() == ["A section does not belong here."]


# --- file_response --------------------------------------------------------------------------


def test_bytes_download_headers():
    response = web.file_response(b"%PDF", filename="report.pdf", content_type="application/pdf")
    assert response["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == PRIVATE
    assert response.content == b"%PDF"


def test_inline_download_and_a_name_outside_ascii():
    response = web.file_response(
        b"x", filename="décision “1”.pdf", content_type="application/pdf", inline=True
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline; filename*=utf-8''")
    assert "d%C3%A9cision" in disposition
    assert '"' not in disposition


def test_a_quote_in_the_name_cannot_end_the_header_value():
    response = web.file_response(b"x", filename='a"b.csv', content_type="text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="a\\"b.csv"'


def test_lines_are_streamed():
    response = web.file_response(
        iter(["a,b\r\n", "1,2\r\n"]), filename="x.csv", content_type="text/csv; charset=utf-8"
    )
    assert isinstance(response, StreamingHttpResponse)
    assert b"".join(response.streaming_content) == b"a,b\r\n1,2\r\n"


def test_cache_control_can_be_public_or_left_to_the_middleware():
    public = web.file_response(
        b"x", filename="x.pdf", content_type="application/pdf", cache_control=PUBLIC
    )
    assert public["Cache-Control"] == PUBLIC
    left = web.file_response(
        b"x", filename="x.pdf", content_type="application/pdf", cache_control=None
    )
    assert not left.has_header("Cache-Control")


def test_a_stored_file_that_is_missing_is_a_404():
    from toolkit.models import Evidence

    field_file = Evidence(file="evidence/gone.pdf").file
    with pytest.raises(Http404):
        web.file_response(field_file, filename="gone.pdf", content_type="application/pdf")


def test_a_stored_upload_is_sent_under_a_safe_name(db):
    from django.core.files.storage import default_storage

    from toolkit.models import Evidence

    name = default_storage.save("evidence/stored.bin", ContentFile(b"%PDF-1.7 test"))
    field_file = Evidence(file=name).file
    response = web.stored_upload_response(
        field_file,
        original_name="../../etc/Report.exe",
        content_type="application/pdf",
        fallback="evidence",
    )
    assert response["Content-Disposition"] == 'attachment; filename="Report.exe.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == PRIVATE
    assert b"".join(response.streaming_content) == b"%PDF-1.7 test"
    response.close()


# --- breadcrumbs -----------------------------------------------------------------------------


class _Record:
    def get_absolute_url(self):
        return "/records/1/"


def _render(source: str, **context) -> str:
    return Template("{% load govuk %}" + source).render(Context(context))


def test_breadcrumbs_start_at_the_dashboard_and_end_at_the_page(db):
    html = _render(
        '{% breadcrumbs "Action plan" "toolkit:action_list" "An action" record current="Change" %}',
        record=_Record(),
    )
    links = [reverse("toolkit:dashboard"), reverse("toolkit:action_list"), "/records/1/"]
    positions = [html.index(f'href="{url}"') for url in links]
    assert positions == sorted(positions)
    assert '<li class="govuk-breadcrumbs__list-item" aria-current="page">Change</li>' in html
    assert html.count("govuk-breadcrumbs__link") == 3


def test_public_breadcrumbs_have_no_dashboard(db):
    html = _render(
        '{% breadcrumbs "Decision log" "decisions:public_list" current="PCC/1" home=False %}'
    )
    assert f'href="{reverse("toolkit:dashboard")}"' not in html
    assert html.count("govuk-breadcrumbs__link") == 1


def test_breadcrumb_labels_are_escaped(db):
    html = _render('{% breadcrumbs label "/x/" current=label %}', label="<b>x</b>")
    assert "<b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_breadcrumbs_need_label_and_link_pairs(db):
    with pytest.raises(TemplateSyntaxError):
        _render('{% breadcrumbs "Only a label" current="Page" %}')


# --- Every form page binds a POST the same way ----------------------------------------------


@pytest.mark.parametrize(
    ("persona", "name"),
    [
        ("officer", "decisions:create"),
        ("officer", "toolkit:guidance_create"),
        ("officer", "toolkit:period_start"),
        ("administrator", "organisation"),
    ],
)
def test_an_empty_post_shows_what_is_missing(personas, client_for, period, persona, name):
    """These pages bound only a non-empty POST (``request.POST or None``): a form sent
    with nothing filled in came back as if never sent, with no error summary."""
    response = client_for(personas[persona]).post(reverse(name), {})
    assert response.status_code == 200
    content = response.content.decode()
    assert "<title>Error: " in content
    assert "govuk-error-summary" in content
