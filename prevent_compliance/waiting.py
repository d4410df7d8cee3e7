"""What is waiting for a user: the steps of other people's work that are now theirs to take.

The project package knows no app. Each app registers a provider here when it is ready
(``toolkit.waiting`` for actions, evidence and audit packs; ``decisions.waiting`` for the
decision workflow and the annual review). A provider looks at the user's roles and returns
a ``Part`` for each kind of item that may be waiting: a filtered queryset, its order, and
how to turn a row into a link. It runs no query itself. ``waiting_for`` reads every part
in one query (a UNION ALL of each kind's first rows, each with a window count of the
whole kind), so the dashboard costs one query however many kinds there are.

That query still counts every waiting record, and the records never shrink, so the
dashboard's panel and the navigation's total are kept in the shared cache (settings.CACHES,
which every app process reads) under a *version* that any change to the records behind
them replaces (``forget``, connected to the models' post_save and post_delete), the user,
their roles and the date. ``forget`` replaces the version at once and again when the
writer's transaction commits, so

* no process keeps serving a panel computed before a committed change: the version it
  reads after the commit is new, and the panel under it is read after the commit;
* a panel another process read between the first replacement and the commit (from the
  data before the change) sits under a version the commit replaces.

A panel read inside a transaction (``connection.in_atomic_block``) is neither read from nor
stored in the cache: it may see writes of its own not yet committed (which a rollback would
leave in the cache), or, on SQLite, a snapshot older than the version it would be stored
under. A part whose rows change with the clock as well as the records and the date (an
auditor's packs of the last 30 days, what was signed since their last visit) is ``live``:
it is read on every view, in one query with the other live parts.

The navigation's total is a hint kept for a short time (it counts the live parts too, and
is kept as before when counted inside a transaction, which no view is); when it has gone,
the total of a panel kept without live parts serves.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import (
    CharField,
    Count,
    DateField,
    Expression,
    F,
    IntegerField,
    QuerySet,
    Value,
    Window,
)
from django.db.models.functions import Cast, RowNumber
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# The dashboard shows this many items of each kind, then "and K more".
DASHBOARD_LIMIT = 5
COUNT_TIMEOUT_SECONDS = 120
# A panel's key names the day, so a day bounds what it holds on to.
PANEL_TIMEOUT_SECONDS = 24 * 60 * 60
# Part of every panel key: raised when what is pickled there changes shape.
PANEL_SHAPE = 1
_VERSION_KEY = "waiting-version"


@dataclass(frozen=True)
class WaitingItem:
    """One step to take: the link text, the page where it is taken, and a line about it."""

    text: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class WaitingGroup:
    """Items of one kind: ``total`` may exceed ``len(items)``; ``more_url`` lists them all."""

    kind: str
    heading: str
    items: list[WaitingItem]
    total: int
    more_url: str = ""

    @property
    def more(self) -> int:
        return max(self.total - len(self.items), 0)


class Row(NamedTuple):
    """One row of a part as read: ``key`` names the record (a reference, a UUID), ``text``
    is its title and ``day`` the date the item is about."""

    kind: str
    key: str
    text: str
    day: date | None
    total: int
    rank: int


@dataclass(frozen=True)
class Part:
    """One kind of waiting item, described for the combined query.

    ``key``, ``text`` and ``day`` are expressions over ``queryset``'s model (text, text and
    a date); ``order_by`` orders the kind's rows; ``item`` turns a Row into the link shown.
    ``live``: the rows depend on more than the records ``forget`` watches and the date (the
    clock, a visit), so they are read on every view rather than kept in the cache.
    """

    kind: str
    heading: str
    queryset: QuerySet[Any]
    order_by: Sequence[str]
    key: Expression | F
    text: Expression | F
    day: Expression | F
    item: Callable[[Row], WaitingItem]
    more_url: str = ""
    live: bool = False

    def rows(self, limit: int) -> QuerySet[Any]:
        """The kind's first ``limit`` rows with the kind's total, as plain values."""
        ordering = [
            F(name[1:]).desc() if name.startswith("-") else F(name).asc() for name in self.order_by
        ]
        return (
            self.queryset.annotate(
                _kind=Value(self.kind, output_field=CharField()),
                _key=Cast(self.key, CharField()),
                _text=Cast(self.text, CharField()),
                _day=Cast(self.day, DateField()),
                _total=Window(Count("pk"), output_field=IntegerField()),
                _rank=Window(RowNumber(), order_by=ordering, output_field=IntegerField()),
            )
            .filter(_rank__lte=limit)
            .order_by()
            .values_list("_kind", "_key", "_text", "_day", "_total", "_rank")
        )


@dataclass(frozen=True)
class Context:
    """What every provider is given: the user, their role names and today."""

    user: User
    roles: frozenset[str]
    today: date


Provider = Callable[[Context], list[Part]]
PROVIDERS: list[Provider] = []
_ORDER: dict[Provider, int] = {}


def register(provider: Provider, *, order: int = 100) -> None:
    """Add a provider once (ready() may run more than once in tests); lower orders show first."""
    _ORDER[provider] = order
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)
    PROVIDERS.sort(key=lambda p: _ORDER.get(p, 100))


def role_names(user: User) -> frozenset[str]:
    """The user's role names, read once per request object (django-rules caches the same set)."""
    cached = getattr(user, "_group_names_cache", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._group_names_cache = cached  # type: ignore[attr-defined]
    return frozenset(cached)


def _parts(user: User, today: date | None) -> list[Part]:
    if not user.is_authenticated or not user.is_active:
        return []
    context = Context(user=user, roles=role_names(user), today=today or timezone.localdate())
    if not context.roles:
        return []
    return [part for provider in PROVIDERS for part in provider(context)]


def _read(parts: list[Part], limit: int) -> list[Row]:
    """Every part's first rows in one query (none at all when there is no part)."""
    if not parts:
        return []
    first, *others = [part.rows(limit) for part in parts]
    combined = first.union(*others, all=True) if others else first
    return [Row(*values) for values in combined]


def _groups(parts: list[Part], limit: int) -> list[WaitingGroup]:
    """The parts that have any item, read in one query, in the parts' order."""
    rows = _read(parts, max(limit, 1))
    groups = []
    for part in parts:
        mine = sorted((row for row in rows if row.kind == part.kind), key=lambda r: r.rank)
        if not mine:
            continue
        items = [part.item(row) for row in mine[:limit]] if limit > 0 else []
        groups.append(WaitingGroup(part.kind, part.heading, items, mine[0].total, part.more_url))
    return groups


def waiting_for(
    user: User, *, today: date | None = None, limit: int = DASHBOARD_LIMIT
) -> list[WaitingGroup]:
    """Every kind of item waiting for the user that has any, in the providers' order."""
    return _groups(_parts(user, today), limit)


@dataclass(frozen=True)
class _Panel:
    """A panel as the cache keeps it: the groups of the parts that are not live, and
    whether the user has live parts still to read on each view."""

    groups: list[WaitingGroup]
    live: bool


def _version() -> str:
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, secrets.token_hex(8), None)
        version = cache.get(_VERSION_KEY) or "none"
    return str(version)


