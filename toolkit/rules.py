"""Who may do what with toolkit records. Checked on the server for every request."""

import rules

from prevent_compliance.roles import has_any_role, is_auditor, is_chief_executive, is_officer


@rules.predicate
def period_open(user, assessment) -> bool:
    """An assessment can change only while its review period is not signed off."""
    return assessment is None or not assessment.period.is_locked


@rules.predicate
def in_an_open_period(user, record) -> bool:
    """Evidence or an action can change while it counts towards a period not yet signed off.

    Records in no period at all (not yet linked) stay editable.
    """
    if record is None:
        return True
    periods = list(record.periods.all())
    return not periods or any(not period.is_locked for period in periods)


@rules.predicate
def period_not_signed_off(user, period) -> bool:
    """A period's report narratives can change until it is signed off."""
    return period is None or not period.is_locked


# Every role reads the compliance records and may export them; only OPCC officers write.
rules.add_perm("toolkit.view_records", has_any_role)
rules.add_perm("toolkit.export_period", has_any_role)
for model in ("evidence", "action", "sectionassessment", "reviewperiod"):
    rules.add_perm(f"toolkit.view_{model}", has_any_role)
rules.add_perm("toolkit.change_sectionassessment", is_officer & period_open)
rules.add_perm("toolkit.change_evidence", is_officer & in_an_open_period)
rules.add_perm("toolkit.change_action", is_officer & in_an_open_period)
rules.add_perm("toolkit.add_evidence", is_officer)
rules.add_perm("toolkit.add_action", is_officer)
rules.add_perm("toolkit.add_reviewperiod", is_officer)
rules.add_perm("toolkit.reconfirm_reviewperiod", is_officer)
rules.add_perm("toolkit.add_guidanceupdate", is_officer | is_chief_executive)
# The Chief Executive submits the annual review for sign-off (see decisions.services).
rules.add_perm("toolkit.submit_reviewperiod", is_chief_executive)
# The annual report's narratives: whoever edits the period's assessments, until sign-off.
rules.add_perm("toolkit.change_report_narratives", is_officer & period_not_signed_off)


@rules.predicate
def asked_for_it(user, job) -> bool:
    return job is not None and job.requested_by_id == user.pk


# An audit pack is seen and downloaded by the person who asked for it, and by Auditors (who
# read everything): a pack made for an Auditor holds the audit trail, which other roles may
# not read (toolkit/auditpack.py), so nobody else sees another person's pack.
rules.add_perm("toolkit.view_all_exports", is_auditor)
rules.add_perm("toolkit.view_exportjob", has_any_role & (asked_for_it | is_auditor))
