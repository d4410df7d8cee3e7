"""What each irreversible step will do, for its check page (``templates/partials/confirm.html``).

Approving, signing, publishing (or recording as withheld), withdrawing and submitting the
annual review cannot be taken back. Each is shown first on a page that says what the step
does and that it cannot be undone; only the form on that page (which posts ``confirm=yes``)
takes the step. Reads only: the step itself is the service function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import HttpRequest

    from toolkit.models import ReviewPeriod

    from .models import Decision

CONFIRM_VALUE = "yes"


def confirmed(request: HttpRequest) -> bool:
    """True when the request comes from a check page's form."""
    return request.method == "POST" and request.POST.get("confirm") == CONFIRM_VALUE


@dataclass(frozen=True)
class Check:
    title: str
    button: str
    rows: list[tuple[str, str]]
    effects: list[str] = field(default_factory=list)
    heading: str = "Check before you continue"
    caption: str = ""
    warning_button: bool = False


def _record_rows(decision: Decision) -> list[tuple[str, str]]:
    return [
        ("Decision", f"{decision.reference} – {decision.title}"),
        ("Status now", decision.get_status_display()),
        ("Confidentiality", decision.get_confidentiality_display()),
    ]


def approve(decision: Decision) -> Check:
    return Check(
        title="Approve this decision for signature",
        caption=decision.reference,
        button="Approve for signature",
        rows=[*_record_rows(decision), ("Status after this step", "Awaiting signature")],
        effects=[
            "The record goes to the Commissioner to sign.",
            "Nobody can change it any more unless the Commissioner defers it.",
            "Your approval is recorded with your name and today's date.",
        ],
    )


def sign(decision: Decision, register=None) -> Check:
    """``register``: the signer's SignCheck (decisions/interests/selectors.py), if known."""
    rows = [*_record_rows(decision)]
    effects = [
        "The record is sealed: its content can never be changed again.",
        "Your name and the date are recorded as the signature.",
    ]
    latest = register.freshness.latest if register is not None else None
    if latest is not None and not register.blocked:
        rows.append(("Register of interests signed against", _register_version(latest)))
        effects.append(
            "The version of your register of interests you confirmed is sealed with the "
            "record, and the public record links to it."
        )
    rows.append(("Status after this step", "Signed"))
    effects.append("The record can then be published on the decision log.")
    return Check(
        title="Sign decision",
        caption=decision.reference,
        button="Sign decision",
        rows=rows,
        effects=effects,
    )


def _register_version(confirmation) -> str:
    from django.utils import timezone

    day = timezone.localtime(confirmation.confirmed_at)
    return f"Version {confirmation.number}, confirmed on {day.day} {day:%B %Y}"


def publish(decision: Decision) -> Check:
    if decision.is_confidential:
        return Check(
            title="Record this decision as withheld",
            caption=decision.reference,
            button="Record as withheld",
            rows=[*_record_rows(decision), ("Status after this step", "Withheld")],
            effects=[
                "The decision log lists the reference and the exemptions, but none of its content.",
                "The entry stays on the log.",
            ],
        )
    effects = ["Anyone can read the record on the public decision log, and in its feeds."]
    if decision.confidentiality != decision.Confidentiality.NON_CONFIDENTIAL:
        effects.append("Withheld parts stay withheld; the rest is published.")
    effects.append("Once public, the record stays on the log.")
    return Check(
        title="Publish this decision",
        caption=decision.reference,
        button="Publish",
        rows=[*_record_rows(decision), ("Status after this step", "Published")],
        effects=effects,
    )


def withdraw(decision: Decision) -> Check:
    effects = [
        "The decision stops: it cannot be resumed, returned to draft or signed.",
        "The reason you give is kept on the record.",
    ]
    if decision.review_period_id:
        effects.append("Its review period is opened again, so a new review can be submitted.")
    return Check(
        title="Withdraw decision",
        caption=decision.reference,
        button="Withdraw decision",
        rows=[*_record_rows(decision), ("Status after this step", "Withdrawn")],
        effects=effects,
        warning_button=True,
    )


def annual_review_submit(period: ReviewPeriod) -> Check:
    return Check(
        title=f"Submit the annual review {period.label} for sign-off",
        caption=f"Review period {period.label}",
        button="Submit the annual review",
        rows=[
            (
                "Review period",
                f"{period.label} ({period.start_date:%-d %B %Y} to {period.end_date:%-d %B %Y})",
            ),
            ("Decision record created", f"Annual Prevent duty review {period.label}"),
            ("Appendix", "The review report as it stands today (PDF)"),
        ],
        effects=[
            "The period is marked as in review, and the report as it stands now is attached "
            "to the decision.",
            "The Treasurer and the Chief Executive are asked for comments; then the Chief "
            "Executive approves and the Commissioner signs.",
            "Signing the decision signs the period off.",
        ],
    )
