from django.apps import AppConfig


class PreventComplianceConfig(AppConfig):
    name = "prevent_compliance"
    verbose_name = "Prevent Compliance"
