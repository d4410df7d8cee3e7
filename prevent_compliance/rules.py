"""Who may change the project-wide records (the organisation profile)."""

import rules

from .roles import is_administrator

rules.add_perm("prevent_compliance.change_organisationprofile", is_administrator)
