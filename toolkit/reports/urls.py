from django.urls import path

from prevent_compliance import converters  # noqa: F401  (registers <year:>)

from . import views

app_name = "reports"

urlpatterns = [
    path(
        "periods/<year:year>/annual-review/<slug:variant>/",
        views.report_request,
        name="request",
    ),
    path(
        "periods/<year:year>/annual-review/pdf/<uuid:public_id>/",
        views.job_detail,
        name="job_detail",
    ),
    path(
        "periods/<year:year>/annual-review/pdf/<uuid:public_id>/download/",
        views.job_download,
        name="job_download",
    ),
    # Open to everyone: the public versions of signed-off periods.
    path("public/annual-reviews/", views.public_list, name="public_list"),
    path("public/annual-reviews/<year:year>.pdf", views.public_pdf, name="public_pdf"),
]
