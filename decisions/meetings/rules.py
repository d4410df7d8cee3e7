"""Who may see and keep meetings, the forward plan and the publication links. Checked on the
server for every request.

The permissions are named ``decisions.*`` (this app is part of the decisions package), so they
are answered by these role rules alone, like every other decisions permission.
"""

import rules

from prevent_compliance.roles import (
    has_any_role,
    is_administrator,
    is_chief_executive,
    is_officer,
)

# Everyone with a role reads the meetings and the plan (the public reads the public parts).
rules.add_perm("decisions.view_meetings", has_any_role)
# The officers who service the boards, and the Chief Executive who runs them.
rules.add_perm("decisions.manage_meetings", is_officer | is_chief_executive)
rules.add_perm("decisions.manage_forward_plan", is_officer | is_chief_executive)
# Addresses on the publication scheme page: the Chief Executive and administrators.
rules.add_perm("decisions.manage_publication_links", is_administrator | is_chief_executive)
