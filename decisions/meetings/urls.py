from django.urls import path

from . import public_views, views

app_name = "meetings"

urlpatterns = [
    # Public pages (no sign-in).
    path("public/transparency/", public_views.publication_scheme, name="publication_scheme"),
    path("public/meetings/", public_views.meeting_list, name="public_list"),
    path("public/meetings.csv", public_views.meetings_csv, name="public_meetings_csv"),
    path("public/meetings.json", public_views.meetings_json, name="public_meetings_json"),
    path("public/agenda-items.csv", public_views.agenda_items_csv, name="public_agenda_items_csv"),
    path(
        "public/agenda-items.json", public_views.agenda_items_json, name="public_agenda_items_json"
    ),
    path(
        "public/meetings/papers/<uuid:document_id>/",
        public_views.document_download,
        name="public_document_download",
    ),
    path("public/meetings/<uuid:public_id>/", public_views.meeting_detail, name="public_detail"),
    path("public/forward-plan/", public_views.forward_plan, name="public_forward_plan"),
    path("public/forward-plan.csv", public_views.forward_plan_csv, name="public_forward_plan_csv"),
    path(
        "public/forward-plan.json",
        public_views.forward_plan_json,
        name="public_forward_plan_json",
    ),
    # Staff pages.
    path("meetings/", views.meeting_list, name="list"),
    path("meetings/new/", views.meeting_create, name="create"),
    path("meetings/boards/new/", views.board_create, name="board_create"),
    path("meetings/boards/<uuid:board_id>/edit/", views.board_edit, name="board_edit"),
    path("meetings/papers/<uuid:document_id>/", views.document_download, name="document_download"),
    path(
        "meetings/papers/<uuid:document_id>/remove/",
        views.document_remove,
        name="document_remove",
    ),
    path(
        "meetings/papers/<uuid:document_id>/evidence/",
        views.document_evidence,
        name="document_evidence",
    ),
    path("meetings/<uuid:public_id>/", views.meeting_detail, name="detail"),
    path("meetings/<uuid:public_id>/edit/", views.meeting_edit, name="edit"),
    path("meetings/<uuid:public_id>/decisions/link/", views.decision_link, name="decision_link"),
    path(
        "meetings/<uuid:public_id>/decisions/unlink/",
        views.decision_unlink,
        name="decision_unlink",
    ),
    path("meetings/<uuid:public_id>/items/new/", views.item_add, name="item_add"),
    path("meetings/<uuid:public_id>/items/<uuid:item_id>/edit/", views.item_edit, name="item_edit"),
    path(
        "meetings/<uuid:public_id>/items/<uuid:item_id>/remove/",
        views.item_remove,
        name="item_remove",
    ),
    path("meetings/<uuid:public_id>/papers/new/", views.document_add, name="document_add"),
    path("meetings/<uuid:public_id>/attendees/new/", views.attendee_add, name="attendee_add"),
    path(
        "meetings/<uuid:public_id>/attendees/<uuid:attendee_id>/remove/",
        views.attendee_remove,
        name="attendee_remove",
    ),
    path("forward-plan/", views.plan_list, name="plan_list"),
    path("forward-plan/new/", views.plan_create, name="plan_create"),
    path("forward-plan/<uuid:public_id>/edit/", views.plan_edit, name="plan_edit"),
    path(
        "forward-plan/<uuid:public_id>/start-draft/",
        views.plan_start_draft,
        name="plan_start_draft",
    ),
    path("transparency/links/", views.link_list, name="link_list"),
    path("transparency/links/<slug:class_key>/edit/", views.link_edit, name="link_edit"),
]
