"""What the decisions app adds to toolkit features that must not import it.

Registered when the app is ready: decision notices in the audit pack, the decision log as a
period register (CSV/XLSX), and reminders of decisions waiting for a user's step.
"""

from prevent_compliance.roles import Role
from toolkit import auditpack, exports, reminders
from toolkit.models import ReviewPeriod

from . import reports
from .models import Decision

S = Decision.Status
TAKEN = (S.SIGNED, S.PUBLISHED, S.WITHHELD)


def period_decisions(period: ReviewPeriod):
    """Every decision dated in the period that has been taken (signed), oldest first."""
    return (
        Decision.objects.filter(
            decision_date__gte=period.start_date,
            decision_date__lte=period.end_date,
            status__in=TAKEN,
        )
        .select_related("signed_by")
        .prefetch_related("sections", "supporting_sections", "appendices")
        .order_by("decision_date", "reference")
    )


def decision_notices(period: ReviewPeriod):
    """The full (staff) notice of each decision of the period: auditors see everything."""
    for decision in period_decisions(period).iterator(chunk_size=50):
        yield auditpack.PackFile(
            f"decisions/{reports.pdf_filename(decision.reference)}",
            f"Decision notice {decision.reference}: {decision.title}",
            lambda decision=decision: [reports.notice_pdf(reports.staff_notice(decision))],
        )


def _decision_log_rows(period: ReviewPeriod):
    return period_decisions(period)


DECISION_LOG = exports.Register(
    slug="decisions",
    title="Decision log",
    columns=[
        exports.Column("Reference", lambda d: d.reference, width=16),
        exports.Column("Title", lambda d: d.title, width=50),
        exports.Column("Decision date", lambda d: d.decision_date, "date", 14),
        exports.Column("Status", lambda d: d.get_status_display(), width=14),
        exports.Column("Confidentiality", lambda d: d.get_confidentiality_display(), width=20),
        exports.Column("FOI exemptions", lambda d: ", ".join(d.foi_exemptions), width=16),
        exports.Column("Lead officer", lambda d: d.lead_officer, width=24),
        exports.Column("Signed by", lambda d: d.signatory_name, width=24),
        exports.Column("Signed on", lambda d: d.signed_on, "date", 14),
        exports.Column(
            "Toolkit sections", lambda d: ", ".join(str(s.number) for s in d.sections.all())
        ),
        exports.Column("Seal (HMAC-SHA256)", lambda d: d.content_hash, width=66),
    ],
    rows=_decision_log_rows,
)

# Which role acts on a decision in each state, and what the reminder says.
WAITING_FOR = {
    S.CONSULTATION: (
        (Role.TREASURER, "treasurer_comments", "needs your comments"),
        (Role.CHIEF_EXECUTIVE, "chief_executive_comments", "needs your comments"),
    ),
    S.AWAITING_APPROVAL: ((Role.CHIEF_EXECUTIVE, None, "awaits your approval"),),
    S.AWAITING_SIGNATURE: ((Role.COMMISSIONER, None, "awaits your signature"),),
    S.SIGNED: ((Role.OFFICER, None, "is signed and ready to publish"),),
}


def decisions_waiting(user, today):
    roles = set(user.groups.values_list("name", flat=True))
    lines = []
    states = [state for state, steps in WAITING_FOR.items() if any(r in roles for r, *_ in steps)]
    for decision in Decision.objects.filter(status__in=states).order_by("decision_date"):
        for role, empty_field, text in WAITING_FOR[decision.status]:
            if role in roles and (empty_field is None or not getattr(decision, empty_field)):
                lines.append(f"{decision.reference} {decision.title}: {text}")
    return [reminders.Reminder("Decisions waiting for you", lines)] if lines else []


def register() -> None:
    auditpack.register_contributor(decision_notices)
    exports.register(DECISION_LOG)
    reminders.register_provider(decisions_waiting)
