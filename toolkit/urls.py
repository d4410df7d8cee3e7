from django.urls import path

from prevent_compliance import converters  # noqa: F401  (registers <year:> and <number:>)

from . import period_views, report_views, views

app_name = "toolkit"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("toolkit/", views.section_list, name="section_list"),
    path("toolkit/<number:number>/", views.section_detail, name="section_detail"),
    path("toolkit/<number:number>/assessment/", views.assessment_edit, name="assessment_edit"),
    path("evidence/", views.evidence_list, name="evidence_list"),
    path("evidence/new/", views.evidence_create, name="evidence_create"),
    path("evidence/<uuid:public_id>/", views.evidence_detail, name="evidence_detail"),
    path("evidence/<uuid:public_id>/edit/", views.evidence_edit, name="evidence_edit"),
    path("evidence/<uuid:public_id>/download/", views.evidence_download, name="evidence_download"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/new/", views.action_create, name="action_create"),
    path("actions/<uuid:public_id>/", views.action_detail, name="action_detail"),
    path("actions/<uuid:public_id>/edit/", views.action_edit, name="action_edit"),
    path("periods/", period_views.period_list, name="period_list"),
    path("periods/new/", period_views.period_start, name="period_start"),
    path("periods/<year:year>/", period_views.period_detail, name="period_detail"),
    path("periods/<year:year>/reconfirm/", period_views.period_reconfirm, name="period_reconfirm"),
    path(
        "periods/<year:year>/report-narrative/",
        report_views.report_narrative,
        name="report_narrative",
    ),
    path("periods/<year:year>/annual-review.pdf", period_views.period_pdf, name="period_pdf"),
    path(
        "periods/<year:year>/registers/<slug:register>.<str:fmt>",
        period_views.period_export,
        name="period_export",
    ),
    path("periods/<year:year>/audit-pack/", period_views.audit_pack_create, name="audit_pack"),
    path("guidance/new/", period_views.guidance_create, name="guidance_create"),
    path("exports/<uuid:public_id>/", period_views.export_detail, name="export_detail"),
    path(
        "exports/<uuid:public_id>/download/",
        period_views.export_download,
        name="export_download",
    ),
]
