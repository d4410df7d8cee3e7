from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = "Decision records"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import extensions, selectors
        from .models import Decision

        extensions.register()
        # The public log's cached years, dropped whenever a public record changes.
        for signal in (post_save, post_delete):
            signal.connect(selectors.forget_public_years_after_change, sender=Decision)
