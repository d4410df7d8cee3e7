from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = "Decision records"

    def ready(self):
        from . import extensions

        extensions.register()
