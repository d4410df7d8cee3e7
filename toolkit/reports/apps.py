from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The annual-review PDF made in the background: jobs keyed by content, files in storage."""

    name = "toolkit.reports"
    label = "reports"
    verbose_name = "Annual-review reports"
