"""Who may do what with toolkit records. Checked on the server for every request."""

import rules

from prevent_compliance.roles import has_any_role, is_officer

# Every role reads the compliance records; only OPCC officers write them.
rules.add_perm("toolkit.view_records", has_any_role)
for model in ("evidence", "action", "sectionassessment"):
    rules.add_perm(f"toolkit.view_{model}", has_any_role)
    rules.add_perm(f"toolkit.change_{model}", is_officer)
rules.add_perm("toolkit.add_evidence", is_officer)
rules.add_perm("toolkit.add_action", is_officer)
