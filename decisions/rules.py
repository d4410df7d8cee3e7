"""Who may do what with decision records. Each workflow step belongs to exactly one role.

The state a step needs is checked by the service (decisions/services.py), not here, so a
wrong role is refused (403) whatever the state, and a right role in the wrong state gets a
message saying why.
"""

import rules

from prevent_compliance.roles import (
    has_any_role,
    is_administrator,
    is_chief_executive,
    is_commissioner,
    is_officer,
    is_treasurer,
)

rules.add_perm("decisions.view_decision", has_any_role)
rules.add_perm("decisions.add_decision", is_officer)
rules.add_perm("decisions.change_decision", is_officer)

rules.add_perm("decisions.submit_decision", is_officer)
rules.add_perm("decisions.comment_as_treasurer", is_treasurer)
rules.add_perm("decisions.comment_as_chief_executive", is_chief_executive)
rules.add_perm("decisions.approve_decision", is_chief_executive)
rules.add_perm("decisions.return_decision", is_chief_executive)
rules.add_perm("decisions.sign_decision", is_commissioner)
rules.add_perm("decisions.defer_decision", is_commissioner)
rules.add_perm("decisions.publish_decision", is_officer)
rules.add_perm("decisions.withhold_decision", is_officer)
rules.add_perm("decisions.withdraw_decision", is_officer)
rules.add_perm("decisions.resume_decision", is_officer)
# Releasing withheld content of a sealed record later (decision_release), with two-factor.
rules.add_perm("decisions.release_decision", is_chief_executive)
# Bringing in an earlier decision log (a file of many records): administrators.
rules.add_perm("decisions.import_decisions", is_administrator)
