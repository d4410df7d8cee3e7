"""The six roles of the product, as Django groups, and the predicates that test them.

Groups are created by a data migration (prevent_compliance/migrations). Permission rules
for each app live in that app's ``rules.py`` and are built from these predicates.
"""

from enum import StrEnum

import rules


class Role(StrEnum):
    OFFICER = "OPCC officer"
    TREASURER = "Treasurer"
    CHIEF_EXECUTIVE = "Chief Executive"
    COMMISSIONER = "Commissioner"
    AUDITOR = "Auditor"
    ADMINISTRATOR = "Administrator"


is_officer = rules.is_group_member(Role.OFFICER)
is_treasurer = rules.is_group_member(Role.TREASURER)
is_chief_executive = rules.is_group_member(Role.CHIEF_EXECUTIVE)
is_commissioner = rules.is_group_member(Role.COMMISSIONER)
is_auditor = rules.is_group_member(Role.AUDITOR)
is_administrator = rules.is_group_member(Role.ADMINISTRATOR)

# Anyone who works with the system: every role reads the compliance records.
has_any_role = (
    is_officer | is_treasurer | is_chief_executive | is_commissioner | is_auditor | is_administrator
)


def role_names(user) -> list[str]:
    """The user's roles in a stable order, for display."""
    if not user.is_authenticated:
        return []
    names = set(user.groups.values_list("name", flat=True))
    return [role.value for role in Role if role.value in names]
