"""The entry point: grow the scale data to a factor, one unit (an OPCC decade) at a time."""

from __future__ import annotations

import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import transaction

from decisions.models import Appendix, Decision, SupportingSection
from prevent_compliance.roles import Role
from toolkit.models import Action, Evidence, ReviewPeriod, ToolkitEdition
from toolkit.summary import dashboard_changed

from .actions import add_actions
from .common import PER_UNIT, USER_PREFIX, YEARS, Progress, Unit
from .decision_records import add_decisions
from .evidence import add_evidence
from .periods import ensure_periods, existing_periods
from .users import make_users


class AlreadyGenerated(Exception):
    """The database already holds scale data of this factor or more."""


def units_present() -> int:
    User = get_user_model()
    return User.objects.filter(username__startswith=USER_PREFIX).count() // PER_UNIT["users"]


def _add_unit(unit: Unit, password_hash: str, progress: Progress) -> None:
    with transaction.atomic():
        # Bulk writes bypass the services, so the unit says itself that the counts changed.
        dashboard_changed()
        make_users(unit, password_hash)
        if unit.number == 1:
            periods = ensure_periods(
                unit.users[Role.OFFICER][0], progress, signer=unit.users[Role.COMMISSIONER][0]
            )
        else:
            periods = existing_periods()
        edition = periods[-1].edition
        sections = list(edition.sections.order_by("number"))
        criteria = {s.pk: list(s.criteria.order_by("number")) for s in sections}
        add_evidence(unit, periods, sections, criteria, progress)
        add_actions(unit, periods, sections, criteria, progress)
        add_decisions(unit, periods, sections, progress)


def _counts(factor: int) -> dict[str, int]:
    User = get_user_model()
    return {
        "factor": factor,
        "users": User.objects.filter(username__startswith=USER_PREFIX).count(),
        "review periods": ReviewPeriod.objects.count(),
        "evidence": Evidence.objects.count(),
        "actions": Action.objects.count(),
        "decisions": Decision.objects.count(),
        "supporting sections": SupportingSection.objects.count(),
        "appendices": Appendix.objects.count(),
        "evidence history": Evidence.history.count(),
        "decision history": Decision.history.count(),
    }


def generate(factor: int, *, stream=None, sizes: dict[str, int] | None = None) -> dict[str, int]:
    """Grow the scale data to ``factor`` units; returns the counts of what now exists.

    ``sizes`` (tests only) shrinks a unit's evidence, actions and decisions.
    """
    if factor < 1:
        raise ValueError("The factor must be 1 or more.")
    present = units_present()
    if present >= factor:
        raise AlreadyGenerated(
            f"Scale data of factor {present} is already in this database, so there is nothing "
            f"to add for factor {factor}. Use a fresh database, or a higher factor to grow it."
        )
    if not ToolkitEdition.objects.exists():
        call_command("seed_toolkit", verbosity=0)
    new_units = list(range(present + 1, factor + 1))
    progress = Progress(YEARS + len(new_units) * YEARS * 3, stream=stream)
    password_hash = make_password(settings.DEMO_PASSWORD)
    for number in new_units:
        unit = Unit(number=number, rng=random.Random(number))  # noqa: S311 (not security)
        unit.sizes.update(sizes or {})
        _add_unit(unit, password_hash, progress)
    progress.finish()
    return _counts(factor)
