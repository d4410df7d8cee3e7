"""The training pages through the test client: forms, import steps, export, downloads."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.prevent_compliance.samples import pdf_bytes
from tests.training.helpers import make_world
from toolkit.annual_review_report import annual_review_context
from toolkit.training import services
from toolkit.training.models import Completion, Course, Person


@pytest.fixture
def world(officer, today):
    return make_world(officer, today=today)


def _date(prefix: str, day) -> dict:
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def test_overview_shows_percentages_and_who_is_overdue(client_for, officer, world):
    response = client_for(officer).get(reverse("training:overview"))
    body = response.content.decode()
    assert response.status_code == 200
    # Ada is in date on awareness; Alan and Grace are not; Grace lacks the leadership course.
    assert "25% of the Prevent training people need is in date (1 of 4)" in body
    assert 'role="region" aria-labelledby="overdue"' in body
    assert "Alan Turing" in body and "Grace Hopper" in body


def test_person_add_and_edit(client_for, officer, today):
    client = client_for(officer)
    response = client.post(
        reverse("training:person_create"),
        {
            "name": "Mary Seacole",
            "role_group": "staff",
            "active": "on",
            **_date("start_date", today),
        },
    )
    person = Person.objects.get()
    assert response.status_code == 302 and response["Location"] == person.get_absolute_url()
    response = client.post(
        reverse("training:person_edit", args=[person.public_id]),
        {
            "name": "Mary Seacole",
            "role_group": "senior",
            "active": "on",
            **_date("start_date", today),
            **_date("end_date", today - timedelta(days=1)),
        },
    )
    assert response.status_code == 200
    assert "The end date must be on or after the start date" in response.content.decode()
    person.refresh_from_db()
    assert person.role_group == "staff"


def test_course_add_with_needs_analysis(client_for, officer):
    response = client_for(officer).post(
        reverse("training:course_create"),
        {
            "name": "Referrals",
            "kind": "referrals",
            "refresher_months": "36",
            "role_groups": ["staff", "deputy"],
        },
    )
    assert response.status_code == 302
    course = Course.objects.get()
    assert sorted(course.requirements.values_list("role_group", flat=True)) == ["deputy", "staff"]


def test_course_refresher_must_be_in_range(client_for, officer):
    response = client_for(officer).post(
        reverse("training:course_create"),
        {"name": "Referrals", "kind": "referrals", "refresher_months": "0"},
    )
    assert "between 1 and 120 months" in response.content.decode()
    assert not Course.objects.exists()


def test_record_a_completion_with_a_certificate(client_for, officer, world, today):
    client = client_for(officer)
    grace = world["grace"]
    response = client.post(
        reverse("training:completion_create"),
        {
            "person": grace.pk,
            "course": world["leadership"].pk,
            **_date("completed_on", today),
            "upload": SimpleUploadedFile("cert.pdf", pdf_bytes(), "application/pdf"),
        },
    )
    assert response.status_code == 302
    completion = Completion.objects.get(person=grace)
    download = client.get(reverse("training:certificate_download", args=[completion.public_id]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize(
    ("days", "message"),
    [(1, "cannot be in the future"), (-900, "cannot be before Grace Hopper started")],
)
def test_record_a_completion_refuses_bad_dates(client_for, officer, world, today, days, message):
    response = client_for(officer).post(
        reverse("training:completion_create"),
        {
            "person": world["grace"].pk,
            "course": world["leadership"].pk,
            **_date("completed_on", today + timedelta(days=days)),
        },
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not Completion.objects.filter(person=world["grace"]).exists()


def test_a_disguised_certificate_is_refused(client_for, officer, world, today, settings):
    response = client_for(officer).post(
        reverse("training:completion_create"),
        {
            "person": world["grace"].pk,
            "course": world["leadership"].pk,
            **_date("completed_on", today),
            "upload": SimpleUploadedFile("cert.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"),
        },
    )
    assert response.status_code == 200 and "not an allowed type" in response.content.decode()
    assert not Completion.objects.filter(person=world["grace"]).exists()


def test_certificate_needs_the_view_permission(client_for, treasurer, officer, world, today):
    file = SimpleUploadedFile("cert.pdf", pdf_bytes(), "application/pdf")
    from prevent_compliance.uploads import validate_upload

    completion = services.completion_record(
        actor=officer,
        person=world["grace"],
        course=world["leadership"],
        completed_on=today,
        upload=file,
        upload_info=validate_upload(file),
    )
    url = reverse("training:certificate_download", args=[completion.public_id])
    assert client_for(treasurer).get(url).status_code == 403
    alan = Person.objects.get(name="Alan Turing")
    bare = services.completion_record(
        actor=officer, person=alan, course=world["awareness"], completed_on=today
    )
    no_file = reverse("training:certificate_download", args=[bare.public_id])
    assert client_for(officer).get(no_file).status_code == 404


def test_import_preview_then_confirm(client_for, officer, world, today):
    client = client_for(officer)
    row = f"ada@opcc.test,Prevent awareness e-learning,{today:%d/%m/%Y}"
    data = f"\ufeffEmail,Course,Completed on\r\n{row}\r\n"
    preview = client.post(
        reverse("training:import"),
        {"upload": SimpleUploadedFile("export.csv", data.encode(), "text/csv")},
    )
    body = preview.content.decode()
    assert preview.status_code == 200 and "Check the completions to import" in body
    assert not Completion.objects.filter(completed_on=today).exists()
    digest = preview.context["digest"]
    assert client.post(reverse("training:import_confirm"), {"digest": "stale"}).status_code == 302
    assert not Completion.objects.filter(completed_on=today).exists()
    done = client.post(reverse("training:import_confirm"), {"digest": digest})
    assert done.status_code == 302 and done["Location"] == reverse("training:overview")
    assert Completion.objects.filter(completed_on=today, source="imported").count() == 1
    # The same confirmation again imports nothing more: the file is no longer waiting.
    client.post(reverse("training:import_confirm"), {"digest": digest})
    assert Completion.objects.filter(completed_on=today).count() == 1


def test_import_with_problems_lists_them_and_saves_nothing(client_for, officer, world, today):
    data = "Name,Course,Completed on\r\nNobody,Prevent awareness e-learning,01/01/2025\r\n"
    response = client_for(officer).post(
        reverse("training:import"),
        {"upload": SimpleUploadedFile("export.csv", data.encode(), "text/csv")},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Error: Import completions" in body
    assert "Row 2, column &#x27;Name&#x27;: no person is recorded with “Nobody”" in body
    assert Completion.objects.count() == 1


def test_register_export_is_csv_safe(client_for, officer, world, today):
    services.person_update(actor=officer, person=world["ada"], job_title="=1+2")
    response = client_for(officer).get(reverse("training:register_export"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Person", "Job title", "Role group", "Course"]
    ada = next(row for row in rows if row[0] == "Ada Lovelace")
    assert ada[1] == "'=1+2" and ada[6] == "In date"


def test_dashboard_and_section_six_show_the_figures(client_for, officer, treasurer, world, period):
    dashboard = client_for(treasurer).get(reverse("toolkit:dashboard")).content.decode()
    assert "25%" in dashboard and "1 of 4" in dashboard
    assert reverse("training:overview") not in dashboard  # treasurer cannot open the register
    section = client_for(officer).get(reverse("toolkit:section_detail", args=[6]))
    body = section.content.decode()
    assert 'data-testid="section-training"' in body and "1 of 4" in body
    other = client_for(officer).get(reverse("toolkit:section_detail", args=[5])).content.decode()
    assert 'data-testid="section-training"' not in other


def test_annual_review_has_the_training_percentages(world, period):
    context = annual_review_context(period)
    training = context["training"]
    assert (training.overall.in_date, training.overall.needed) == (1, 4)
    from toolkit.annual_review_report import annual_review_html

    html = annual_review_html(period)
    assert "Prevent training" in html and "by role group" in html


def test_history_pages_follow_the_training_permission(
    client_for, officer, auditor, treasurer, world
):
    ada = world["ada"]
    url = reverse("audit:history", args=["training-person", str(ada.public_id)])
    response = client_for(auditor).get(url)
    assert response.status_code == 200 and "Person added" in response.content.decode()
    assert client_for(treasurer).get(url).status_code == 403
    course_url = reverse(
        "audit:history", args=["training-course", str(world["awareness"].public_id)]
    )
    assert client_for(officer).get(course_url).status_code == 200
    completion = world["completion"]
    completion_url = reverse(
        "audit:history", args=["training-completion", str(completion.public_id)]
    )
    assert client_for(officer).get(completion_url).status_code == 200
    log = client_for(auditor).get(reverse("audit:log")).content.decode()
    assert "Ada Lovelace" in log


def test_import_confirm_checks_again_and_saves_nothing_on_a_clash(
    client_for, officer, world, today
):
    client = client_for(officer)
    data = "Email,Name,Course,Completed on\r\n" + "\r\n".join(
        [
            f"ada@opcc.test,,Prevent awareness e-learning,{today:%d/%m/%Y}",
            f",Grace Hopper,Prevent for strategic leads,{today:%d/%m/%Y}",
        ]
    )
    preview = client.post(
        reverse("training:import"),
        {"upload": SimpleUploadedFile("export.csv", data.encode(), "text/csv")},
    )
    assert "2 completions will be recorded" in preview.content.decode()
    # Someone records Grace's completion by hand before the import is confirmed.
    services.completion_record(
        actor=officer, person=world["grace"], course=world["leadership"], completed_on=today
    )
    response = client.post(
        reverse("training:import_confirm"), {"digest": preview.context["digest"]}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Row 3: This completion is already recorded." in body
    assert not Completion.objects.filter(source="imported").exists()
