"""The Django admin can read a signed record but never change or delete it."""

from django.contrib.admin.sites import site
from django.test import RequestFactory

from decisions.models import Decision, SupportingSection
from tests.prevent_compliance.two_factor import sign_in_verified


def test_admin_refuses_to_change_or_delete_a_signed_record(
    wpcc4_0028, make_decision, django_user_model
):
    boss = django_user_model.objects.create_superuser("root", password="x-long-password")
    request = RequestFactory().get("/admin/")
    request.user = boss
    decision_admin = site._registry[Decision]
    section_admin = site._registry[SupportingSection]
    assert not decision_admin.has_change_permission(request, wpcc4_0028)
    assert not decision_admin.has_delete_permission(request, wpcc4_0028)
    section = wpcc4_0028.supporting_sections.first()
    assert not section_admin.has_change_permission(request, section)
    assert not section_admin.has_delete_permission(request, section)
    inline = decision_admin.get_inline_instances(request, wpcc4_0028)
    assert all(not i.has_change_permission(request, wpcc4_0028) for i in inline)
    draft = make_decision("draft")
    # Drafts too change only through the services (tests/prevent_compliance/test_admin_security.py).
    assert not decision_admin.has_change_permission(request, draft)


def test_admin_change_page_of_a_signed_record_is_read_only(wpcc4_0028, django_user_model, client):
    boss = django_user_model.objects.create_superuser("root", password="x-long-password")
    sign_in_verified(client, boss)
    url = f"/admin/decisions/decision/{wpcc4_0028.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.text  # shown read-only, with no save button
    assert client.post(url, {"title": "Changed"}).status_code == 403
    delete = f"/admin/decisions/decision/{wpcc4_0028.pk}/delete/"
    assert client.post(delete, {"post": "yes"}).status_code == 403
    wpcc4_0028.refresh_from_db()
    assert wpcc4_0028.title == "OPCC Prevent Duty Standards Operating Procedure"
