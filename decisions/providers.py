"""The providers the decisions app registers into toolkit registries.

The toolkit never imports the decisions app; instead, when the app is ready
(``DecisionsConfig.ready`` calls ``register``), it adds: decision notices to the audit pack
(``toolkit.auditpack``), the decision log as a period register in CSV/XLSX
(``toolkit.exports``), reminders of decisions waiting for a user's step
(``toolkit.reminders``), and the decisions of the period and the review's sign-off to the
annual-review report (``toolkit.annual_review_report``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from prevent_compliance.roles import Role
from prevent_compliance.uploads import download_as
from toolkit import annual_review_report, auditpack, exports, reminders
from toolkit.models import ReviewPeriod

from . import notices
from .models import Decision
from .notify import title_for_mail

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Status = Decision.Status
# A decision that has been taken (signed), whatever happened to it next.
TAKEN = Decision.SEALED_STATES


def period_decisions(period: ReviewPeriod) -> QuerySet[Decision]:
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


def decision_notices(period: ReviewPeriod) -> Iterator[auditpack.PackFile]:
    """The full (staff) notice of each decision of the period: auditors see everything."""
    for decision in period_decisions(period).iterator(chunk_size=50):
        yield auditpack.PackFile(
            f"decisions/{notices.pdf_filename(decision.reference)}",
            f"Decision notice {decision.reference}: {decision.title}",
            lambda decision=decision: [notices.notice_pdf(notices.staff_notice(decision))],
        )


def decision_appendices(period: ReviewPeriod) -> Iterator[auditpack.PackItem]:
    """Every appendix of each decision of the period, withheld ones included: a file goes in
    the pack, a web address (imported records) is listed in its links.csv."""
    for decision in period_decisions(period).iterator(chunk_size=50):
        folder = "decisions/appendices/" + notices.pdf_filename(decision.reference)[: -len(".pdf")]
        for appendix in decision.appendices.all():
            record = (
                f"Decision {decision.reference} appendix {appendix.position}: {appendix.title}"
                + (" (withheld from publication)" if appendix.withheld else "")
            )
            if appendix.file:
                name, _ = download_as(
                    appendix.original_filename, appendix.content_type, fallback="appendix"
                )
                yield auditpack.PackFile(
                    f"{folder}/{appendix.position:02d}-{name}",
                    record,
                    auditpack.file_chunks(appendix.file),
                )
            elif appendix.url:
                yield auditpack.PackLink(appendix.url, record)


def _decision_log_rows(period: ReviewPeriod) -> QuerySet[Decision]:
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
    Status.CONSULTATION: (
        (Role.TREASURER, "treasurer_comments", "needs your comments"),
        (Role.CHIEF_EXECUTIVE, "chief_executive_comments", "needs your comments"),
    ),
    Status.AWAITING_APPROVAL: ((Role.CHIEF_EXECUTIVE, None, "awaits your approval"),),
    Status.AWAITING_SIGNATURE: ((Role.COMMISSIONER, None, "awaits your signature"),),
    Status.SIGNED: ((Role.OFFICER, None, "is signed and ready to publish"),),
}


def decisions_waiting(user: User, today: date) -> list[reminders.Reminder]:
    roles = set(user.groups.values_list("name", flat=True))
    lines = []
    states = [state for state, steps in WAITING_FOR.items() if any(r in roles for r, *_ in steps)]
    for decision in Decision.objects.filter(status__in=states).order_by("decision_date"):
        for role, empty_field, text in WAITING_FOR[decision.status]:
            if role in roles and (empty_field is None or not getattr(decision, empty_field)):
                lines.append(f"{decision.reference} {title_for_mail(decision)}: {text}")
    return [reminders.Reminder("Decisions waiting for you", lines)] if lines else []


def report_decisions(period: ReviewPeriod) -> list[annual_review_report.ReportDecision]:
    """The annual-review report's decisions: taken in the period, about a toolkit section of
    the period's edition, oldest first. Read as plain values in two queries (a period can
    hold hundreds: model instances with their sections prefetched cost half a second)."""
    decisions = Decision.objects.filter(
        sections__edition=period.edition,
        decision_date__gte=period.start_date,
        decision_date__lte=period.end_date,
        status__in=TAKEN,
    ).distinct()
    section_ids: dict[int, set[int]] = {}
    for decision_id, section_id in Decision.sections.through.objects.filter(
        decision_id__in=decisions.values("pk")
    ).values_list("decision_id", "section_id"):
        section_ids.setdefault(decision_id, set()).add(section_id)
    labels = dict(Status.choices)
    rows = decisions.order_by("decision_date", "reference").values_list(
        "pk", "reference", "title", "decision_date", "status", "confidentiality", "content_hash"
    )
    return [
        annual_review_report.ReportDecision(
            reference=reference,
            title=title,
            decision_date=decision_date,
            status=labels.get(status, status),
            section_ids=frozenset(section_ids.get(pk, ())),
            # The public version of the report shows only what the public log publishes
            # (Decision.is_public, published, and not confidential).
            public=bool(content_hash)
            and status == Status.PUBLISHED
            and confidentiality != Decision.Confidentiality.CONFIDENTIAL,
        )
        for pk, reference, title, decision_date, status, confidentiality, content_hash in rows
    ]


def report_sign_off(period: ReviewPeriod) -> annual_review_report.ReportSignOff | None:
    """The signed decision that approved the period's annual review, if there is one."""
    decision = (
        Decision.objects.filter(review_period=period, status__in=TAKEN)
        .select_related("signed_by")
        .first()
    )
    if decision is None:
        return None
    signatory = decision.signatory_name or (
        decision.signed_by.get_full_name() if decision.signed_by else ""
    )
    return annual_review_report.ReportSignOff(
        reference=decision.reference, signatory=signatory, signed_on=decision.signed_on
    )


ANNUAL_REVIEW_DECISIONS = annual_review_report.DecisionProvider(
    taken=report_decisions, sign_off=report_sign_off
)


def register() -> None:
    auditpack.register_contributor(decision_notices)
    auditpack.register_contributor(decision_appendices)
    exports.register(DECISION_LOG)
    reminders.register_provider(decisions_waiting)
    annual_review_report.register_decision_provider(ANNUAL_REVIEW_DECISIONS)
