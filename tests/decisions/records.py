"""Helpers for the record-keeping tests: imported records built and sealed directly (without
the importer, which has its own tests), and a Chief Executive verified for two-factor."""

import functools
from datetime import date

from django.utils import timezone
from django_otp.middleware import is_verified

from decisions import integrity
from decisions.models import Decision, SupportingSection
from tests.prevent_compliance.two_factor import confirmed_device


def imported(*, sections=(), status=Decision.Status.PUBLISHED, **fields) -> Decision:
    """A sealed record as an import saves it: source imported, its own reference and fields.

    ``sections`` are (heading, body, withheld) tuples.
    """
    now = timezone.now()
    values = {
        "reference": "001",
        "title": "Estates strategy",
        "decision_date": date(2013, 5, 2),
        "summary": "The Commissioner approves the estates strategy.",
        "confidentiality": Decision.Confidentiality.NON_CONFIDENTIAL,
        "source": Decision.Source.IMPORTED,
        "status": status,
        "published_at": now,
    }
    values.update(fields)
    decision = Decision(**values)
    rows = [(n, h, b, w) for n, (h, b, w) in enumerate(sections, start=1)]
    integrity.seal(decision, at=now, sections=rows, appendices=[], toolkit_numbers=[])
    decision.full_clean()
    decision.save()
    for n, heading, body, withheld in rows:
        SupportingSection.objects.create(
            decision=decision, position=n, heading=heading, body=body, withheld=withheld
        )
    assert integrity.check_seal(decision).ok
    return decision


def verified(user):
    """The user as OTPMiddleware leaves it after a code from their authenticator app."""
    user.otp_device = confirmed_device(user)
    user.is_verified = functools.partial(is_verified, user)
    return user
