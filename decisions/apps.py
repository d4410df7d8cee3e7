from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = "Decision records"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from . import annual_review, providers, selectors, waiting
        from .models import Decision

        # What decisions add to toolkit features (audit pack, registers, reminders, the
        # annual-review report), and what the annual review does when its decision is
        # signed or withdrawn: registered here, so neither side imports the other for it.
        providers.register()
        annual_review.register_hooks()
        # "Waiting for you": decision steps on the dashboard and the navigation's count.
        waiting.register()
        # The public log's cached years, dropped whenever a public record changes.
        for signal in (post_save, post_delete):
            signal.connect(selectors.forget_public_years_after_change, sender=Decision)
