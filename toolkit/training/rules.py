"""Who may see and record training. Checked on the server for every request.

The permissions are named ``toolkit.*`` (the training app is part of the toolkit package), so
they are answered by these role rules alone, like every other toolkit permission: no group
or user row can grant them, and a superuser with no role gets no pass.

The register names people and says who is behind with their training, so it is open to the
people who keep it (OPCC officers and the Chief Executive) and to the auditors who check it;
the dashboard and the section 6 page show everyone with a role only the percentages.
"""

import rules

from prevent_compliance.roles import is_auditor, is_chief_executive, is_officer

records_training = is_officer | is_chief_executive
rules.add_perm("toolkit.record_training", records_training)
rules.add_perm("toolkit.view_training", records_training | is_auditor)
