"""The audit trail in the interface: a History page for any record, and the site-wide log.

Apps say which of their models have a History page in an ``audit.py`` module (found the way
``admin.py`` is), for example in ``decisions/audit.py``::

    from prevent_compliance.audit import register_history
    from .models import Decision

    register_history("decision", Decision, view_perm="decisions.view_decision",
                     lookup="reference")

and link to it from the record's page with ``{% load audit %}{{ decision|history_url }}``.
The History page shows who changed what and when, field by field; the audit log at /audit/
lists every history row of every model, for auditors and administrators.
"""

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import rules
from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import DataError, connection, models, transaction
from django.db.models import CharField, F, Value
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Cast
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.text import capfirst
from django.views.decorators.http import require_GET
from simple_history.models import HistoricalChanges
from simple_history.utils import get_m2m_reverse_field_name

from .forms import GovUKDateField, gds_helper
from .roles import is_administrator, is_auditor
from .rules import require

rules.add_perm("prevent_compliance.view_audit_log", is_auditor | is_administrator)

HISTORY_PAGE_SIZE = 25
LOG_PAGE_SIZE = 50
KINDS = {"+": "Created", "~": "Changed", "-": "Deleted"}


# --- Which records have a History page ---------------------------------------------------------


@dataclass(frozen=True)
class AuditedRecord:
    key: str
    model: type[models.Model]
    view_perm: str
    lookup: str | Callable[[str], dict]
    identify: Callable[[models.Model], str]
    log_identifier: models.Expression
    title: models.Expression | None
    exclude: tuple[str, ...]

    @property
    def label(self) -> str:
        return capfirst(self.model._meta.verbose_name)

    def normalise(self, identifier: str) -> str:
        """The identifier as ``identify`` writes it (SQLite returns UUIDs without dashes)."""
        if isinstance(self.lookup, str) and "__" not in self.lookup:
            try:
                return str(self.model._meta.get_field(self.lookup).to_python(identifier))
            except ValidationError:
                return identifier
        return identifier

    def get_object(self, identifier: str):
        """The live record named by a URL identifier, or 404."""
        try:
            if callable(self.lookup):
                filters = self.lookup(identifier)
            else:
                filters = {self.lookup: identifier}
            # In a savepoint: a value the database refuses (NUL, out of range) ends as a 404.
            with transaction.atomic():
                obj = self.model._default_manager.filter(**filters).first()
        except (ValueError, ValidationError, TypeError, OverflowError, DataError):
            obj = None
        if obj is None:
            raise Http404("No such record.")
        return obj


_registry: dict[str, AuditedRecord] = {}
_discovered = False


def register_history(
    key: str,
    model: type[models.Model],
    *,
    view_perm: str,
    lookup: str | Callable[[str], dict] = "public_id",
    identify: Callable[[models.Model], str] | None = None,
    log_identifier: models.Expression | None = None,
    title: models.Expression | None = None,
    exclude: tuple[str, ...] = (),
) -> None:
    """Give a model with ``HistoricalRecords`` a History page at /history/<key>/<identifier>/.

    ``view_perm`` is checked against the record, so the page is open to exactly the people
    who may view the record. ``lookup`` is the field named by the URL (or a function turning
    the URL's identifier into filter arguments); ``identify`` and ``log_identifier`` produce
    that identifier from a record and, as an SQL expression, from its history rows.
    """
    if isinstance(lookup, str):
        identify = identify or (lambda obj: str(getattr(obj, lookup)))
        log_identifier = log_identifier if log_identifier is not None else F(lookup)
    if identify is None or log_identifier is None:
        raise ValueError("A lookup function needs identify and log_identifier as well.")
    _registry[key] = AuditedRecord(
        key=key,
        model=model,
        view_perm=view_perm,
        lookup=lookup,
        identify=identify,
        log_identifier=log_identifier,
        title=title,
        exclude=tuple(exclude),
    )


def registry() -> dict[str, AuditedRecord]:
    global _discovered
    if not _discovered:
        autodiscover_modules("audit")
        _discovered = True
    return _registry


