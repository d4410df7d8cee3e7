"""The audit reads: a page of one record's history, and the site-wide log of every table."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.core.paginator import Page, Paginator
from django.db import connection, models
from django.db.models import CharField, DateTimeField, F, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from simple_history.models import HistoricalChanges

from .diff import KINDS, HistoryEntry, history_entries
from .folding import folded
from .registry import AuditedRecord, registration_for, registry

HISTORY_PAGE_SIZE = 25


# --- One record's history ----------------------------------------------------------------------


def history_page(
    obj: models.Model, registration: AuditedRecord, page_number: str | int | None
) -> tuple[Page, list[HistoryEntry]]:
    """A page of a record's history, newest first, with the differences worked out: one
    entry for each action, its many-to-many link rows folded in (``folding.py``)."""
    records = obj.history  # type: ignore[attr-defined]  # added by HistoricalRecords
    history = folded(records.select_related("history_user")).order_by(
        "-history_date", "-history_id"
    )
    page = Paginator(history, HISTORY_PAGE_SIZE).get_page(page_number)
    rows = list(page.object_list)
    # The row just before the page's oldest one, so that it too shows what changed.
    start = (page.number - 1) * HISTORY_PAGE_SIZE
    beyond = list(history[start + len(rows) : start + len(rows) + 1])
    older = [*rows[1:], *(beyond or [None])]
    return page, history_entries(rows, older, registration)


# --- The site-wide audit log -------------------------------------------------------------------


@dataclass(frozen=True)
class LogSource:
    """One historical table in the log: its type key and the columns it contributes."""

    key: str
    label: str
    history_model: type[models.Model]
    title: models.Expression | F
    identifier: models.Expression | F | None


def _default_title(model: type[models.Model]) -> models.Expression | F:
    names = {f.name for f in model._meta.get_fields()}
    for name in ("reference", "title", "name", "label"):
        if name in names:
            return F(name)
    return Value("")


def log_sources() -> list[LogSource]:
    """Every model with history, registered ones under their key, in a stable order."""
    sources = []
    for history_model in apps.get_models():
        # Many-to-many history tables share the base class but hold no dated rows of their own.
        if not issubclass(history_model, HistoricalChanges) or not hasattr(
            history_model, "history_date"
        ):
            continue
        model = history_model.instance_type  # type: ignore[attr-defined]  # a history model
        registration = registration_for(model)
        title = registration.title if registration and registration.title is not None else None
        sources.append(
            LogSource(
                key=registration.key if registration else model._meta.label_lower,
                label=capfirst(model._meta.verbose_name),
                history_model=history_model,
                title=title if title is not None else _default_title(model),
                identifier=registration.log_identifier if registration else None,
            )
        )
    return sorted(sources, key=lambda source: source.label)


@dataclass(frozen=True)
class LogFilters:
    user_id: int | None = None
    record_type: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


LOG_COLUMNS = (
    "log_at",
    "log_type",
    "log_id",
    "log_kind",
    "log_reason",
    "log_user",
    "log_first_name",
    "log_last_name",
    "log_identifier",
    "log_title",
)


def _filtered(source: LogSource, filters: LogFilters) -> QuerySet:
    """One table's history rows that match the filters, with no columns chosen yet: one row
    for each action, its many-to-many link rows folded in (``folding.py``)."""
    queryset = folded(source.history_model._default_manager.order_by())
    if filters.user_id:
        queryset = queryset.filter(history_user_id=filters.user_id)
    if filters.date_from:
        queryset = queryset.filter(history_date__gte=_aware(filters.date_from))
    if filters.date_to:
        queryset = queryset.filter(history_date__lt=_aware(filters.date_to + timedelta(days=1)))
    return queryset


def _columns(source: LogSource, queryset: QuerySet) -> QuerySet[Any, dict[str, Any]]:
    """The log's columns of one table's rows, named alike so that the tables can be joined."""
    text: CharField = CharField()
    identifier = source.identifier if source.identifier is not None else Value("")
    return queryset.annotate(
        log_at=F("history_date"),
        log_type=Value(source.key, output_field=text),
        log_id=F("history_id"),
        log_kind=F("fold_kind"),
        log_reason=F("history_change_reason"),
        log_user=F("history_user__username"),
        log_first_name=F("history_user__first_name"),
        log_last_name=F("history_user__last_name"),
        log_identifier=Cast(identifier, output_field=text),
        log_title=Cast(source.title, output_field=text),
    ).values(*LOG_COLUMNS)


# The order of the log: newest first, and among rows of the same instant by table, then row.
NEWEST_FIRST = ("-log_at", "-log_type", "-log_id")
OLDEST_FIRST = ("log_at", "log_type", "log_id")

# Page numbers reach this far (the offset costs each table this many pages of its index);
# deeper than that the log is read by cursor, through the Older and Newer links.
MAX_PAGE_NUMBER = 20
_CURSOR_LENGTH = 120
_MAX_ID = 2**63 - 1
_EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
_LATEST = datetime(9999, 12, 31, tzinfo=UTC)


class BadCursor(ValueError):
    """A ``before``/``after`` value that no link of the log could have produced."""


@dataclass(frozen=True)
class LogCursor:
    """A position in the log: the date, table and history row of one row, as in a link."""

    at: datetime
    key: str
    history_id: int

    def __str__(self) -> str:
        return f"{self.at.astimezone(UTC).isoformat()},{self.key},{self.history_id}"

    @classmethod
    def parse(cls, text: str, keys: Iterable[str]) -> LogCursor:
        """The cursor written by ``str()``, or BadCursor saying what is wrong with it."""
        plain = len(text) <= _CURSOR_LENGTH and text.isascii() and text.isprintable()
        parts = text.split(",") if plain else []
        if len(parts) != 3:
            raise BadCursor("The link to this part of the log is not complete")
        at_text, key, id_text = parts
        try:
            at = datetime.fromisoformat(at_text)
        except ValueError:
            raise BadCursor(
                "The link to this part of the log has a date that is not valid"
            ) from None
        if key not in set(keys):
            raise BadCursor("The link to this part of the log names a record type that is unknown")
        if not id_text.isascii() or not id_text.isdigit() or int(id_text) > _MAX_ID:
            raise BadCursor("The link to this part of the log names a row that is not valid")
        if timezone.is_naive(at):
            at = at.replace(tzinfo=UTC)
        return cls(at=at, key=key, history_id=int(id_text))


def _older_than(cursor: LogCursor, key: str) -> Q:
    """This table's rows after the cursor in NEWEST_FIRST order, as an index range."""
    if key < cursor.key:
        return Q(history_date__lte=cursor.at)
    if key > cursor.key:
        return Q(history_date__lt=cursor.at)
    # One range on the date (the index), the rows of the same instant sorted out after it.
    return Q(history_date__lte=cursor.at) & ~Q(
        history_date=cursor.at, history_id__gte=cursor.history_id
    )


