from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PreventComplianceConfig(AppConfig):
    name = "prevent_compliance"
    verbose_name = "Prevent Compliance"

    def ready(self):
        from . import (
            account_changes,  # noqa: F401  (records role, password, app changes)
            accounts,  # noqa: F401  (connects the sign-in signal receiver)
        )


class AdminConfig(admin_apps.AdminConfig):
    """The stock admin with our site: sign-in through our page, two-factor for staff."""

    default = False  # named in INSTALLED_APPS; not this app's own config
    default_site = "prevent_compliance.admin_site.PreventAdminSite"
