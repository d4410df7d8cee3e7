"""The six roles exist as groups from a migration, and the predicates built on them."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from prevent_compliance.roles import Role, has_any_role, is_officer, role_names


def test_every_role_is_a_group_created_by_migration(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {role.value for role in Role}


@pytest.mark.parametrize(
    ("persona", "writes", "reads"),
    [
        ("officer", True, True),
        ("treasurer", False, True),
        ("chief_executive", False, True),
        ("commissioner", False, True),
        ("auditor", False, True),
        ("administrator", False, True),
        ("outsider", False, False),
    ],
)
def test_role_predicates(request, persona, writes, reads):
    user = request.getfixturevalue(persona)
    assert is_officer(user) is writes
    assert has_any_role(user) is reads
    assert user.has_perm("toolkit.add_evidence") is writes
    assert user.has_perm("toolkit.view_records") is reads


def test_anonymous_visitor_has_no_role():
    anonymous = AnonymousUser()
    assert role_names(anonymous) == []
    assert not has_any_role(anonymous)
    assert not anonymous.has_perm("toolkit.view_records")


def test_role_names_are_listed_in_a_stable_order(officer):
    officer.groups.add(Group.objects.get(name=Role.AUDITOR.value))
    assert role_names(officer) == ["OPCC officer", "Auditor"]


def test_deactivated_officer_is_signed_out_at_the_next_request(client, officer):
    client.force_login(officer)
    assert client.get("/evidence/new/").status_code == 404  # signed in (no toolkit loaded yet)
    officer.is_active = False
    officer.save()
    response = client.get("/evidence/new/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