def _newer_than(cursor: LogCursor, key: str) -> Q:
    """This table's rows before the cursor in NEWEST_FIRST order, as an index range."""
    if key > cursor.key:
        return Q(history_date__gte=cursor.at)
    if key < cursor.key:
        return Q(history_date__gt=cursor.at)
    return Q(history_date__gte=cursor.at) & ~Q(
        history_date=cursor.at, history_id__lte=cursor.history_id
    )


@dataclass
class LogPage:
    """One page of the log, with the cursors of the pages either side (no total is counted)."""

    object_list: list[dict[str, Any]]
    number: int | None = None
    newer: LogCursor | None = None
    older: LogCursor | None = None
    error: str = ""

    @property
    def has_newer(self) -> bool:
        return self.newer is not None

    @property
    def has_older(self) -> bool:
        return self.older is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_newer or self.has_older


class AuditLog:
    """The history rows of every table as one list, newest first, read in the database.

    Each page is one UNION ALL in which every table gives only its own newest rows up to the
    end of the page (read backwards along its ``history_date`` index), so a page costs the
    same however long the log is. Deep pages are reached by cursor (the date, table and row
    of the last row shown), never by a deep OFFSET, and nothing counts the whole log.
    """

    def __init__(self, filters: LogFilters):
        self.filters = filters
        every = log_sources()
        self.labels = {source.key: source.label for source in every}
        self.sources = [s for s in every if not filters.record_type or s.key == filters.record_type]

    def _member(
        self,
        source: LogSource,
        filters: LogFilters,
        *,
        keep: int,
        newest_first: bool,
        cursor: LogCursor | None,
    ) -> QuerySet[Any, dict[str, Any]]:
        """One table's rows for the page: at most ``keep`` of them, from the cursor on."""
        queryset = _filtered(source, filters)
        if cursor is not None:
            side = _older_than if newest_first else _newer_than
            queryset = queryset.filter(side(cursor, source.key))
        order = ("-history_date", "-history_id") if newest_first else ("history_date", "history_id")
        if connection.features.supports_slicing_ordering_in_compound or len(self.sources) == 1:
            return _columns(source, queryset).order_by(*order)[:keep]
        # SQLite takes no LIMIT inside a UNION: bound the table's dates instead, by the date
        # of its keep-th row, which a subquery finds along the same index.
        edge = Subquery(queryset.order_by(*order).values("history_date")[keep - 1 : keep])
        if newest_first:
            bound = Coalesce(edge, Value(_EARLIEST), output_field=DateTimeField())
            return _columns(source, queryset.filter(history_date__gte=bound))
        bound = Coalesce(edge, Value(_LATEST), output_field=DateTimeField())
        return _columns(source, queryset.filter(history_date__lte=bound))

    def _union(
        self,
        filters: LogFilters,
        cursor: LogCursor | None,
        *,
        offset: int,
        keep: int,
        newest_first: bool,
    ) -> QuerySet[Any, dict[str, Any]]:
        """The page's query: every table's rows up to ``keep``, then the page of them."""
        members = [
            self._member(s, filters, keep=keep, newest_first=newest_first, cursor=cursor)
            for s in self.sources
        ]
        if len(members) == 1:
            return members[0]
        first, *rest = members
        return first.union(*rest, all=True).order_by(
            *(NEWEST_FIRST if newest_first else OLDEST_FIRST)
        )[offset:keep]

    def rows(
        self,
        *,
        limit: int,
        offset: int = 0,
        cursor: LogCursor | None = None,
        newest_first: bool = True,
        link: bool = True,
    ) -> list[dict[str, Any]]:
        """Up to ``limit`` rows after ``offset`` rows from the cursor, in the direction asked."""
        if not self.sources or limit <= 0:
            return []
        keep = offset + limit
        shape = _Shape(
            keys=tuple(s.key for s in self.sources),
            filters=_filter_shape(self.filters),
            cursor_key=cursor.key if cursor else None,
            newest_first=newest_first,
            offset=offset,
            keep=keep,
        )
        rows = _PREPARED.rows(
            shape,
            lambda filters, at: self._union(
                filters, at, offset=offset, keep=keep, newest_first=newest_first
            ),
            self.filters,
            cursor,
        )
        if len(self.sources) == 1:
            rows = rows[offset:]
        return [self._row(row, link=link) for row in rows]

    def page(
        self,
        *,
        size: int,
        number: str | None = None,
        before: str | None = None,
        after: str | None = None,
    ) -> LogPage:
        """The page named by a cursor or a (shallow) page number; the newest page otherwise.

        A bad cursor gives the newest page with an error saying so; a page number beyond
        ``MAX_PAGE_NUMBER`` (or the end of the log) gives the oldest page.
        """
        if before or after:
            try:
                cursor = LogCursor.parse(before or after or "", self.labels)
            except BadCursor as error:
                page = self._offset_page(size, 1)
                page.error = str(error)
                return page
            if before:
                return self._before_page(size, cursor)
            return self._after_page(size, cursor)
        return self._offset_page(size, _page_number(number))

    def _offset_page(self, size: int, number: int | None) -> LogPage:
        if number is None:  # past MAX_PAGE_NUMBER, or "last"
            return self._oldest_page(size)
        rows = self.rows(limit=size + 1, offset=(number - 1) * size)
        if not rows and number > 1:
            return self._oldest_page(size)
        return self._paged(rows, size, number=number, newer=number > 1)

    def _before_page(self, size: int, cursor: LogCursor) -> LogPage:
        return self._paged(self.rows(limit=size + 1, cursor=cursor), size, newer=True)

    def _after_page(self, size: int, cursor: LogCursor) -> LogPage:
        rows = self.rows(limit=size + 1, cursor=cursor, newest_first=False)
        if len(rows) <= size:  # this reaches the newest change: show the newest page itself
            return self._offset_page(size, 1)
        rows = rows[:size][::-1]
        return LogPage(object_list=rows, newer=rows[0]["cursor"], older=rows[-1]["cursor"])

    def _oldest_page(self, size: int) -> LogPage:
        rows = self.rows(limit=size + 1, newest_first=False)
        newer = len(rows) > size
        rows = rows[:size][::-1]
        return LogPage(object_list=rows, newer=rows[0]["cursor"] if newer else None)

    @staticmethod
    def _paged(
        rows: list[dict[str, Any]], size: int, *, newer: bool, number: int | None = None
    ) -> LogPage:
        shown = rows[:size]
        return LogPage(
            object_list=shown,
            number=number,
            newer=shown[0]["cursor"] if newer and shown else None,
            older=shown[-1]["cursor"] if len(rows) > size else None,
        )

    def _row(self, row: dict[str, Any], *, link: bool = True) -> dict[str, Any]:
        url, identifier = "", row["log_identifier"] or ""
        registration = registry().get(row["log_type"])
        if registration and identifier:
            identifier = registration.normalise(identifier)
            if link:
                url = reverse("audit:history", args=[row["log_type"], identifier])
        full_name = " ".join(filter(None, [row["log_first_name"], row["log_last_name"]]))
        label = self.labels.get(row["log_type"], row["log_type"])
        return {
            "when": row["log_at"],
            "kind": KINDS.get(row["log_kind"], row["log_kind"]),
            "reason": row["log_reason"] or "",
            "username": row["log_user"] or "",
            "user": full_name or row["log_user"] or "",
            "record_type": row["log_type"],
            "record_label": label,
            "record_name": record_name(label, registration, identifier, row["log_title"] or ""),
            "identifier": identifier,
            "title": row["log_title"] or "",
            "link": url,
            "cursor": LogCursor(at=row["log_at"], key=row["log_type"], history_id=row["log_id"]),
        }

    def iterate(self, chunk_size: int = 2000) -> Iterator[dict[str, Any]]:
        """Every row, newest first, read a chunk at a time by cursor (one query a chunk)."""
        # The first chunk is read now, not on the first row, so that a query that fails
        # does so before a response starts rather than halfway through a download.
        first = self.rows(limit=chunk_size, link=False)
        return self._chunks(first, chunk_size)

    def _chunks(self, chunk: list[dict[str, Any]], chunk_size: int) -> Iterator[dict[str, Any]]:
        while chunk:
            yield from chunk
            if len(chunk) < chunk_size:
                return
            chunk = self.rows(limit=chunk_size, cursor=chunk[-1]["cursor"], link=False)


