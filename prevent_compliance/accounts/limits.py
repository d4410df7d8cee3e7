"""How often a forgotten-password link may be asked for, counted in the shared cache.

Limits apply per address asked about and per client address, whether or not an account
uses that e-mail address, so being refused says nothing about who has an account. The cache
is the one every process shares (settings.CACHES), so the limits hold across workers.
"""

import hashlib
from dataclasses import dataclass

from django.core.cache import cache

WINDOW_SECONDS = 60 * 60


@dataclass(frozen=True)
class Limit:
    name: str
    allowed: int
    window: int = WINDOW_SECONDS

    def key(self, value: str) -> str:
        digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()
        return f"accounts:limit:{self.name}:{digest}"


RESET_PER_ADDRESS = Limit("reset-address", allowed=3)
RESET_PER_CLIENT = Limit("reset-client", allowed=10)


def limit_reached(limit: Limit, value: str) -> bool:
    """Count one more attempt; True when this one is over the limit for the window."""
    key = limit.key(value)
    if cache.add(key, 1, timeout=limit.window):
        return limit.allowed < 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=limit.window)
        count = 1
    return count > limit.allowed


def reset_refused(*, email: str, client: str | None) -> bool:
    """True when a link for this address, from this client, may not be sent now.

    Both counters move on every request, so neither a flood of addresses from one client nor
    a flood at one address from many clients gets through.
    """
    by_address = limit_reached(RESET_PER_ADDRESS, email)
    by_client = limit_reached(RESET_PER_CLIENT, client or "unknown")
    return by_address or by_client
