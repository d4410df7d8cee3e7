"""Who may choose how they hear about workflow steps: anyone with a role, for themselves."""

import rules

from prevent_compliance.roles import has_any_role

rules.add_perm("prevent_compliance.change_own_notifications", has_any_role)