# --- The log's SQL, built once per shape ---------------------------------------------------
#
# Building and compiling the UNION ALL of every history table through the ORM costs far more
# than running it (about 25 tables, each with its joins, folding and cursor conditions: some
# 10-20 times the query's own time). The SQL depends only on the page's *shape* (which tables,
# which filters are set, the cursor's table, the direction, the limits); the values (the
# user, the dates, the cursor's date and row) are parameters. So each shape is compiled once
# per process with stand-in values, and every later page of that shape reuses the SQL with
# its own values in the stand-ins' places. The first page of each shape is also compiled
# with its real values and compared, so a shape whose SQL would differ is never reused.


@dataclass(frozen=True)
class _Shape:
    keys: tuple[str, ...]
    filters: tuple[bool, bool, bool]
    cursor_key: str | None
    newest_first: bool
    offset: int
    keep: int


def _filter_shape(filters: LogFilters) -> tuple[bool, bool, bool]:
    return (bool(filters.user_id), bool(filters.date_from), bool(filters.date_to))


# Stand-ins for the values: ids within a 32-bit column's range (an id outside a column's
# range changes the SQL Django writes, so such a page is never served from a statement) and
# dates no record of this app has. A real value equal to a stand-in is harmless: the places
# to fill are found by position, on the stand-in's own compile.
_STAND_IN_USER = 1_987_654_321
_STAND_IN_ROW = 1_987_654_323
_INT32 = range(-(2**31), 2**31)
_STAND_IN_FROM = date(1901, 2, 3)
_STAND_IN_TO = date(1902, 3, 4)
_STAND_IN_AT = datetime(1903, 4, 5, 6, 7, 8, 424_242, tzinfo=UTC)


