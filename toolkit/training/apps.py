from django.apps import AppConfig


class TrainingConfig(AppConfig):
    """Training records: people, courses, the training needs analysis and completions."""

    name = "toolkit.training"
    label = "training"
    verbose_name = "Training records"

    def ready(self) -> None:
        from . import providers

        # What training adds to toolkit features (reminders, the annual-review report),
        # registered here so the toolkit modules never import this app for it.
        providers.register()
