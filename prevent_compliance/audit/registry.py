"""Which records have a History page: each app registers its models in its ``audit.py``."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import DataError, models, transaction
from django.db.models import F
from django.http import Http404
from django.urls import reverse
from django.utils.module_loading import autodiscover_modules
from django.utils.text import capfirst


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