def registration_for(obj_or_model) -> AuditedRecord | None:
    model = obj_or_model._meta.concrete_model
    return next((r for r in registry().values() if r.model is model), None)


def history_url(obj) -> str:
    """The History page of a record, or '' if its model has none."""
    registration = registration_for(obj)
    if registration is None:
        return ""
    return reverse("audit:history", args=[registration.key, registration.identify(obj)])


# --- One record's history, field by field ------------------------------------------------------


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


def _entries(rows, older, registration: AuditedRecord) -> list[HistoryEntry]:
    """Each row compared with the one before it (``older[i]`` is the row before ``rows[i]``)."""
    model = registration.model
    history_model = model.history.model
    m2m_fields = [
        f for f in history_model._history_m2m_fields if f.name not in registration.exclude
    ]
    plain = [
        f.name
        for f in history_model.tracked_fields
        if f.editable and not f.primary_key and f.name not in registration.exclude
    ]
    m2m = _m2m_ids(history_model, [*rows, *[o for o in older if o]], m2m_fields)
    labels = _Labels()
    entries = []
    for row, previous in zip(rows, older, strict=True):
        changes = []
        if previous is None:
            for name in plain:
                value = _display(model._meta.get_field(name), getattr(row, name), labels)
                if value:
                    changes.append(FieldChange(_field_label(model, name), "", value))
        else:
            delta = row.diff_against(previous, included_fields=plain)
            for change in delta.changes:
                model_field = model._meta.get_field(change.field)
                changes.append(
                    FieldChange(
                        _field_label(model, change.field),
                        _display(model_field, change.old, labels),
                        _display(model_field, change.new, labels),
                    )
                )
        for m2m_field in m2m_fields:
            before = m2m.get((m2m_field.name, previous.history_id), set()) if previous else set()
            after = m2m.get((m2m_field.name, row.history_id), set())
            if before != after:
                changes.append(_m2m_change(model, m2m_field, before, after, labels))
        entries.append(
            HistoryEntry(
                when=row.history_date,
                user=_person(row.history_user) if row.history_user else "The system",
                kind=KINDS.get(row.history_type, row.history_type),
                reason=row.history_change_reason or "",
                changes=changes,
            )
        )
    return entries


def history_page(obj, registration: AuditedRecord, page_number):
    """A page of a record's history, newest first, with the differences worked out."""
    history = obj.history.select_related("history_user").order_by("-history_date", "-history_id")
    page = Paginator(history, HISTORY_PAGE_SIZE).get_page(page_number)
    rows = list(page.object_list)
    # The row just before the page's oldest one, so that it too shows what changed.
    start = (page.number - 1) * HISTORY_PAGE_SIZE
    beyond = list(history[start + len(rows) : start + len(rows) + 1])
    older = [*rows[1:], *(beyond or [None])]
    return page, _entries(rows, older, registration)


@require_GET
def history(request, key: str, identifier: str):
    registration = registry().get(key)
    if registration is None:
        raise Http404("No such kind of record.")
    obj = registration.get_object(identifier)
    require(request.user, registration.view_perm, obj)
    page, entries = history_page(obj, registration, request.GET.get("page"))
    back = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
    return render(
        request,
        "audit/history.html",
        {
            "record": obj,
            "record_label": registration.label,
            "back_url": back,
            "page": page,
            "entries": entries,
        },
    )


# --- The site-wide audit log -------------------------------------------------------------------


@dataclass(frozen=True)
class LogSource:
    """One historical table in the log: its type key and the columns it contributes."""

    key: str
    label: str
    history_model: type[models.Model]
    title: models.Expression
    identifier: models.Expression | None


def _default_title(model) -> models.Expression:
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
        model = history_model.instance_type
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


