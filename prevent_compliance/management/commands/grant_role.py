"""Give a role from the command line: for the first administrators of a new installation.

In the admin a signing role needs a second administrator's confirmation, which a new
installation does not have yet. Whoever runs ``manage.py`` on the server is trusted with the
database already; the grant is still recorded in the audit log (by "the system").
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from prevent_compliance.models import RoleGrant
from prevent_compliance.roles import Role


class Command(BaseCommand):
    help = "Give a role to an account, e.g. grant_role alice Administrator."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=[role.value for role in Role])

    def handle(self, *args, username: str, role: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no account with the username {username!r}.")
        if not user.is_active:
            raise CommandError(f"The account {username!r} is deactivated.")
        group = Group.objects.get(name=role)
        with transaction.atomic():
            user.groups.add(group)
            for grant in RoleGrant.objects.filter(
                account=user, role=group, status=RoleGrant.Status.PENDING
            ):
                grant.status = RoleGrant.Status.CANCELLED
                grant._change_reason = "Given from the command line instead"
                grant.save()
        self.stdout.write(f"{username} now has the {role} role.")
