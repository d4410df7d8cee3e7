from django.urls import path

from prevent_compliance import converters  # noqa: F401  (registers <number:>)

from . import public_views, views

app_name = "interests"

urlpatterns = [
    # The public registers and their open data (no sign-in).
    path("public/register-of-interests/", public_views.public_register, name="public_register"),
    path(
        "public/register-of-interests.csv",
        public_views.public_register_csv,
        name="public_register_csv",
    ),
    path(
        "public/register-of-interests.json",
        public_views.public_register_json,
        name="public_register_json",
    ),
    path(
        "public/register-of-interests/<slug:slug>/",
        public_views.public_person,
        name="public_person",
    ),
    path(
        "public/register-of-interests/<slug:slug>/versions/<number:number>/",
        public_views.public_version,
        name="public_version",
    ),
    path("public/gifts-and-hospitality/", public_views.public_gifts, name="public_gifts"),
    path(
        "public/gifts-and-hospitality.csv", public_views.public_gifts_csv, name="public_gifts_csv"
    ),
    path(
        "public/gifts-and-hospitality.json",
        public_views.public_gifts_json,
        name="public_gifts_json",
    ),
    # Staff pages.
    path("interests/", views.holder_list, name="holder_list"),
    path("interests/mine/", views.my_register, name="my_register"),
    path("interests/new/", views.holder_create, name="holder_create"),
    path("interests/<slug:slug>/", views.holder_detail, name="holder_detail"),
    path("interests/<slug:slug>/edit/", views.holder_edit, name="holder_edit"),
    path("interests/<slug:slug>/confirm/", views.confirm, name="confirm"),
    path("interests/<slug:slug>/confirmed/<number:number>/", views.confirmed, name="confirmed"),
    path("interests/<slug:slug>/entries/new/", views.interest_create, name="interest_create"),
    path(
        "interests/<slug:slug>/entries/<uuid:public_id>/edit/",
        views.interest_edit,
        name="interest_edit",
    ),
    path("interests/<slug:slug>/gifts/new/", views.gift_create, name="gift_create"),
    path(
        "interests/<slug:slug>/gifts/<uuid:public_id>/edit/",
        views.gift_edit,
        name="gift_edit",
    ),
]
