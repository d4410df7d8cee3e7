"""Demonstration boards, meetings (one private) and a forward plan, loaded by
``manage.py load_demo`` after the decisions (idempotent: a board already there is skipped).

Made up, and made through the services like real records. The partnership group's terms of
reference and minutes are linked as toolkit evidence for section 1 (multi-agency partnership).
"""

from datetime import datetime, timedelta

from django.utils import timezone

from decisions.meetings import services
from decisions.meetings.models import Board, ForwardPlanEntry
from decisions.models import Decision
from prevent_compliance.uploads import validate_upload
from toolkit.models import Section, ToolkitEdition

from .files import demo_upload

BOARDS = [
    (
        "Accountability board",
        "Where the Commissioner holds the Chief Constable to account, in public.",
    ),
    ("Joint audit committee", "Independent assurance on governance, risk and internal control."),
    (
        "Prevent partnership group",
        "The multi-agency group that agrees local Prevent risk and coordinates delivery.",
    ),
]


def _at(day, hour: int):
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour))


def _paper(officer, meeting, kind: str, title: str, **extra):
    upload = demo_upload(f"{kind}.pdf", title)
    return services.document_add(
        actor=officer,
        meeting=meeting,
        kind=kind,
        title=title,
        upload=upload,
        upload_info=validate_upload(upload),
        **extra,
    )


def _partnership_evidence(officer, documents) -> None:
    edition = ToolkitEdition.objects.order_by("-code").first()
    section = Section.objects.filter(edition=edition, number=1).first()
    if section is None:
        return
    criteria = {c.number: c for c in section.criteria.all()}
    for document, number in documents:
        services.document_link_evidence(
            actor=officer, document=document, section=section, criterion=criteria.get(number)
        )


def load(users) -> None:
    if Board.objects.filter(name=BOARDS[0][0]).exists():
        return
    officer = users["officer"]
    boards = [
        services.board_create(actor=officer, name=name, description=purpose)
        for name, purpose in BOARDS
    ]
    accountability, audit, partnership = boards
    today = timezone.localdate()
    published = Decision.objects.public().filter(status=Decision.Status.PUBLISHED).first()

    board_meeting = services.meeting_create(
        actor=officer,
        board=accountability,
        title="Quarterly accountability board",
        starts_at=_at(today - timedelta(days=40), 14),
        place="Conference room 1, Police Headquarters",
        is_public=True,
    )
    services.agenda_item_save(
        actor=officer,
        meeting=board_meeting,
        number=1,
        title="Apologies and declarations of interest",
    )
    services.agenda_item_save(
        actor=officer, meeting=board_meeting, number=2, title="Force performance report"
    )
    services.agenda_item_save(
        actor=officer, meeting=board_meeting, number=3, title="Prevent delivery update"
    )
    estates = services.agenda_item_save(
        actor=officer,
        meeting=board_meeting,
        number=4,
        title="Estates disposal (commercial)",
        withheld=True,
        exemption="s43",
    )
    _paper(officer, board_meeting, "agenda", "Agenda")
    _paper(officer, board_meeting, "report", "Estates disposal options", agenda_item=estates)
    _paper(officer, board_meeting, "minutes", "Minutes of the quarterly accountability board")
    for name, role in (
        ("Connor Marsh", "Police and Crime Commissioner (chair)"),
        ("Chief Constable", "Attending"),
        ("Chloe Evans", "Chief Executive and Monitoring Officer"),
    ):
        services.attendee_add(actor=officer, meeting=board_meeting, name=name, role=role)
    if published:
        services.meeting_link_decision(
            actor=officer, meeting=board_meeting, reference=published.reference
        )

    audit_meeting = services.meeting_create(
        actor=officer,
        board=audit,
        starts_at=_at(today - timedelta(days=25), 10),
        place="Committee room, County Hall",
        is_public=False,
        title="Joint audit committee (private session)",
    )
    services.agenda_item_save(
        actor=officer,
        meeting=audit_meeting,
        number=1,
        title="Internal audit of grant due diligence",
    )
    _paper(officer, audit_meeting, "minutes", "Private minutes of the audit committee")

    partnership_meeting = services.meeting_create(
        actor=officer,
        board=partnership,
        starts_at=_at(today - timedelta(days=15), 13),
        place="Online (Microsoft Teams)",
        is_public=True,
    )
    services.agenda_item_save(
        actor=officer,
        meeting=partnership_meeting,
        number=1,
        title="Counter-terrorism local profile briefing",
    )
    terms = _paper(officer, partnership_meeting, "terms", "Terms of reference")
    minutes = _paper(officer, partnership_meeting, "minutes", "Minutes of the partnership group")
    _partnership_evidence(officer, [(terms, 2), (minutes, 4)])

    services.meeting_create(
        actor=officer,
        board=accountability,
        title="Budget and precept meeting",
        starts_at=_at(today + timedelta(days=30), 10),
        place="Conference room 1, Police Headquarters",
        is_public=True,
    )

    month = today.replace(day=1)
    plan = [
        ("Police and Crime Plan refresh", "Refresh the plan's Prevent objectives.", 1, False, ""),
        ("Prevent partnership funding", "Grant to the partnership's delivery plan.", 2, False, ""),
        ("Disposal of a police station", "", 3, True, "estates"),
        ("Venue hire policy review", "Annual review of the policy.", 4, False, ""),
    ]
    for title, summary, ahead, confidential, subject in plan:
        expected = month + timedelta(days=31 * ahead)
        services.plan_entry_create(
            actor=officer,
            title=title,
            summary=summary,
            expected_year=expected.year,
            expected_month=expected.month,
            decision_maker="pcc",
            expected_confidential=confidential,
            public_subject=subject,
        )
    if published:
        services.plan_entry_create(
            actor=officer,
            title=published.title,
            summary=published.summary[:500],
            expected_year=published.decision_date.year,
            expected_month=published.decision_date.month,
            decision_maker="pcc",
            status=ForwardPlanEntry.Status.TAKEN,
            decision=published,
        )
