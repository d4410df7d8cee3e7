"""What is waiting for a user: the steps of other people's work that are now theirs to take.

The project package knows no app. Each app registers a provider here when it is ready
(``toolkit.waiting`` for actions, evidence and audit packs; ``decisions.waiting`` for the
decision workflow and the annual review). A provider looks at the user's roles and returns
a ``Part`` for each kind of item that may be waiting: a filtered queryset, its order, and
how to turn a row into a link. It runs no query itself. ``waiting_for`` reads every part
in one query (a UNION ALL of each kind's first rows, each with a window count of the
whole kind), so the dashboard costs one query however many kinds and records there are.

The navigation shows the total on every page. It is kept in the shared cache for a short
time under a version that any change to the records behind it bumps (``forget``), so the
count costs no query on most pages and is never stale for long.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from django.core.cache import cache
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


def waiting_for(
    user: User, *, today: date | None = None, limit: int = DASHBOARD_LIMIT
) -> list[WaitingGroup]:
    """Every kind of item waiting for the user that has any, in the providers' order."""
    parts = _parts(user, today)
    rows = _read(parts, max(limit, 1))
    groups = []
    for part in parts:
        mine = sorted((row for row in rows if row.kind == part.kind), key=lambda r: r.rank)
        if not mine:
            continue
        items = [part.item(row) for row in mine[:limit]] if limit > 0 else []
        groups.append(WaitingGroup(part.kind, part.heading, items, mine[0].total, part.more_url))
    return groups


def dashboard_groups(user: User, *, today: date | None = None) -> list[WaitingGroup]:
    """The dashboard's panel: the groups, the navigation count kept to match them, and, for
    an auditor, this visit remembered (what is "signed since your last visit" next time)."""
    from .roles import Role

    if Role.AUDITOR in role_names(user):
        from .notifications.services import visit_record

        visit_record(user=user)  # first: a new visit starts where the last one ended
    groups = waiting_for(user, today=today)
    remember_count(user, groups)
    return groups


def _count_key(user: User) -> str:
    version = cache.get_or_set(_VERSION_KEY, 1, None)
    return f"waiting-count:{version}:{user.pk}:{timezone.localdate():%Y%m%d}"


def remember_count(user: User, groups: list[WaitingGroup]) -> int:
    """Keep the total the dashboard has just counted, so the navigation needs no query."""
    total = sum(group.total for group in groups)
    cache.set(_count_key(user), total, COUNT_TIMEOUT_SECONDS)
    return total


def count_for(user: User | AnonymousUser) -> int:
    """The number in the navigation: from the cache, or counted in one query and kept."""
    if not user.is_authenticated or not user.is_active:
        return 0
    total = cache.get(_count_key(user))
    if total is None:
        total = remember_count(user, waiting_for(user, limit=0))
    return int(total)


def forget_user(user: User) -> None:
    """This user's count changed (they visited their dashboard)."""
    cache.delete(_count_key(user))


def forget(*args: object, **kwargs: object) -> None:
    """Something behind the counts changed: every user's cached count is dropped.

    Takes any arguments, so it can be a signal receiver or an on_commit callback.
    """
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 2, None)
