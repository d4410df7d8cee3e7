"""Steps other modules add to the decision workflow, without the workflow importing them.

``decisions.services`` runs each registered hook inside the transaction of the step that
triggers it, after the decision row is saved, so a hook that fails undoes the whole step.
The annual review registers its hooks from ``DecisionsConfig.ready()``
(``decisions.annual_review.register_hooks``): signing its decision signs the review period
off, withdrawing it reopens the period.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from .models import Decision


class DecisionHook(Protocol):
    def __call__(self, *, actor: User, decision: Decision) -> None: ...


# Run by decision_approve before the record changes (a hook may refuse the step), and by
# decision_sign and decision_withdraw after it, in the order registered.
before_approve: list[DecisionHook] = []
after_sign: list[DecisionHook] = []
after_withdraw: list[DecisionHook] = []


def register(hooks: list[DecisionHook], hook: DecisionHook) -> None:
    """Add a hook once (ready() may run more than once in tests)."""
    if hook not in hooks:
        hooks.append(hook)


def run(hooks: list[DecisionHook], *, actor: User, decision: Decision) -> None:
    for hook in hooks:
        hook(actor=actor, decision=decision)
