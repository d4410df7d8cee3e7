"""The annual Prevent duty review, approved and signed through a decision record.

The Chief Executive submits a period's review: it becomes a decision record in
consultation, with the review PDF as its appendix, and the period is "in review". Signing
that decision signs the period off (toolkit.services.review_period_close): the final PDF is
stored with its SHA-256 and the period's records become read-only. Withdrawing it reopens
the period. These hooks are called by decisions.services in the same transaction.
"""

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from prevent_compliance.models import SecurityMarking
from prevent_compliance.rules import allowed
from prevent_compliance.uploads import random_storage_name
from toolkit import reports as toolkit_reports
from toolkit import services as toolkit_services
from toolkit.models import Evidence, ReviewPeriod

from .models import DEFAULT_SECTIONS, Appendix, Decision, SupportingSection
from .references import allocate_reference

S = Decision.Status
OPEN_STATES = (S.DRAFT, S.CONSULTATION, S.AWAITING_APPROVAL, S.AWAITING_SIGNATURE, S.DEFERRED)


def review_title(period: ReviewPeriod) -> str:
    return f"Annual Prevent duty review {period.label}"


def _section_bodies(period: ReviewPeriod, sensitive: bool) -> dict[str, str]:
    appendix = f"Annual Prevent duty review {period.label} (report)."
    if sensitive:
        appendix += " Withheld: it lists OFFICIAL-SENSITIVE evidence."
    return {
        "Background information": (
            "The OPCC reviews how it meets the Prevent duty (section 26, Counter-Terrorism and "
            "Security Act 2015) every year against the eight sections of the Home Office "
            f"Prevent duty toolkit. This record approves the review for {period.label} "
            f"({period.start_date:%-d %B %Y} to {period.end_date:%-d %B %Y})."
        ),
        "List of additional information attached as appendices": appendix,
        "Expected benefits": (
            "Assurance that the OPCC's Prevent arrangements are reviewed, evidenced and "
            "improved, with an owned action plan for the next period."
        ),
        "Impact of not approving the application": (
            "The OPCC could not show that it had reviewed its compliance with the Prevent duty."
        ),
        "Costs (including any identified savings)": "There are no direct costs.",
        "Equality considerations": "None arise directly from the review.",
        "Legal comments": "The review supports compliance with the statutory Prevent duty.",
        "Social or Environmental considerations": "None.",
    }


def annual_review_submit(*, actor, period: ReviewPeriod) -> Decision:
    """The Chief Executive submits the period's review for comments, approval and signature.

    Creates the decision in consultation with the review PDF as its appendix; the review is
    partly confidential (appendix withheld under s31) when it lists OFFICIAL-SENSITIVE
    evidence. Refused if the period is not open or already has a review in progress.
    """
    if not allowed(actor, "toolkit.submit_reviewperiod", period):
        raise PermissionDenied("Only the Chief Executive submits the annual review.")
    with transaction.atomic():
        period = toolkit_services.review_period_mark_in_review(actor=actor, period=period)
        if period.review_decisions.filter(status__in=OPEN_STATES).exists():
            raise ValidationError("This period's review is already going through sign-off.")
        sensitive = Evidence.objects.filter(
            periods=period, marking=SecurityMarking.OFFICIAL_SENSITIVE
        ).exists()
        decision = _create_review_decision(actor, period, sensitive)
        _attach_review_pdf(actor, decision, period, withheld=sensitive)
        decision.status = S.CONSULTATION
        decision._history_user = actor
        decision._change_reason = "Annual review submitted by the Chief Executive"
        decision.save()
    return decision


def _create_review_decision(actor, period: ReviewPeriod, sensitive: bool) -> Decision:
    confidentiality = (
        Decision.Confidentiality.PARTLY_CONFIDENTIAL
        if sensitive
        else Decision.Confidentiality.NON_CONFIDENTIAL
    )
    decision = Decision(
        reference=allocate_reference(),
        title=review_title(period),
        lead_officer=actor.get_full_name() or actor.get_username(),
        decision_date=timezone.localdate(),
        confidentiality=confidentiality,
        foi_exemptions=["s31"] if sensitive else [],
        withheld_parts=(
            "The review report lists OFFICIAL-SENSITIVE evidence; it is withheld under "
            "section 31 (law enforcement)."
            if sensitive
            else ""
        ),
        summary=(
            f"To approve the OPCC's annual Prevent duty review for {period.label}, which rates "
            "the office against the eight sections of the Home Office Prevent duty toolkit "
            "and sets the action plan for the next period."
        ),
        review_period=period,
        created_by=actor,
    )
    decision.full_clean()
    decision._history_user = actor
    decision._change_reason = "Annual review decision created"
    decision.save()
    decision.sections.set(period.edition.sections.all())
    bodies = _section_bodies(period, sensitive)
    for position, (heading, default) in enumerate(DEFAULT_SECTIONS, start=1):
        section = SupportingSection(
            decision=decision, position=position, heading=heading, body=bodies.get(heading, default)
        )
        section.full_clean()
        section._history_user = actor
        section.save()
    return decision


def _attach_review_pdf(actor, decision: Decision, period: ReviewPeriod, *, withheld: bool):
    pdf = toolkit_reports.annual_review_pdf(period)
    appendix = Appendix(
        decision=decision,
        position=1,
        title=f"Annual Prevent duty review {period.label} (report as submitted)",
        original_filename=f"annual-review-{period.year}.pdf",
        content_type="application/pdf",
        file_size=len(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(),
        withheld=withheld,
        added_by=actor,
    )
    name = random_storage_name(f"appendices/{timezone.now():%Y}", ".pdf")
    appendix.file.save(name, ContentFile(pdf), save=False)
    try:
        appendix.full_clean()
        appendix._history_user = actor
        appendix.save()
    except Exception:
        appendix.file.storage.delete(appendix.file.name)
        raise
    return appendix


def after_sign(*, actor, decision: Decision) -> None:
    """Signing an annual review decision signs its period off and freezes the final PDF."""
    if decision.review_period_id is None:
        return
    period = decision.review_period
    final_pdf = toolkit_reports.annual_review_pdf(period, final=True)
    toolkit_services.review_period_close(actor=actor, period=period, final_pdf=final_pdf)


def after_withdraw(*, actor, decision: Decision) -> None:
    """A withdrawn review decision puts its period back to open."""
    if decision.review_period_id is not None:
        toolkit_services.review_period_reopen(
            actor=actor, period=decision.review_period, reason="Annual review decision withdrawn"
        )