def _panel_key(version: str, user: User, today: date) -> str:
    # The roles decide which parts there are; their names hold spaces, which some caches refuse.
    roles = hashlib.sha256("\n".join(sorted(role_names(user))).encode()).hexdigest()[:16]
    return f"waiting-panel:v{PANEL_SHAPE}:{version}:{user.pk}:{roles}:{today:%Y%m%d}"


def _count_key(version: str, user: User) -> str:
    return f"waiting-count:{version}:{user.pk}:{timezone.localdate():%Y%m%d}"


def _panel(version: str, user: User, today: date) -> tuple[list[WaitingGroup], bool]:
    """The panel, and whether it was read from the records: the kept part from the cache
    when it is there, the live parts always."""
    key = _panel_key(version, user, today)
    kept: _Panel | None = cache.get(key)
    if kept is not None and not kept.live:
        return kept.groups, False
    parts = _parts(user, today)
    if kept is None:
        groups = _groups([p for p in parts if not p.live], DASHBOARD_LIMIT)
        kept = _Panel(groups, live=any(p.live for p in parts))
        cache.set(key, kept, PANEL_TIMEOUT_SECONDS)
    live = {g.kind: g for g in _groups([p for p in parts if p.live], DASHBOARD_LIMIT)}
    by_kind = {**{g.kind: g for g in kept.groups}, **live}
    return [by_kind[p.kind] for p in parts if p.kind in by_kind], True


def dashboard_groups(user: User, *, today: date | None = None) -> list[WaitingGroup]:
    """The dashboard's panel: the groups, the navigation count kept to match them, and, for
    an auditor, this visit remembered (what is "signed since your last visit" next time)."""
    from .roles import Role

    if Role.AUDITOR in role_names(user):
        from .notifications.services import visit_record

        visit_record(user=user)  # first: a new visit starts where the last one ended
    today = today or timezone.localdate()
    # The version is read before the records, so what is stored under it was read after
    # any commit that replaced an earlier version.
    version = _version()
    if connection.in_atomic_block:  # may see uncommitted rows: never cached (module docstring)
        groups, read = waiting_for(user, today=today), True
    else:
        groups, read = _panel(version, user, today)
    if read:
        _remember_count(version, user, groups)
    return groups


def _remember_count(version: str, user: User, groups: list[WaitingGroup]) -> int:
    """Keep the total just counted, so the navigation needs no query."""
    total = sum(group.total for group in groups)
    cache.set(_count_key(version, user), total, COUNT_TIMEOUT_SECONDS)
    return total


def count_for(user: User | AnonymousUser) -> int:
    """The number in the navigation: from the cache (the count, or a panel kept with no live
    part), or counted in one query and kept."""
    if not user.is_authenticated or not user.is_active:
        return 0
    version = _version()
    total = cache.get(_count_key(version, user))
    if total is None:
        kept = cache.get(_panel_key(version, user, timezone.localdate()))
        if kept is not None and not kept.live:
            return sum(group.total for group in kept.groups)
        total = _remember_count(version, user, waiting_for(user, limit=0))
    return int(total)


def forget_user(user: User) -> None:
    """This user's count changed (a new visit: their live parts did)."""
    cache.delete(_count_key(_version(), user))


def _new_version() -> None:
    cache.set(_VERSION_KEY, secrets.token_hex(8), None)


def forget(*args: object, **kwargs: object) -> None:
    """Something behind the panels and counts changed: every user's are dropped, now and,
    inside a transaction, again when it commits (see the module docstring).

    Takes any arguments, so it can be a signal receiver or an on_commit callback.
    """
    _new_version()
    if connection.in_atomic_block and not _renewal_pending():
        transaction.on_commit(_new_version)


def _renewal_pending() -> bool:
    """Whether this transaction will already renew the version on commit: once is enough
    however many records it saves, unless that one was registered inside a savepoint this
    code is not in (a rollback to it would discard it, and not ours)."""
    open_savepoints = set(connection.savepoint_ids)
    return any(
        func is _new_version and set(sids) <= open_savepoints
        for sids, func, _robust in connection.run_on_commit
    )