# (stand-in, real value, kind) for each value of a page
_Pairs = list[tuple[Any, Any, str]]
_Build = Callable[[LogFilters, "LogCursor | None"], QuerySet[Any, dict[str, Any]]]


def _stand_ins(
    filters: LogFilters, cursor: LogCursor | None
) -> tuple[LogFilters, LogCursor | None, _Pairs]:
    """The filters and cursor with stand-ins for each value, and (stand-in, real) pairs."""
    pairs: _Pairs = []
    user = date_from = date_to = None
    if filters.user_id:
        user = _STAND_IN_USER
        pairs.append((user, filters.user_id, "int"))
    if filters.date_from:
        date_from = _STAND_IN_FROM
        pairs.append((_aware(date_from), _aware(filters.date_from), "datetime"))
    if filters.date_to:
        date_to = _STAND_IN_TO
        pairs.append(
            (
                _aware(date_to + timedelta(days=1)),
                _aware(filters.date_to + timedelta(days=1)),
                "datetime",
            )
        )
    stand_in_cursor = None
    if cursor is not None:
        stand_in_cursor = LogCursor(at=_STAND_IN_AT, key=cursor.key, history_id=_STAND_IN_ROW)
        pairs.append((_STAND_IN_AT, cursor.at, "datetime"))
        pairs.append((_STAND_IN_ROW, cursor.history_id, "int"))
    stand_in_filters = LogFilters(
        user_id=user, record_type=filters.record_type, date_from=date_from, date_to=date_to
    )
    return stand_in_filters, stand_in_cursor, pairs