def _source_rows(source: LogSource, filters: LogFilters):
    text = CharField()
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

    def _union(self, keep: int | None = None):
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

    def __getitem__(self, item: slice) -> list[dict]:
        if item.stop is not None and item.stop <= (item.start or 0):
            return []  # an empty page: [:0] would make an empty, sliced union
        union = self._union(keep=item.stop)
        return [] if union is None else [self._row(row) for row in union[item]]

    def __len__(self) -> int:
        return self.count()

    def _row(self, row: dict, *, link: bool = True) -> dict:
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

    def iterate(self, chunk_size: int = 2000) -> Iterator[dict]:
        # The query is built now, not on the first row, so that it fails before a response
        # starts rather than halfway through a download.
        union = self._union()
        if union is None:
            return iter(())
        return (self._row(row, link=False) for row in union.iterator(chunk_size=chunk_size))


class AuditFilterForm(forms.Form):
    user = forms.ModelChoiceField(
        label="Changed by",
        queryset=get_user_model().objects.order_by("username"),
        required=False,
        empty_label="Anyone",
    )
    record_type = forms.ChoiceField(label="Record type", required=False)
    date_from = GovUKDateField(label="From date", required=False)
    date_to = GovUKDateField(label="To date", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.get_full_name()} ({u.username})" if u.get_full_name() else u.username
        )
        self.fields["record_type"].choices = [("", "All records")] + [
            (source.key, source.label) for source in log_sources()
        ]
        self.helper = gds_helper(submit_label="Apply filters")
        self.helper.form_tag = False

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The to date must be the same as or after the from date")
        return cleaned

    def filters(self) -> LogFilters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        user = data.get("user")
        return LogFilters(
            user_id=user.pk if user else None,
            record_type=data.get("record_type") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


def _require_log_access(user) -> None:
    require(user, "prevent_compliance.view_audit_log")


def _filter_form(request) -> AuditFilterForm:
    params = request.GET.copy()
    params.pop("page", None)
    return AuditFilterForm(params if params else None)


def _log_page(request, form: AuditFilterForm, *, status: int = 200):
    page = Paginator(AuditLog(form.filters()), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=status,
    )


@require_GET
def log(request):
    _require_log_access(request.user)
    return _log_page(request, _filter_form(request))


class _Echo:
    def write(self, value):
        return value


def _csv_safe(value) -> str:
    """Stop a spreadsheet from running text that starts like a formula."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@require_GET
def log_export(request):
    """The filtered log as CSV, streamed so that a large log never sits in memory."""
    _require_log_access(request.user)
    form = _filter_form(request)
    if form.is_bound and not form.is_valid():
        # Never the whole log in place of the part asked for: show what is wrong instead.
        return _log_page(request, form, status=400)
    rows = AuditLog(form.filters()).iterate()
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(
            ["Date and time", "Username", "Name", "Record type", "Record", "Identifier", "Change"]
            + ["Reason"]
        )
        for row in rows:
            yield writer.writerow(
                [
                    timezone.localtime(row["when"]).isoformat(timespec="seconds"),
                    _csv_safe(row["username"]),
                    _csv_safe(row["user"]),
                    row["record_label"],
                    _csv_safe(row["title"]),
                    _csv_safe(row["identifier"]),
                    row["kind"],
                    _csv_safe(row["reason"]),
                ]
            )

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


app_name = "audit"

urlpatterns = [
    path("audit/", log, name="log"),
    path("audit/export.csv", log_export, name="export"),
    # A decision reference may contain "/" (PCC/D/2023/03), so the identifier is a path.
    path("history/<str:key>/<path:identifier>/", history, name="history"),
]


# Account changes (roles, passwords, authenticator apps) and role grants: prevent_compliance's
# own records in the log, open to those who may read the log.
def _register_account_records() -> None:
    from django.db.models.functions import Concat

    from .models import AccountEvent, RoleGrant

    register_history(
        "account-change",
        AccountEvent,
        view_perm="prevent_compliance.view_audit_log",
        title=F("summary"),
    )
    register_history(
        "role-grant",
        RoleGrant,
        view_perm="prevent_compliance.view_audit_log",
        title=Concat(
            F("role__name"), Value(" for "), F("account__username"), output_field=CharField()
        ),
    )


_register_account_records()
