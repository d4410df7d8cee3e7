from django.apps import AppConfig


class ToolkitConfig(AppConfig):
    name = "toolkit"
    verbose_name = "Prevent duty toolkit"

    def ready(self) -> None:
        # "Waiting for you": the toolkit's items (prevent_compliance/waiting.py).
        from . import waiting

        waiting.register()
