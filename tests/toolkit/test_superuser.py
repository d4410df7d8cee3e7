"""A superuser with no role gets no role's powers: one permission check (prevent_compliance.rules)
asks the role rules only, in views, services and templates alike."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from prevent_compliance.rules import allowed, require
from tests.prevent_compliance.two_factor import sign_in_verified
from toolkit import services
from toolkit.models import Evidence, ReviewPeriod

from .helpers import evidence_post


@pytest.fixture
def root_client(client, superuser):
    """The superuser, signed in with a code confirmed (as every superuser must)."""
    return sign_in_verified(client, superuser)


def test_superuser_cannot_open_the_officer_forms(root_client, period, evidence, action):
    for url in (
        reverse("toolkit:evidence_create"),
        reverse("toolkit:evidence_edit", args=[evidence.public_id]),
        reverse("toolkit:action_create"),
        reverse("toolkit:action_edit", args=[action.public_id]),
        reverse("toolkit:assessment_edit", args=[1]),
        reverse("toolkit:period_start"),
        reverse("toolkit:guidance_create"),
    ):
        assert root_client.get(url).status_code == 403, url


def test_superuser_cannot_add_evidence(root_client, period, section, today):
    data = evidence_post(sections=[section], today=today, url="https://example.org/minutes")
    response = root_client.post(reverse("toolkit:evidence_create"), data)
    assert response.status_code == 403
    assert not Evidence.objects.exists()


def test_superuser_cannot_read_the_records(root_client, period, evidence):
    for url in (
        reverse("toolkit:dashboard"),
        reverse("toolkit:evidence_detail", args=[evidence.public_id]),
        reverse("toolkit:evidence_download", args=[evidence.public_id]),
        reverse("toolkit:period_detail", args=[period.year]),
        reverse("decisions:list"),
        reverse("audit:log"),
    ):
        assert root_client.get(url).status_code == 403, url


def test_superuser_is_refused_by_the_services(superuser, period, section, today):
    with pytest.raises(PermissionDenied):
        services.action_create(
            actor=superuser,
            period=period,
            title="Done by the superuser",
            section=section,
            owner=superuser,
            due_date=today,
        )
    with pytest.raises(PermissionDenied):
        services.review_period_reconfirm(actor=superuser, period=period)


def test_the_one_check_keeps_django_permissions_for_the_admin(superuser, officer):
    assert not allowed(superuser, "toolkit.add_evidence")
    assert allowed(officer, "toolkit.add_evidence")
    # Users and groups in the Django admin keep Django's own permissions.
    assert allowed(superuser, "auth.change_user")
    with pytest.raises(PermissionDenied):
        require(superuser, "decisions.sign_decision")


def test_superuser_still_reaches_the_django_admin(root_client):
    assert root_client.get(reverse("admin:index")).status_code == 200
    assert root_client.get(reverse("admin:auth_user_changelist")).status_code == 200


def test_menu_shows_only_what_the_role_may_open(root_client, client, administrator):
    page = root_client.get(reverse("accounts:two_factor")).content.decode()
    assert reverse("audit:log") not in page
    assert reverse("organisation") not in page
    sign_in_verified(client, administrator)
    page = client.get(reverse("accounts:two_factor")).content.decode()
    assert reverse("audit:log") in page and reverse("organisation") in page


# --- review_period_reopen checks who asks ---------------------------------------------------


@pytest.fixture
def in_review(period, chief_executive):
    return services.review_period_mark_in_review(actor=chief_executive, period=period)


@pytest.mark.parametrize("who", ["superuser", "outsider", "auditor", "treasurer"])
def test_only_a_workflow_role_reopens_a_period(who, in_review, request):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.review_period_reopen(actor=actor, period=in_review, reason="Not mine to do")
    in_review.refresh_from_db()
    assert in_review.status == ReviewPeriod.Status.IN_REVIEW


@pytest.mark.parametrize("who", ["officer", "chief_executive", "commissioner"])
def test_withdraw_return_or_defer_roles_reopen_a_period(who, in_review, request):
    actor = request.getfixturevalue(who)
    period = services.review_period_reopen(actor=actor, period=in_review, reason="Withdrawn")
    assert period.status == ReviewPeriod.Status.OPEN
