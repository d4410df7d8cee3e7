"""What every part of the scale data shares: the unit, the progress bar, bulk-write helpers."""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass, field

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from prevent_compliance.roles import Role
from prevent_compliance.uploads import random_storage_name

USER_PREFIX = "scale.u"
YEARS = 10
PER_UNIT = {"evidence": 2000, "actions": 1000, "decisions": 800, "users": 30}
# How the 30 users of a unit are split between the roles.
ROLE_SPLIT = [
    (Role.OFFICER, 14),
    (Role.TREASURER, 3),
    (Role.CHIEF_EXECUTIVE, 3),
    (Role.COMMISSIONER, 2),
    (Role.AUDITOR, 5),
    (Role.ADMINISTRATOR, 3),
]
REASON = "Generated scale data"
# Records of each kind per unit that go through the services, as a user would add them.
SERVICE_RECORDS = 3


class Progress:
    """A one-line progress bar on stderr (or plain lines when stderr is not a terminal)."""

    def __init__(self, total: int, stream=None, width: int = 30):
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.monotonic()
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self._last_line = -1

    def step(self, label: str, n: int = 1) -> None:
        self.done = min(self.total, self.done + n)
        filled = int(self.width * self.done / self.total)
        percent = int(100 * self.done / self.total)
        elapsed = time.monotonic() - self.started
        line = (
            f"[{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}% "
            f"{elapsed:6.1f}s {label[:40]:<40}"
        )
        if self.tty:
            self.stream.write("\r" + line)
        elif percent // 5 != self._last_line:  # plain log: a line every 5 %
            self._last_line = percent // 5
            self.stream.write(line.rstrip() + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
        self.stream.flush()


@dataclass
class Unit:
    """One OPCC decade of data: its number, its seeded random source and its users by role."""

    number: int
    rng: random.Random
    users: dict[Role, list] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=lambda: dict(PER_UNIT))

    def pick(self, role: Role):
        return self.rng.choice(self.users[role])


def period_years() -> list[int]:
    """The start years of the review periods: the last ten, ending with the current one."""
    today = timezone.localdate()
    current = today.year if today.month >= 4 else today.year - 1
    return list(range(current - YEARS + 1, current + 1))


def history_ids(model, pks) -> dict[int, int]:
    """The id of each object's (latest) history row."""
    rows = model.history.filter(id__in=pks).values_list("id", "history_id")
    return dict(rows)


def link_m2m(model, field_name: str, links: list[tuple[int, int]], history: dict[int, int]):
    """Create many-to-many rows and the historical link rows simple-history keeps for them."""
    if not links:
        return
    m2m = model._meta.get_field(field_name)
    through = m2m.remote_field.through
    source = m2m.m2m_field_name()
    target = m2m.m2m_reverse_field_name()
    rows = through.objects.bulk_create(
        [through(**{f"{source}_id": a, f"{target}_id": b}) for a, b in links], batch_size=2000
    )
    historical = apps.get_model(model._meta.app_label, f"Historical{model.__name__}_{field_name}")
    historical.objects.bulk_create(
        [
            historical(
                id=row.pk,
                **{
                    f"{source}_id": getattr(row, f"{source}_id"),
                    f"{target}_id": getattr(row, f"{target}_id"),
                },
                history_id=history[getattr(row, f"{source}_id")],
            )
            for row in rows
        ],
        batch_size=2000,
    )


def store_file(prefix: str, content: bytes, extension: str) -> str:
    """Save ``content`` through the storage API under a random name; returns the name."""
    return default_storage.save(random_storage_name(prefix, extension), ContentFile(content))
