"""Meetings, their papers and the forward plan reach the audit log and History pages."""

from django.urls import reverse

from decisions.meetings.models import ForwardPlanEntry, Meeting, MeetingDocument
from prevent_compliance.audit.registry import history_url

from .helpers import make_world


def test_meeting_records_have_history_pages(personas, client_for):
    make_world(personas["officer"])
    meeting = Meeting.objects.get(title="Quarterly accountability meeting")
    paper = MeetingDocument.objects.filter(meeting=meeting).first()
    entry = ForwardPlanEntry.objects.order_by("pk").first()
    for record in (meeting, paper, entry):
        url = history_url(record)
        assert url, f"{type(record).__name__} has no History page"
        page = client_for(personas["auditor"]).get(url)
        assert page.status_code == 200, url
        assert record.title in page.content.decode()
    assert client_for(None).get(history_url(meeting)).status_code in (302, 403, 404)


def test_meeting_changes_are_in_the_audit_log(personas, client_for):
    make_world(personas["officer"])
    page = client_for(personas["auditor"]).get(reverse("audit:log"))
    assert page.status_code == 200
    assert "Quarterly accountability meeting" in page.content.decode()
