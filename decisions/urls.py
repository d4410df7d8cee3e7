from django.urls import path  # noqa: F401  (routes arrive with the decision records)

app_name = "decisions"

urlpatterns: list = []
