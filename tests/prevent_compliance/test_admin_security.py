"""The admin's limits: no authenticator secret shown, no self-given roles, signing roles under
two-person control, password resets that clear the app, every account change in the audit log,
and decisions read only (issue 10, findings 1 and 2)."""

from base64 import b32encode
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from decisions.models import Decision
from prevent_compliance.accounts.services import role_grant_confirm
from prevent_compliance.models import AccountEvent, RoleGrant
from prevent_compliance.roles import Role
from tests.conftest import PASSWORD, _make_user
from tests.decisions.helpers import advance, complete_sections, make_draft
from tests.prevent_compliance.two_factor import confirmed_device, sign_in_verified


def _group(role: Role) -> Group:
    return Group.objects.get(name=role.value)


@pytest.fixture
def second_administrator(db, django_user_model):
    user = _make_user(django_user_model, "second.admin", Role.ADMINISTRATOR)
    user.is_staff = True
    user.save()
    return user


def _change_form(user, groups) -> dict:
    """What the admin's user change form posts, with the given roles ticked."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "groups": [g.pk for g in groups],
    }
    if user.is_staff:
        data["is_staff"] = "on"
    return data


def _roles(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


# --- No authenticator secret, anywhere in the admin --------------------------------------------


@pytest.mark.parametrize("who", ["administrator", "superuser"])
def test_the_admin_never_shows_an_authenticator_key(client, commissioner, administrator, who):
    device = confirmed_device(commissioner)
    viewer = administrator
    if who == "superuser":
        viewer = type(administrator).objects.create_superuser("root", password=PASSWORD)
    sign_in_verified(client, viewer)
    secrets = (device.key, b32encode(device.bin_key).decode().rstrip("="), "otpauth://")
    base = f"/admin/otp_totp/totpdevice/{device.pk}"
    pages = [
        client.get("/admin/otp_totp/totpdevice/"),
        client.get(f"{base}/change/"),
        client.get(f"{base}/config/", follow=True),
        client.get(f"{base}/qrcode/", follow=True),
    ]
    assert pages[0].status_code == pages[1].status_code == 200
    assert commissioner.username in pages[0].text
    for page in pages:
        assert page.get("Content-Type", "").startswith("text/html")
        assert not any(secret in page.text for secret in secrets)
    for name in ("admin:otp_totp_totpdevice_config", "admin:otp_totp_totpdevice_qrcode"):
        with pytest.raises(NoReverseMatch):
            reverse(name, kwargs={"pk": device.pk})


def test_nobody_adds_or_edits_an_authenticator_app_in_the_admin(client, commissioner, db):
    device = confirmed_device(commissioner)
    root = type(commissioner).objects.create_superuser("root", password=PASSWORD)
    sign_in_verified(client, root)
    assert client.get("/admin/otp_totp/totpdevice/add/").status_code == 403
    response = client.post(
        f"/admin/otp_totp/totpdevice/{device.pk}/change/",
        {"user": commissioner.pk, "name": "x", "key": "00" * 20, "confirmed": "on"},
    )
    assert response.status_code == 403
    device.refresh_from_db()
    assert device.key != "00" * 20


def test_removing_a_lost_app_in_the_admin_is_recorded(client, administrator, commissioner):
    device = confirmed_device(commissioner)
    sign_in_verified(client, administrator)
    response = client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    event = AccountEvent.objects.get(account=commissioner, kind=AccountEvent.Kind.DEVICE_REMOVED)
    assert event.history.get().history_user == administrator


# --- Roles: never one's own; signing roles need a second administrator -------------------------


def test_an_administrator_cannot_give_themselves_a_role(client, administrator):
    sign_in_verified(client, administrator)
    url = f"/admin/auth/user/{administrator.pk}/change/"
    page = client.get(url).text
    assert 'name="groups"' not in page
    client.post(url, _change_form(administrator, [_group(r) for r in Role]))
    assert _roles(administrator) == {Role.ADMINISTRATOR.value}
    assert not RoleGrant.objects.exists()


def test_a_superuser_cannot_give_themselves_a_role_or_make_superusers(client, officer, db):
    root = type(officer).objects.create_superuser("root", password=PASSWORD)
    sign_in_verified(client, root)
    client.post(f"/admin/auth/user/{root.pk}/change/", _change_form(root, [_group(Role.OFFICER)]))
    assert _roles(root) == set()
    data = _change_form(officer, [_group(Role.OFFICER)]) | {"is_superuser": "on"}
    client.post(f"/admin/auth/user/{officer.pk}/change/", data)
    officer.refresh_from_db()
    assert not officer.is_superuser


def test_a_role_that_signs_nothing_applies_at_once(client, administrator, officer):
    sign_in_verified(client, administrator)
    response = client.post(
        f"/admin/auth/user/{officer.pk}/change/",
        _change_form(officer, [_group(Role.OFFICER), _group(Role.TREASURER)]),
    )
    assert response.status_code == 302
    assert _roles(officer) == {Role.OFFICER.value, Role.TREASURER.value}
    assert not RoleGrant.objects.exists()


@pytest.mark.parametrize("role", [Role.COMMISSIONER, Role.CHIEF_EXECUTIVE, Role.ADMINISTRATOR])
def test_a_signing_role_waits_for_a_second_administrator(
    client, administrator, second_administrator, officer, role
):
    sign_in_verified(client, administrator)
    response = client.post(
        f"/admin/auth/user/{officer.pk}/change/",
        _change_form(officer, [_group(Role.OFFICER), _group(role)]),
        follow=True,
    )
    assert "waits for a second administrator" in response.text
    assert _roles(officer) == {Role.OFFICER.value}
    grant = RoleGrant.objects.get(account=officer, role=_group(role))
    assert grant.status == RoleGrant.Status.PENDING and grant.proposed_by == administrator

    # The proposer's own confirmation is refused...
    client.post(
        "/admin/prevent_compliance/rolegrant/",
        {"action": "confirm", "_selected_action": [grant.pk]},
    )
    grant.refresh_from_db()
    assert grant.status == RoleGrant.Status.PENDING
    assert _roles(officer) == {Role.OFFICER.value}

    # ...a second administrator's is accepted.
    sign_in_verified(client, second_administrator)
    client.post(
        "/admin/prevent_compliance/rolegrant/",
        {"action": "confirm", "_selected_action": [grant.pk]},
    )
    grant.refresh_from_db()
    assert grant.status == RoleGrant.Status.CONFIRMED
    assert grant.decided_by == second_administrator
    assert _roles(officer) == {Role.OFFICER.value, role.value}


def test_the_person_who_would_receive_a_role_cannot_confirm_it(
    client, administrator, second_administrator
):
    sign_in_verified(client, administrator)
    client.post(
        f"/admin/auth/user/{second_administrator.pk}/change/",
        _change_form(second_administrator, [_group(Role.ADMINISTRATOR), _group(Role.COMMISSIONER)]),
    )
    grant = RoleGrant.objects.get(account=second_administrator)
    sign_in_verified(client, second_administrator)
    client.post(
        "/admin/prevent_compliance/rolegrant/",
        {"action": "confirm", "_selected_action": [grant.pk]},
    )
    grant.refresh_from_db()
    assert grant.status == RoleGrant.Status.PENDING
    assert Role.COMMISSIONER.value not in _roles(second_administrator)


def test_only_administrators_see_or_confirm_role_grants(client, administrator, officer, auditor):
    grant = RoleGrant.objects.create(
        account=officer, role=_group(Role.COMMISSIONER), proposed_by=administrator
    )
    auditor.is_staff = True
    auditor.save()
    sign_in_verified(client, auditor)
    assert client.get("/admin/prevent_compliance/rolegrant/").status_code == 403
    with pytest.raises(PermissionDenied):
        role_grant_confirm(actor=auditor, grant=grant)
    assert Role.COMMISSIONER.value not in _roles(officer)


def test_role_definitions_cannot_be_changed_in_the_admin(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", password=PASSWORD)
    sign_in_verified(client, root)
    group = _group(Role.OFFICER)
    response = client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "Renamed"})
    assert response.status_code == 403
    group.refresh_from_db()
    assert group.name == Role.OFFICER.value


def test_the_first_administrators_are_given_their_role_from_the_command_line(officer):
    call_command("grant_role", "officer", Role.ADMINISTRATOR.value, stdout=StringIO())
    assert Role.ADMINISTRATOR.value in _roles(officer)
    assert AccountEvent.objects.filter(
        account=officer, kind=AccountEvent.Kind.ROLE_ADDED, summary__contains="Administrator"
    ).exists()


# --- Password resets ---------------------------------------------------------------------------


def test_resetting_a_signers_password_removes_the_app_and_holds_the_role_back(
    client, administrator, commissioner
):
    device = confirmed_device(commissioner)
    sign_in_verified(client, administrator)
    new = "a-brand-new-long-password"
    response = client.post(
        f"/admin/auth/user/{commissioner.pk}/password/",
        {"password1": new, "password2": new},
    )
    assert response.status_code == 302
    commissioner.refresh_from_db()
    assert commissioner.check_password(new)
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    # The administrator now knows the password, so the signing role waits for someone else.
    assert Role.COMMISSIONER.value not in _roles(commissioner)
    grant = RoleGrant.objects.get(account=commissioner, status=RoleGrant.Status.PENDING)
    assert grant.proposed_by == administrator
    kinds = set(AccountEvent.objects.filter(account=commissioner).values_list("kind", flat=True))
    assert {"password_changed", "device_removed", "role_removed"} <= kinds


def test_resetting_an_officers_password_keeps_the_role(client, administrator, officer):
    sign_in_verified(client, administrator)
    new = "a-brand-new-long-password"
    client.post(f"/admin/auth/user/{officer.pk}/password/", {"password1": new, "password2": new})
    assert _roles(officer) == {Role.OFFICER.value}
    assert AccountEvent.objects.filter(
        account=officer, kind=AccountEvent.Kind.PASSWORD_CHANGED
    ).exists()


# --- Every account change in the app's own audit log -------------------------------------------


def test_role_password_and_app_changes_are_in_the_audit_log(
    client, administrator, officer, auditor
):
    sign_in_verified(client, administrator)
    client.post(
        f"/admin/auth/user/{officer.pk}/change/",
        _change_form(officer, [_group(Role.OFFICER), _group(Role.TREASURER)]),
    )
    # Changes made in code are recorded as well.
    _group(Role.AUDITOR).user_set.add(officer)
    officer.groups.remove(_group(Role.AUDITOR))
    confirmed_device(officer).delete()

    client.force_login(auditor)
    page = client.get(reverse("audit:log"), {"record_type": "account-change"}).text
    assert "Treasurer role given to officer" in page
    assert "Auditor role given to officer" in page
    assert "Auditor role taken from officer" in page
    assert "Authenticator app set up for officer" in page
    assert "Authenticator app of officer removed" in page
    event = AccountEvent.objects.get(summary="Treasurer role given to officer")
    assert event.history.get().history_user == administrator
    history = client.get(reverse("audit:history", args=["account-change", event.public_id]))
    assert history.status_code == 200


def test_role_grants_are_in_the_audit_log(client, administrator, officer, auditor):
    sign_in_verified(client, administrator)
    client.post(
        f"/admin/auth/user/{officer.pk}/change/",
        _change_form(officer, [_group(Role.OFFICER), _group(Role.COMMISSIONER)]),
    )
    client.force_login(auditor)
    page = client.get(reverse("audit:log"), {"record_type": "role-grant"}).text
    assert "Commissioner for officer" in page


def test_deactivating_users_is_recorded(client, administrator, officer):
    sign_in_verified(client, administrator)
    client.post("/admin/auth/user/", {"action": "deactivate", "_selected_action": [officer.pk]})
    assert AccountEvent.objects.filter(account=officer, summary="officer deactivated").exists()


# --- Decisions are read only in the admin, in every state --------------------------------------


@pytest.mark.parametrize("state", ["draft", "consultation", "awaiting_signature"])
def test_the_admin_changes_no_decision_in_any_state(client, personas, state):
    decision = make_draft(personas)
    complete_sections(decision, actor=personas["officer"])
    decision = advance(decision, personas, state)
    root = type(personas["officer"]).objects.create_superuser("root", password=PASSWORD)
    sign_in_verified(client, root)
    url = f"/admin/decisions/decision/{decision.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.text
    assert client.post(url, {"title": "Changed in the admin"}).status_code == 403
    delete = f"/admin/decisions/decision/{decision.pk}/delete/"
    assert client.post(delete, {"post": "yes"}).status_code == 403
    section = decision.supporting_sections.first()
    section_url = f"/admin/decisions/supportingsection/{section.pk}/change/"
    assert client.post(section_url, {"heading": "Changed"}).status_code == 403
    assert client.get("/admin/decisions/decision/add/").status_code == 403
    decision.refresh_from_db()
    assert decision.title == "Prevent training for OPCC staff"
    assert decision.status == Decision.objects.get(pk=decision.pk).status
    section.refresh_from_db()
    assert section.heading != "Changed"


def test_a_staff_officer_cannot_edit_a_draft_in_the_admin(client, personas):
    officer = personas["officer"]
    officer.is_staff = True
    officer.save()
    decision = make_draft(personas)
    sign_in_verified(client, officer)
    url = f"/admin/decisions/decision/{decision.pk}/change/"
    assert 'name="_save"' not in client.get(url).text
    assert client.post(url, {"title": "Changed in the admin"}).status_code == 403
    decision.refresh_from_db()
    assert decision.title == "Prevent training for OPCC staff"
