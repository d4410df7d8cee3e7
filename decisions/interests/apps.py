from django.apps import AppConfig


class InterestsConfig(AppConfig):
    """Register of interests, its confirmations, and gifts and hospitality offered."""

    name = "decisions.interests"
    label = "interests"
    verbose_name = "Register of interests"
