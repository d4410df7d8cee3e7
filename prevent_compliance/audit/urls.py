from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("audit/", views.log, name="log"),
    path("audit/export.csv", views.log_export, name="export"),
    # A decision reference may contain "/" (PCC/D/2023/03), so the identifier is a path.
    path("history/<str:key>/<path:identifier>/", views.history, name="history"),
]
