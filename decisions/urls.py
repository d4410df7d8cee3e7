"""Routes for decision records. A reference may contain "/" (PCC/D/2023/03), so every route
that adds a fixed ending after <ref:reference> comes before the plain record route; the
reference validator forbids references that end in those words."""

from django.urls import path

from prevent_compliance import converters  # noqa: F401  (registers <year:> and <ref:>)

from . import import_views, public_views, views

app_name = "decisions"

urlpatterns = [
    # The public decision log (no sign-in).
    path("public/decisions/", public_views.decision_log, name="public_list"),
    path("public/decisions.csv", public_views.decision_log_csv, name="public_csv"),
    path("public/decisions.json", public_views.decision_log_json, name="public_json"),
    path("public/decisions.atom", public_views.decision_log_atom, name="public_atom"),
    path("public/decisions/<ref:reference>/pdf/", public_views.decision_pdf, name="public_pdf"),
    path(
        "public/decisions/<ref:reference>/appendices/<uuid:public_id>/",
        public_views.appendix_download,
        name="public_appendix_download",
    ),
    path("public/decisions/<ref:reference>/", public_views.decision_detail, name="public_detail"),
    # Staff pages.
    path(
        "periods/<year:year>/submit-review/",
        views.annual_review_submit,
        name="annual_review_submit",
    ),
    path("decisions/", views.decision_list, name="list"),
    # Importing an earlier log (before the record routes: "import" is no reference).
    path("decisions/import/", import_views.import_upload, name="import_upload"),
    path("decisions/import/template.csv", import_views.import_template, name="import_template"),
    path("decisions/import/<uuid:public_id>/", import_views.import_detail, name="import_detail"),
    path(
        "decisions/import/<uuid:public_id>/confirm/",
        import_views.import_confirm,
        name="import_confirm",
    ),
    path(
        "decisions/import/<uuid:public_id>/report.csv",
        import_views.import_report,
        name="import_report",
    ),
    path("decisions/new/", views.decision_create, name="create"),
    path("decisions/<ref:reference>/pdf/", views.decision_pdf, name="pdf"),
    path("decisions/<ref:reference>/edit/", views.decision_edit, name="edit"),
    path("decisions/<ref:reference>/sections/", views.sections_edit, name="sections"),
    path("decisions/<ref:reference>/appendices/new/", views.appendix_add, name="appendix_add"),
    path(
        "decisions/<ref:reference>/appendices/<uuid:public_id>/remove/",
        views.appendix_remove,
        name="appendix_remove",
    ),
    path(
        "decisions/<ref:reference>/appendices/<uuid:public_id>/",
        views.appendix_download,
        name="appendix_download",
    ),
    path("decisions/<ref:reference>/submit/", views.transition, {"name": "submit"}, name="submit"),
    path(
        "decisions/<ref:reference>/comment/treasurer/",
        views.comment,
        {"who": "treasurer"},
        name="comment_treasurer",
    ),
    path(
        "decisions/<ref:reference>/comment/chief-executive/",
        views.comment,
        {"who": "chief-executive"},
        name="comment_chief_executive",
    ),
    path(
        "decisions/<ref:reference>/approve/", views.transition, {"name": "approve"}, name="approve"
    ),
    path("decisions/<ref:reference>/return/", views.reason_step, {"name": "return"}, name="return"),
    path("decisions/<ref:reference>/sign/", views.sign, name="sign"),
    path("decisions/<ref:reference>/defer/", views.reason_step, {"name": "defer"}, name="defer"),
    path(
        "decisions/<ref:reference>/publish/", views.transition, {"name": "publish"}, name="publish"
    ),
    path(
        "decisions/<ref:reference>/withhold/",
        views.transition,
        {"name": "withhold"},
        name="withhold",
    ),
    path(
        "decisions/<ref:reference>/withdraw/",
        views.reason_step,
        {"name": "withdraw"},
        name="withdraw",
    ),
    path(
        "decisions/<ref:reference>/not-published/",
        views.reason_step,
        {"name": "not_publish"},
        name="not_publish",
    ),
    path("decisions/<ref:reference>/release/", views.release, name="release"),
    path("decisions/<ref:reference>/resume/", views.transition, {"name": "resume"}, name="resume"),
    path("decisions/<ref:reference>/", views.decision_detail, name="detail"),
]
