"""The audit reads: a page of one record's history, and the site-wide log of every table."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.core.paginator import Page, Paginator
from django.db import connection, models
from django.db.models import CharField, F, QuerySet, Value
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from simple_history.models import HistoricalChanges

from .diff import KINDS, HistoryEntry, history_entries
from .registry import AuditedRecord, registration_for, registry

HISTORY_PAGE_SIZE = 25


# --- One record's history ----------------------------------------------------------------------


def history_page(
    obj: models.Model, registration: AuditedRecord, page_number: str | int | None
) -> tuple[Page, list[HistoryEntry]]:
    """A page of a record's history, newest first, with the differences worked out."""
    records = obj.history  # type: ignore[attr-defined]  # added by HistoricalRecords
    history = records.select_related("history_user").order_by("-history_date", "-history_id")
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
    "log_kind",
    "log_reason",
    "log_user",
    "log_first_name",
    "log_last_name",
    "log_type",
    "log_identifier",
    "log_title",
)


def _source_rows(source: LogSource, filters: LogFilters) -> QuerySet[Any, dict[str, Any]]:
    text: CharField = CharField()
    queryset = source.history_model._default_manager.order_by()
    if filters.user_id:
        queryset = queryset.filter(history_user_id=filters.user_id)
    if filters.date_from:
        queryset = queryset.filter(history_date__gte=_aware(filters.date_from))
    if filters.date_to:
        queryset = queryset.filter(history_date__lt=_aware(filters.date_to + timedelta(days=1)))
    identifier = source.identifier if source.identifier is not None else Value("")
    return queryset.annotate(
        log_at=F("history_date"),
        log_kind=F("history_type"),
        log_reason=F("history_change_reason"),
        log_user=F("history_user__username"),
        log_first_name=F("history_user__first_name"),
        log_last_name=F("history_user__last_name"),
        log_type=Value(source.key, output_field=text),
        log_identifier=Cast(identifier, output_field=text),
        log_title=Cast(source.title, output_field=text),
    ).values(*LOG_COLUMNS)


class AuditLog:
    """The history rows of every table as one list, newest first, sliced in the database.

    One UNION ALL of ``values()`` queries ordered by date with LIMIT/OFFSET; where the
    database allows (PostgreSQL), each table contributes only its newest rows up to the page.
    """

    def __init__(self, filters: LogFilters):
        self.filters = filters
        every = log_sources()
        self.labels = {source.key: source.label for source in every}
        self.sources = [s for s in every if not filters.record_type or s.key == filters.record_type]

    def count(self) -> int:
        """All the rows in one query: COUNT(*) over the UNION ALL of every table's rows."""
        union = self._union()
        return 0 if union is None else union.order_by().count()

    def _union(self, keep: int | None = None) -> QuerySet[Any, dict[str, Any]] | None:
        """The rows as one queryset, newest first; None when no table is selected."""
        queries = [_source_rows(s, self.filters) for s in self.sources]
        if not queries:
            return None
        if len(queries) == 1:
            return queries[0].order_by("-history_date")
        if keep is not None and connection.features.supports_slicing_ordering_in_compound:
            queries = [q.order_by("-history_date")[:keep] for q in queries]
        first, *rest = queries
        return first.union(*rest, all=True).order_by("-log_at")

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        if item.stop is not None and item.stop <= (item.start or 0):
            return []  # an empty page: [:0] would make an empty, sliced union
        union = self._union(keep=item.stop)
        return [] if union is None else [self._row(row) for row in union[item]]

    def __len__(self) -> int:
        return self.count()

    def _row(self, row: dict[str, Any], *, link: bool = True) -> dict[str, Any]:
        url, identifier = "", row["log_identifier"] or ""
        registration = registry().get(row["log_type"])
        if registration and identifier:
            identifier = registration.normalise(identifier)
            if link:
                url = reverse("audit:history", args=[row["log_type"], identifier])
        full_name = " ".join(filter(None, [row["log_first_name"], row["log_last_name"]]))
        return {
            "when": row["log_at"],
            "kind": KINDS.get(row["log_kind"], row["log_kind"]),
            "reason": row["log_reason"] or "",
            "username": row["log_user"] or "",
            "user": full_name or row["log_user"] or "",
            "record_type": row["log_type"],
            "record_label": self.labels.get(row["log_type"], row["log_type"]),
            "identifier": identifier,
            "title": row["log_title"] or "",
            "link": url,
        }

    def iterate(self, chunk_size: int = 2000) -> Iterator[dict[str, Any]]:
        # The query is built now, not on the first row, so that it fails before a response
        # starts rather than halfway through a download.
        union = self._union()
        if union is None:
            return iter(())
        return (self._row(row, link=False) for row in union.iterator(chunk_size=chunk_size))
