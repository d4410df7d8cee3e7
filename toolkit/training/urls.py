from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("register.csv", views.register_export, name="register_export"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<uuid:public_id>/", views.person_detail, name="person_detail"),
    path("people/<uuid:public_id>/edit/", views.person_edit, name="person_edit"),
    path("courses/", views.course_list, name="course_list"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/<uuid:public_id>/edit/", views.course_edit, name="course_edit"),
    path("completions/new/", views.completion_create, name="completion_create"),
    path(
        "completions/<uuid:public_id>/certificate/",
        views.certificate_download,
        name="certificate_download",
    ),
    path("import/", views.import_upload, name="import"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
]
