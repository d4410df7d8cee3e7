"""The annual Prevent duty review, approved and signed through a decision record.

The Chief Executive submits a period's review (``annual_review_submit``): it becomes a
decision record in consultation, with the review PDF as its appendix, and the period is
"in review". What the decision's workflow then does to its period:

- signed: the period is signed off (``toolkit.services.review_period_close``): the final
  PDF is stored with its SHA-256 and the period's records become read-only;
- withdrawn: the period is open again, and the Chief Executive can submit a new review;
- returned to draft, deferred, or a deferred one resumed: the period stays in review. The
  same decision is reworked and resubmitted through the workflow, and a second review
  cannot be submitted while it is open.

The sign and withdraw steps reach this module through ``decisions.hooks``, registered by
``register_hooks`` from ``DecisionsConfig.ready()``, and run in the step's transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from prevent_compliance.models import SecurityMarking
from prevent_compliance.rules import allowed
from prevent_compliance.uploads import ValidatedUpload
from toolkit import annual_review_report
from toolkit import services as toolkit_services
from toolkit.models import Evidence, ReviewPeriod
from toolkit.reports import services as report_services

from . import hooks, notify, services
from .models import Decision, FoiExemption

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def review_title(period: ReviewPeriod) -> str:
    return f"Annual Prevent duty review {period.label}"


@dataclass(frozen=True)
class ExemptionChoice:
    """What the person submitting decided about FOI: no exemption (the report is published
    in full), or the exemptions relied on for withholding the report, with the reason."""

    exemptions: tuple[str, ...] = ()
    reason: str = ""

    @property
    def withholds(self) -> bool:
        return bool(self.exemptions)


NO_EXEMPTION = ExemptionChoice()


@dataclass(frozen=True)
class ExemptionSuggestion:
    """What the app suggests (never decides): why an exemption might apply."""

    exemption: str
    sensitive_count: int
    text: str


def suggested_exemption(period: ReviewPeriod) -> ExemptionSuggestion | None:
    """A suggestion when the period's evidence includes OFFICIAL-SENSITIVE items.

    A security marking is not an FOI exemption: it only says the report may contain
    material whose disclosure could prejudice law enforcement (s31) or national security
    (s24), both qualified exemptions that need a prejudice and public-interest test by the
    person submitting. Nothing is withheld unless that person chooses an exemption.
    """
    count = Evidence.objects.filter(
        periods=period, marking=SecurityMarking.OFFICIAL_SENSITIVE
    ).count()
    if not count:
        return None
    return ExemptionSuggestion(
        exemption=FoiExemption.S31,
        sensitive_count=count,
        text=(
            f"{count} evidence item{'s are' if count != 1 else ' is'} marked OFFICIAL-SENSITIVE "
            "and listed in the report. A marking alone does not withhold anything under FOI. "
            "If publishing the report would, or would be likely to, prejudice the prevention "
            "or detection of crime, section 31 (law enforcement) may apply, or section 24 "
            "(national security) for counter-terrorism material; both need the public "
            "interest test. Decide, and say why."
        ),
    )


def empty_narratives(period: ReviewPeriod) -> list[str]:
    """The report narratives not yet written, which the person submitting is warned about
    (submitting is not refused: the report says the narrative is missing)."""
    return annual_review_report.empty_narratives(period)


def _check_choice(choice: ExemptionChoice) -> None:
    codes = set(FoiExemption.values)
    if any(code not in codes for code in choice.exemptions):
        raise ValidationError({"exemptions": "Choose exemptions from the list"})
    if choice.withholds and not choice.reason.strip():
        raise ValidationError(
            {"exemption_reason": "Say why the exemption applies to the review report"}
        )


def _section_bodies(period: ReviewPeriod, choice: ExemptionChoice) -> dict[str, str]:
    appendix = f"Annual Prevent duty review {period.label} (report)."
    if choice.withholds:
        appendix += f" Withheld under {', '.join(choice.exemptions)}: {choice.reason.strip()}"
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


def annual_review_submit(
    *, actor: User, period: ReviewPeriod, exemption: ExemptionChoice = NO_EXEMPTION
) -> Decision:
    """The Chief Executive submits the period's review for comments, approval and signature.

    Creates the decision in consultation with the review PDF as its appendix. Whether an
    FOI exemption applies is the submitter's choice (``exemption``, with a reason); the
    app only suggests one (``suggested_exemption``) and never withholds on a security
    marking alone. The submitter is recorded as the decision's creator and cannot also
    approve it (``before_approve``). Refused if the period is not open or already has a
    review in progress.
    """
    if not allowed(actor, "toolkit.submit_reviewperiod", period):
        raise PermissionDenied("Only the Chief Executive submits the annual review.")
    _check_choice(exemption)
    with transaction.atomic():
        period = toolkit_services.review_period_mark_in_review(actor=actor, period=period)
        if period.review_decisions.filter(status__in=Decision.IN_PROGRESS_STATES).exists():
            raise ValidationError("This period's review is already going through sign-off.")
        decision = services._decision_create_row(
            actor=actor,
            values=_review_values(actor, period, exemption),
            sections=services.default_sections(_section_bodies(period, exemption)),
            toolkit_sections=period.edition.sections.all(),
            reason="Annual review decision created",
        )
        _attach_review_pdf(actor, decision, period, withheld=exemption.withholds)
        services._decision_send_for_consultation(
            decision, actor=actor, reason="Annual review submitted by the Chief Executive"
        )
        notify.decision_step(event=notify.Event.REVIEW_SUBMITTED, decision=decision, actor=actor)
    return decision


def _review_values(actor: User, period: ReviewPeriod, choice: ExemptionChoice) -> dict[str, object]:
    confidentiality = (
        Decision.Confidentiality.PARTLY_CONFIDENTIAL
        if choice.withholds
        else Decision.Confidentiality.NON_CONFIDENTIAL
    )
    return {
        "title": review_title(period),
        "lead_officer": actor.get_full_name() or actor.get_username(),
        "decision_date": timezone.localdate(),
        "confidentiality": confidentiality,
        "foi_exemptions": list(choice.exemptions),
        "withheld_parts": (
            f"The review report (appendix) is withheld: {choice.reason.strip()}"
            if choice.withholds
            else ""
        ),
        "summary": (
            f"To approve the OPCC's annual Prevent duty review for {period.label}, which rates "
            "the office against the eight sections of the Home Office Prevent duty toolkit "
            "and sets the action plan for the next period."
        ),
        "review_period": period,
    }


def _attach_review_pdf(
    actor: User, decision: Decision, period: ReviewPeriod, *, withheld: bool
) -> None:
    # The appendix is published with the decision on the public log, so it is the report's
    # public version: people named by role, OFFICIAL-SENSITIVE titles and confidential
    # decisions left out. The internal version stays on the period's page.
    pdf = annual_review_report.annual_review_pdf(period, public=True)
    services._appendix_create_row(
        actor=actor,
        decision=decision,
        title=f"Annual Prevent duty review {period.label} (public version, as submitted)",
        content=ContentFile(pdf),
        info=ValidatedUpload(
            content_type="application/pdf",
            extension=".pdf",
            size=len(pdf),
            sha256=hashlib.sha256(pdf).hexdigest(),
            original_name=f"annual-review-{period.year}.pdf",
        ),
        withheld=withheld,
    )


def after_sign(*, actor: User, decision: Decision) -> None:
    """Signing an annual review decision signs its period off and freezes the final PDF."""
    period = decision.review_period
    if period is None:
        return
    # The final copy is made here, in the signing transaction, so the period is never closed
    # without it: the report is bounded in length (about 40 pages at most), so this is quick.
    final_pdf = annual_review_report.annual_review_pdf(period, final=True)
    toolkit_services.review_period_close(actor=actor, period=period, final_pdf=final_pdf)
    # The public version is made by the worker once the signing is saved; if queueing it
    # fails, the signing stands (robust) and the period page's button asks again.
    period_id = period.pk
    transaction.on_commit(
        lambda: report_services.report_queue_public_after_sign_off(period_id), robust=True
    )
    notify.decision_step(event=notify.Event.REVIEW_SIGNED_OFF, decision=decision, actor=actor)


SAME_PERSON = (
    "You submitted this annual review, so someone else must approve it: the person who "
    "submits the review cannot also approve it."
)


def before_approve(*, actor: User, decision: Decision) -> None:
    """Separation of duties: whoever submitted a period's review does not approve it."""
    if decision.review_period_id is not None and decision.created_by_id == actor.pk:
        raise ValidationError(SAME_PERSON, code="same_person")


def after_withdraw(*, actor: User, decision: Decision) -> None:
    """A withdrawn review decision puts its period back to open (nothing else reopens it)."""
    if decision.review_period is not None:
        toolkit_services.review_period_reopen(
            actor=actor, period=decision.review_period, reason="Annual review decision withdrawn"
        )


def register_hooks() -> None:
    """Called from DecisionsConfig.ready()."""
    hooks.register(hooks.before_approve, before_approve)
    hooks.register(hooks.after_sign, after_sign)
    hooks.register(hooks.after_withdraw, after_withdraw)
