"""The training figures, kept in the shared cache as the dashboard's counts are.

The same scheme as ``toolkit/summary.py``: a *generation* key that every training service
bumps inside its transaction and again on commit (``training_changed``), and figures stored
under the generation and the day (who is overdue changes at midnight). A read inside a
transaction works the figures out from the rows it sees and stores nothing.
"""

from __future__ import annotations

import secrets
from datetime import date

from django.core.cache import cache
from django.db import connection, transaction

from . import selectors

GENERATION_KEY = "training:summary:generation"
TIMEOUT = 24 * 60 * 60


def forget_training() -> None:
    cache.set(GENERATION_KEY, secrets.token_hex(8), None)


def training_changed() -> None:
    """Call inside the transaction of every change to people, courses or completions."""
    forget_training()
    transaction.on_commit(forget_training)


def _generation() -> str:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, secrets.token_hex(8), None)
        generation = cache.get(GENERATION_KEY) or "none"
    return generation


def compute(as_of: date) -> selectors.TrainingSummary:
    return selectors.summarise(as_of, selectors.register(as_of))


def cached_summary(as_of: date) -> selectors.TrainingSummary:
    if connection.in_atomic_block:
        return compute(as_of)
    key = f"training:summary:{_generation()}:{as_of.isoformat()}"
    found = cache.get(key)
    if found is None:
        found = compute(as_of)
        cache.set(key, found, TIMEOUT)
    return found
