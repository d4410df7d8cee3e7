"""Writes of training records: happy path, wrong role, bad input, change reason, no half-saves."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from prevent_compliance.uploads import validate_upload
from tests.prevent_compliance.samples import pdf_bytes, upload
from toolkit.training import services
from toolkit.training.models import Completion, Course, Person, RoleGroup, TrainingRequirement


def test_person_create_records_history(officer, today):
    person = services.person_create(
        actor=officer, name="Ada Lovelace", role_group=RoleGroup.STAFF, start_date=today
    )
    last = person.history.latest()
    assert last.history_user == officer and last.history_change_reason == "Person added"


@pytest.mark.parametrize(
    "role", ["treasurer", "commissioner", "auditor", "administrator", "outsider"]
)
def test_only_officers_and_the_chief_executive_record(request, role, today):
    actor = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        services.person_create(
            actor=actor, name="Ada", role_group=RoleGroup.STAFF, start_date=today
        )
    assert not Person.objects.exists()


def test_chief_executive_may_record(chief_executive, today):
    services.person_create(
        actor=chief_executive, name="Ada", role_group=RoleGroup.STAFF, start_date=today
    )
    assert Person.objects.count() == 1


def test_person_end_before_start_is_refused(officer, today):
    with pytest.raises(ValidationError):
        services.person_create(
            actor=officer,
            name="Ada",
            role_group=RoleGroup.STAFF,
            start_date=today,
            end_date=today - timedelta(days=1),
        )
    assert not Person.objects.exists()


def test_employee_ids_are_unique(make_person):
    make_person("Ada", employee_id="E1")
    make_person("Alan", employee_id="")
    make_person("Grace", employee_id="")
    with pytest.raises(ValidationError, match="employee ID"):
        make_person("Other", employee_id="E1")


def test_course_create_sets_the_needs_analysis(officer):
    course = services.course_create(
        actor=officer,
        name="Channel awareness",
        kind=Course.Kind.CHANNEL,
        refresher_months=36,
        role_groups=[RoleGroup.STAFF, RoleGroup.SENIOR],
    )
    assert set(course.requirements.values_list("role_group", flat=True)) == {"staff", "senior"}
    services.course_update(actor=officer, course=course, role_groups=[RoleGroup.SENIOR])
    assert list(course.requirements.values_list("role_group", flat=True)) == ["senior"]
    removed = TrainingRequirement.history.filter(history_type="-").get()
    assert removed.role_group == "staff" and removed.history_user == officer
    assert removed.history_change_reason == "Removed from the training needs analysis"


def test_course_refresher_out_of_range_is_refused(officer):
    with pytest.raises(ValidationError):
        services.course_create(
            actor=officer, name="Odd", kind=Course.Kind.OTHER, refresher_months=0
        )
    assert not Course.objects.exists()


def test_course_unknown_role_group_refused_and_nothing_saved(officer):
    with pytest.raises(ValidationError):
        services.course_create(
            actor=officer, name="Odd", kind=Course.Kind.OTHER, role_groups=["staff", "aliens"]
        )
    assert not Course.objects.exists() and not TrainingRequirement.objects.exists()


def test_completion_record_with_certificate(officer, person, course, today, settings):
    file = upload("certificate.pdf", pdf_bytes("Certificate"))
    completion = services.completion_record(
        actor=officer,
        person=person,
        course=course,
        completed_on=today,
        upload=file,
        upload_info=validate_upload(file),
    )
    completion.refresh_from_db()
    assert completion.recorded_by == officer and completion.source == "recorded"
    assert completion.original_filename == "certificate.pdf"
    assert completion.content_type == "application/pdf" and len(completion.sha256) == 64
    assert completion.certificate.name.startswith("training/")
    assert "certificate" not in completion.certificate.name
    assert completion.certificate.storage.exists(completion.certificate.name)
    assert completion.history.latest().history_change_reason == "Completion recorded"


def test_completion_in_the_future_is_refused(officer, person, course, today):
    with pytest.raises(ValidationError) as caught:
        services.completion_record(
            actor=officer, person=person, course=course, completed_on=today + timedelta(days=1)
        )
    assert "cannot be in the future" in str(caught.value.message_dict["completed_on"])
    assert not Completion.objects.exists()


def test_completion_today_is_accepted(officer, person, course, today):
    services.completion_record(actor=officer, person=person, course=course, completed_on=today)
    assert Completion.objects.count() == 1


def test_completion_before_the_start_date_is_refused(officer, make_person, course, today):
    person = make_person(start_date=today - timedelta(days=10))
    with pytest.raises(ValidationError) as caught:
        services.completion_record(
            actor=officer, person=person, course=course, completed_on=today - timedelta(days=11)
        )
    assert "before Ada Lovelace started" in str(caught.value.message_dict["completed_on"])
    services.completion_record(
        actor=officer, person=person, course=course, completed_on=today - timedelta(days=10)
    )
    assert Completion.objects.count() == 1


def test_completion_refused_by_role_stores_no_file(auditor, person, course, today, settings):
    file = upload("certificate.pdf", pdf_bytes())
    with pytest.raises(PermissionDenied):
        services.completion_record(
            actor=auditor,
            person=person,
            course=course,
            completed_on=today,
            upload=file,
            upload_info=validate_upload(file),
        )
    media = settings.MEDIA_ROOT
    assert not (media / "training").exists()


def test_a_failed_save_removes_the_new_certificate(officer, person, course, today, settings):
    services.completion_record(actor=officer, person=person, course=course, completed_on=today)
    file = upload("certificate.pdf", pdf_bytes())
    with pytest.raises(ValidationError, match="already recorded"):
        services.completion_record(
            actor=officer,
            person=person,
            course=course,
            completed_on=today,
            upload=file,
            upload_info=validate_upload(file),
        )
    assert Completion.objects.count() == 1
    folder = settings.MEDIA_ROOT / "training"
    assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))


def test_person_start_date_cannot_move_after_a_recorded_completion(officer, person, course, today):
    services.completion_record(
        actor=officer, person=person, course=course, completed_on=today - timedelta(days=30)
    )
    with pytest.raises(ValidationError) as caught:
        services.person_update(actor=officer, person=person, start_date=today)
    assert "start_date" in caught.value.message_dict
    person.refresh_from_db()
    assert person.start_date == today - timedelta(days=400)


def test_person_update_records_the_change(officer, person):
    services.person_update(actor=officer, person=person, job_title="Head of policy")
    person.refresh_from_db()
    assert person.job_title == "Head of policy"
    assert person.history.latest().history_change_reason == "Person changed"
