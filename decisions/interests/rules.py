"""Who may see and keep the register of interests. Checked on the server for every request.

The permissions are named ``decisions.*`` (this app is part of the decisions package), so
they are answered by these role rules alone, like every decisions permission.

The Chief Executive (the monitoring officer) keeps the register: adds the people on it, their
entries and the gifts and hospitality offered to them. Each holder may keep their own entries
and is the only one who may confirm their register. Auditors read it. The public reads the
published parts on /public/ (no permission needed there).
"""

import rules

from prevent_compliance.roles import is_auditor, is_chief_executive


@rules.predicate
def is_the_holder(user, holder) -> bool:
    """The register belongs to this user (its holder's linked account)."""
    if holder is None or not user.is_authenticated:
        return False
    return holder.user_id is not None and holder.user_id == user.pk


@rules.predicate
def holds_a_register(user) -> bool:
    if not user.is_authenticated:
        return False
    from .models import Holder

    return Holder.objects.filter(user=user, active=True).exists()


keeps_register = is_chief_executive
rules.add_perm("decisions.keep_register_of_interests", keeps_register)
rules.add_perm("decisions.view_register_of_interests", keeps_register | is_auditor)
# A holder's own register: its keepers and readers, and the holder.
rules.add_perm("decisions.view_holder", keeps_register | is_auditor | is_the_holder)
rules.add_perm("decisions.change_holder_entries", keeps_register | is_the_holder)
rules.add_perm("decisions.confirm_register", is_the_holder)
rules.add_perm("decisions.view_own_register", holds_a_register)
