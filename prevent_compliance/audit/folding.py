"""One user action, one entry: the history rows a single save leaves behind, taken as one.

django-simple-history writes a history row when a record is saved and another each time one
of its many-to-many links changes (``evidence.sections.set(...)`` is a "Changed" row of its
own, and so are the criteria and the periods). A service that saves evidence with its links
therefore leaves three or four rows a moment apart. The last of them holds the whole result
(the record's fields and its links), so the log and the History page show that one, as
"Created" when the action began by creating the record, and leave out the rows it absorbed.

A link row copies the record as it stands, so it carries the same ``updated_at`` (an
``auto_now`` field) as the save before it, while every real save stamps a new one. A row is
absorbed when a later "Changed" row of the same record has the same ``updated_at`` and
follows within ``FOLD_WINDOW`` (which keeps the lookup a short range of the history table's
``id`` index, and leaves alone a link changed on its own long after the last save). Only
tables whose model keeps many-to-many history and an ``updated_at`` are folded, so a page
costs the same however long the log is.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

# The rows of one save are written within a transaction, milliseconds apart; a few seconds
# covers a slow database without joining two separate actions of a person.
FOLD_WINDOW = timedelta(seconds=5)


STAMP = "updated_at"


def folds(history_model: type[models.Model]) -> bool:
    """Whether this history table gets link rows of its own, and can tell them apart."""
    if not getattr(history_model, "_history_m2m_fields", None):
        return False
    return any(f.name == STAMP for f in history_model._meta.get_fields())


def _same_save(history_model: type[models.Model]) -> QuerySet:
    """Rows of the outer row's record that copy the same save (the same ``updated_at``)."""
    return history_model._default_manager.order_by().filter(
        id=OuterRef("id"), **{STAMP: OuterRef(STAMP)}
    )


def _shifted(delta: timedelta) -> ExpressionWrapper:
    return ExpressionWrapper(OuterRef("history_date") + delta, output_field=DateTimeField())


def absorbed(history_model: type[models.Model]) -> Exists:
    """True for a row that a later link row of the same save holds."""
    later = _same_save(history_model).filter(
        Q(history_date__gt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__gt=OuterRef("history_id")),
        history_type="~",
        history_date__lte=_shifted(FOLD_WINDOW),
    )
    return Exists(later)


def began_with_creation(history_model: type[models.Model]) -> Exists:
    """True for a link row of the save that created the record."""
    earlier = _same_save(history_model).filter(
        history_type="+",
        history_date__gte=_shifted(-FOLD_WINDOW),
        history_date__lte=OuterRef("history_date"),
    )
    return Exists(earlier)


def folded(queryset: QuerySet) -> QuerySet:
    """The rows a person would call one change each, with ``fold_kind`` the kind of the
    action (a creation followed by its links is "+")."""
    history_model = queryset.model
    if not folds(history_model):
        return queryset.annotate(fold_kind=models.F("history_type"))
    return queryset.filter(~absorbed(history_model)).annotate(
        fold_kind=Case(
            When(Q(history_type="~") & began_with_creation(history_model), then=Value("+")),
            default=models.F("history_type"),
            output_field=CharField(),
        )
    )
