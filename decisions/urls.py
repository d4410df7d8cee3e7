"""Routes for decision records. A reference may contain "/" (PCC/D/2023/03), so every route
that adds a fixed ending after <path:reference> comes before the plain record route; the
reference validator forbids references that end in those words."""

from django.urls import path

from . import public_views, views

app_name = "decisions"

urlpatterns = [
    # The public decision log (no sign-in).
    path("public/decisions/", public_views.decision_log, name="public_list"),
    path("public/decisions.csv", public_views.decision_log_csv, name="public_csv"),
    path("public/decisions.json", public_views.decision_log_json, name="public_json"),
    path("public/decisions/<path:reference>/pdf/", public_views.decision_pdf, name="public_pdf"),
    path(
        "public/decisions/<path:reference>/appendices/<uuid:public_id>/",
        public_views.appendix_download,
        name="public_appendix_download",
    ),
    path("public/decisions/<path:reference>/", public_views.decision_detail, name="public_detail"),
    # Staff pages.
    path(
        "periods/<int:year>/submit-review/",
        views.annual_review_submit,
        name="annual_review_submit",
    ),
    path("decisions/", views.decision_list, name="list"),
    path("decisions/new/", views.decision_create, name="create"),
    path("decisions/<path:reference>/pdf/", views.decision_pdf, name="pdf"),
    path("decisions/<path:reference>/edit/", views.decision_edit, name="edit"),
    path("decisions/<path:reference>/sections/", views.sections_edit, name="sections"),
    path("decisions/<path:reference>/appendices/new/", views.appendix_add, name="appendix_add"),
    path(
        "decisions/<path:reference>/appendices/<uuid:public_id>/remove/",
        views.appendix_remove,
        name="appendix_remove",
    ),
    path(
        "decisions/<path:reference>/appendices/<uuid:public_id>/",
        views.appendix_download,
        name="appendix_download",
    ),
    path("decisions/<path:reference>/submit/", views.transition, {"name": "submit"}, name="submit"),
    path(
        "decisions/<path:reference>/comment/treasurer/",
        views.comment,
        {"who": "treasurer"},
        name="comment_treasurer",
    ),
    path(
        "decisions/<path:reference>/comment/chief-executive/",
        views.comment,
        {"who": "chief-executive"},
        name="comment_chief_executive",
    ),
    path(
        "decisions/<path:reference>/approve/", views.transition, {"name": "approve"}, name="approve"
    ),
    path(
        "decisions/<path:reference>/return/", views.reason_step, {"name": "return"}, name="return"
    ),
    path("decisions/<path:reference>/sign/", views.sign, name="sign"),
    path("decisions/<path:reference>/defer/", views.reason_step, {"name": "defer"}, name="defer"),
    path(
        "decisions/<path:reference>/publish/", views.transition, {"name": "publish"}, name="publish"
    ),
    path(
        "decisions/<path:reference>/withhold/",
        views.transition,
        {"name": "withhold"},
        name="withhold",
    ),
    path(
        "decisions/<path:reference>/withdraw/",
        views.reason_step,
        {"name": "withdraw"},
        name="withdraw",
    ),
    path("decisions/<path:reference>/resume/", views.transition, {"name": "resume"}, name="resume"),
    path("decisions/<path:reference>/", views.decision_detail, name="detail"),
]
