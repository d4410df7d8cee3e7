"""Training records built through the services, as an officer would record them."""

from datetime import date, timedelta

from django.utils import timezone

from prevent_compliance.uploads import validate_upload
from tests.prevent_compliance.samples import pdf_bytes, upload
from toolkit.training import services
from toolkit.training.models import Course, RoleGroup


def make_world(actor, *, today: date | None = None) -> dict:
    """Two courses, three people, one completion: the records the permission matrix and the
    page tests name."""
    today = today or timezone.localdate()
    awareness = services.course_create(
        actor=actor,
        name="Prevent awareness e-learning",
        kind=Course.Kind.AWARENESS,
        provider="Home Office",
        refresher_months=24,
        role_groups=[RoleGroup.STAFF, RoleGroup.SENIOR, RoleGroup.COMMISSIONER],
    )
    leadership = services.course_create(
        actor=actor,
        name="Prevent for strategic leads",
        kind=Course.Kind.LEADERSHIP,
        refresher_months=None,
        role_groups=[RoleGroup.SENIOR],
    )
    start = today - timedelta(days=800)
    ada = services.person_create(
        actor=actor,
        name="Ada Lovelace",
        role_group=RoleGroup.STAFF,
        job_title="Policy officer",
        email="ada@opcc.test",
        employee_id="E001",
        start_date=start,
    )
    grace = services.person_create(
        actor=actor,
        name="Grace Hopper",
        role_group=RoleGroup.SENIOR,
        job_title="Chief of staff",
        start_date=start,
    )
    services.person_create(
        actor=actor, name="Alan Turing", role_group=RoleGroup.STAFF, start_date=start
    )
    certificate = upload("certificate.pdf", pdf_bytes("Certificate"))
    completion = services.completion_record(
        actor=actor,
        person=ada,
        course=awareness,
        completed_on=today - timedelta(days=100),
        upload=certificate,
        upload_info=validate_upload(certificate),
    )
    return {
        "awareness": awareness,
        "leadership": leadership,
        "ada": ada,
        "grace": grace,
        "completion": completion,
    }