def _db_value(value: Any, kind: str) -> Any:
    """A value as the compiled query carries it as a parameter."""
    if kind == "int":
        return int(value)
    return DateTimeField().get_db_prep_value(value, connection, prepared=False)


@dataclass
class _Statement:
    sql: str
    params: list[Any]
    slots: dict[int, int]  # parameter position -> index of the value that fills it
    names: list[str]
    compiler: Any


class _PreparedLog:
    """Compiled log queries by shape (a bounded number of shapes; see above)."""

    MAX_SHAPES = 512

    def __init__(self) -> None:
        self.statements: dict[tuple[str, _Shape], _Statement | None] = {}

    def rows(
        self, shape: _Shape, build: _Build, filters: LogFilters, cursor: LogCursor | None
    ) -> list[dict[str, Any]]:
        stand_in_filters, stand_in_cursor, pairs = _stand_ins(filters, cursor)
        values = [_db_value(real, kind) for _stand_in, real, kind in pairs]
        if any(
            kind == "int" and value not in _INT32
            for (_s, _r, kind), value in zip(pairs, values, strict=True)
        ):
            return list(build(filters, cursor))  # Django writes other SQL for such an id
        key = (connection.alias + ":" + connection.vendor, shape)
        if key not in self.statements:
            if len(self.statements) >= self.MAX_SHAPES:
                self.statements.clear()
            real = build(filters, cursor)
            self.statements[key] = self._prepare(build(stand_in_filters, stand_in_cursor), pairs)
            statement = self.statements[key]
            if statement is None or (statement.sql, self._params(statement, values)) != (
                self._compiled(real)
            ):
                self.statements[key] = None  # never reused: this shape is built each time
            return list(real)
        statement = self.statements[key]
        if statement is None:
            return list(build(filters, cursor))
        return self._run(statement, values)

    @staticmethod
    def _compiled(queryset: QuerySet) -> tuple[str, list[Any]]:
        sql, params = queryset.query.get_compiler(connection=connection).as_sql()
        return sql, list(params)

    def _prepare(self, queryset: QuerySet, pairs: _Pairs) -> _Statement | None:
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        params = list(params)
        stand_ins = [_db_value(stand_in, kind) for stand_in, _real, kind in pairs]
        slots = {}
        for position, param in enumerate(params):
            if param in stand_ins:
                slots[position] = stand_ins.index(param)
        if set(slots.values()) != set(range(len(stand_ins))):
            return None  # a value did not come out as a parameter: do not reuse this shape
        query = queryset.query
        if query.selected:  # as ValuesIterable names the columns
            names = list(query.selected)
        else:
            names = [*query.extra_select, *query.values_select, *query.annotation_select]
        return _Statement(sql, params, slots, names, compiler)

    @staticmethod
    def _params(statement: _Statement, values: list[Any]) -> list[Any]:
        params = list(statement.params)
        for position, index in statement.slots.items():
            params[position] = values[index]
        return params

    def _run(self, statement: _Statement, values: list[Any]) -> list[dict[str, Any]]:
        # A copy of the compiled query's compiler, on this thread's connection, that returns
        # the stored SQL with this page's values: it converts the columns (dates) as the ORM does.
        compiler = copy.copy(statement.compiler)
        compiler.connection = connection
        sql, params = statement.sql, self._params(statement, values)
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        return [dict(zip(statement.names, row, strict=True)) for row in compiler.results_iter()]


_PREPARED = _PreparedLog()


# Records a person names by their identifier (a decision's reference) as well as its title.
NAMED_BY_IDENTIFIER = {"decision"}


def record_name(label: str, registration: AuditedRecord | None, identifier: str, title: str) -> str:
    """The record an entry belongs to, as a person names it: "Decision WPCC4-0028 ‘Prevent
    training’", "Evidence ‘Partnership minutes’", "Review period ‘2025/26’"."""
    if registration is not None and registration.key in NAMED_BY_IDENTIFIER and identifier:
        return f"{label} {identifier} ‘{title}’" if title else f"{label} {identifier}"
    if title:
        return f"{label} ‘{title}’"
    readable = registration is not None and registration.lookup != "public_id"
    return f"{label} {identifier}" if identifier and readable else label


def _page_number(value: str | None) -> int | None:
    """The page asked for: 1 for none or a bad one, None (the oldest page) for "last" or a
    number past MAX_PAGE_NUMBER."""
    if value == "last":
        return None
    if not value or not value.isascii() or not value.isdigit():
        return 1
    if len(value) > 6:
        return None
    number = int(value)
    if number < 1:
        return 1
    return number if number <= MAX_PAGE_NUMBER else None
