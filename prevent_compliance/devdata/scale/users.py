"""The 30 users of a unit, with their roles, written in bulk."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from prevent_compliance.roles import Role

from .common import ROLE_SPLIT, USER_PREFIX, Unit


def make_users(unit: Unit, password_hash: str) -> None:
    """Create the unit's users (all with ``password_hash``) and put them in ``unit.users``."""
    User = get_user_model()
    rows = []
    roles = []
    for role, count in ROLE_SPLIT:
        for i in range(count):
            slug = role.name.lower().replace("_", "-")
            username = f"{USER_PREFIX}{unit.number:02d}.{slug}.{i:02d}"
            rows.append(
                User(
                    username=username,
                    password=password_hash,
                    first_name=slug.title(),
                    last_name=f"Unit{unit.number:02d}-{i:02d}",
                    email=f"{username}@opcc.example",
                    is_staff=role == Role.ADMINISTRATOR,
                )
            )
            roles.append(role)
    created = User.objects.bulk_create(rows)
    groups = {g.name: g for g in Group.objects.all()}
    through = User.groups.through
    through.objects.bulk_create(
        [
            through(user_id=user.pk, group_id=groups[role.value].pk)
            for user, role in zip(created, roles, strict=True)
        ]
    )
    for user, role in zip(created, roles, strict=True):
        unit.users.setdefault(role, []).append(user)
    _confirmed_registers(unit.users.get(Role.COMMISSIONER, []))


def _confirmed_registers(commissioners) -> None:
    """Signing needs a recently confirmed register of interests (decisions/interests)."""
    from decisions.interests.models import Holder
    from decisions.interests.services import register_confirm

    for user in commissioners:
        holder = Holder.objects.create(
            user=user,
            slug=user.username.replace(".", "-"),
            name=user.get_full_name(),
            role_title="Police and Crime Commissioner",
            kind=Holder.Kind.COMMISSIONER,
        )
        register_confirm(actor=user, holder=holder, confirmed=True)
