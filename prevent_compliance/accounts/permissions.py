"""Who manages accounts at /users/: administrators (with a code confirmed, see users.py)."""

import rules

from prevent_compliance.roles import is_administrator

rules.add_perm("prevent_compliance.manage_users", is_administrator)
