from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PreventComplianceConfig(AppConfig):
    name = "prevent_compliance"
    verbose_name = "Prevent Compliance"

    def ready(self):
        # Receivers: account changes into the audit log, and the sign-in's session stamp.
        from .accounts import signals  # noqa: F401


class AdminConfig(admin_apps.AdminConfig):
    """The stock admin with our site: sign-in through our page, two-factor for staff."""

    default = False  # named in INSTALLED_APPS; not this app's own config
    default_site = "prevent_compliance.admin_site.PreventAdminSite"
