"""The demo data: three boards, meetings (one private), a forward plan, partnership evidence."""

import io

from django.core.management import call_command

from decisions.meetings.models import Board, ForwardPlanEntry, Meeting, MeetingDocument


def test_load_demo_adds_boards_meetings_and_a_forward_plan_once(db, settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    assert sorted(Board.objects.values_list("name", flat=True)) == [
        "Accountability board",
        "Joint audit committee",
        "Prevent partnership group",
    ]
    assert Meeting.objects.filter(is_public=False).count() == 1
    assert Meeting.objects.count() == 4
    assert ForwardPlanEntry.objects.filter(expected_confidential=True).count() == 1
    assert ForwardPlanEntry.objects.filter(status="taken", decision__isnull=False).exists()
    linked = MeetingDocument.objects.filter(evidence__isnull=False)
    assert {d.kind for d in linked} == {"terms", "minutes"}
    assert Meeting.objects.filter(decisions__isnull=False).exists()
