from django.urls import path

from . import views

app_name = "toolkit"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("toolkit/", views.section_list, name="section_list"),
    path("toolkit/<int:number>/", views.section_detail, name="section_detail"),
    path("toolkit/<int:number>/assessment/", views.assessment_edit, name="assessment_edit"),
    path("evidence/", views.evidence_list, name="evidence_list"),
    path("evidence/new/", views.evidence_create, name="evidence_create"),
    path("evidence/<uuid:public_id>/", views.evidence_detail, name="evidence_detail"),
    path("evidence/<uuid:public_id>/edit/", views.evidence_edit, name="evidence_edit"),
    path("evidence/<uuid:public_id>/download/", views.evidence_download, name="evidence_download"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/new/", views.action_create, name="action_create"),
    path("actions/<uuid:public_id>/", views.action_detail, name="action_detail"),
    path("actions/<uuid:public_id>/edit/", views.action_edit, name="action_edit"),
]
