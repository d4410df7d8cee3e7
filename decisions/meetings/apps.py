from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    """Boards, their meetings and papers, the forward plan and the publication scheme."""

    name = "decisions.meetings"
    label = "meetings"
    verbose_name = "Meetings and forward plan"
