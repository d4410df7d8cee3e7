"""One record's history, field by field: each history row compared with the one before it."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.text import capfirst
from simple_history.utils import get_m2m_reverse_field_name

from .registry import AuditedRecord

KINDS = {"+": "Created", "~": "Changed", "-": "Deleted"}


@dataclass
class FieldChange:
    label: str
    before: str
    after: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass
class HistoryEntry:
    when: datetime
    user: str
    kind: str
    reason: str
    changes: list[FieldChange]


class _Labels:
    """Readable names for related records, each looked up once per page."""

    def __init__(self):
        self._cache: dict[tuple[type, object], str] = {}

    def __call__(self, model, pk) -> str:
        if pk is None or pk == "":
            return ""
        key = (model, pk)
        if key not in self._cache:
            obj = model._default_manager.filter(pk=pk).first()
            self._cache[key] = _person(obj) if obj is not None else f"(removed record {pk})"
        return self._cache[key]


def _person(obj) -> str:
    if isinstance(obj, get_user_model()):
        return obj.get_full_name() or obj.get_username()
    return str(obj)


def _display(model_field, value, labels: _Labels) -> str:
    """A stored value as a person would write it."""
    if value is None or value == "":
        return ""
    if model_field.is_relation:
        pk = value.pk if isinstance(value, models.Model) else value
        return labels(model_field.related_model, pk)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%-d %B %Y at %H:%M}"
    if isinstance(value, date):
        return f"{value:%-d %B %Y}"
    if isinstance(value, FieldFile):
        return value.name or ""
    return str(value)


def _field_label(model, name: str) -> str:
    return capfirst(model._meta.get_field(name).verbose_name)


def _m2m_ids(history_model, rows, m2m_fields) -> dict[tuple[str, int], set]:
    """Related ids per (m2m field, history row), in one query per m2m field."""
    found: dict[tuple[str, int], set] = {}
    row_ids = [row.history_id for row in rows]
    for m2m_field in m2m_fields:
        through_history = getattr(history_model, m2m_field.name).model
        target = get_m2m_reverse_field_name(m2m_field)
        for history_id, target_id in through_history.objects.filter(
            history_id__in=row_ids
        ).values_list("history_id", f"{target}_id"):
            found.setdefault((m2m_field.name, history_id), set()).add(target_id)
    return found


def _m2m_change(model, m2m_field, before: set, after: set, labels: _Labels) -> FieldChange:
    def names(ids):
        return sorted(labels(m2m_field.related_model, pk) for pk in ids)

    return FieldChange(
        _field_label(model, m2m_field.name),
        "; ".join(names(before)),
        "; ".join(names(after)),
        added=names(after - before),
        removed=names(before - after),
    )


def _plain_changes(model, row, previous, plain: list[str], labels: _Labels) -> list[FieldChange]:
    """The changes of the row's own fields: every filled-in field for the first row."""
    if previous is None:
        changes = []
        for name in plain:
            value = _display(model._meta.get_field(name), getattr(row, name), labels)
            if value:
                changes.append(FieldChange(_field_label(model, name), "", value))
        return changes
    delta = row.diff_against(previous, included_fields=plain)
    return [
        FieldChange(
            _field_label(model, change.field),
            _display(model._meta.get_field(change.field), change.old, labels),
            _display(model._meta.get_field(change.field), change.new, labels),
        )
        for change in delta.changes
    ]


def _compared_fields(registration: AuditedRecord) -> tuple[list[str], list]:
    """The names of the plain fields, and the many-to-many fields, that the page compares."""
    history_model = registration.model.history.model
    plain = [
        f.name
        for f in history_model.tracked_fields
        if f.editable and not f.primary_key and f.name not in registration.exclude
    ]
    m2m_fields = [
        f for f in history_model._history_m2m_fields if f.name not in registration.exclude
    ]
    return plain, m2m_fields


def history_entries(rows, older, registration: AuditedRecord) -> list[HistoryEntry]:
    """Each row compared with the one before it (``older[i]`` is the row before ``rows[i]``)."""
    model = registration.model
    history_model = model.history.model
    plain, m2m_fields = _compared_fields(registration)
    m2m = _m2m_ids(history_model, [*rows, *[o for o in older if o]], m2m_fields)
    labels = _Labels()
    entries = []
    for row, previous in zip(rows, older, strict=True):
        changes = _plain_changes(model, row, previous, plain, labels)
        for m2m_field in m2m_fields:
            before = m2m.get((m2m_field.name, previous.history_id), set()) if previous else set()
            after = m2m.get((m2m_field.name, row.history_id), set())
            if before != after:
                changes.append(_m2m_change(model, m2m_field, before, after, labels))
        entries.append(
            HistoryEntry(
                when=row.history_date,
                user=_person(row.history_user) if row.history_user else "The system",
                # An action folded from several rows is named by how it began (folding.py).
                kind=KINDS.get(getattr(row, "fold_kind", row.history_type), row.history_type),
                reason=row.history_change_reason or "",
                changes=changes,
            )
        )
    return entries
