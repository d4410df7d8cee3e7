"""The ``toolkit`` fixture's data, loaded in a few statements instead of ~350.

``seed_toolkit`` (``toolkit_edition_load``) checks, saves and records the history of the
edition, its 8 sections and 51 criteria one row at a time: about 350 queries, a tenth of a
second of CPU and more under coverage, in each of the thousand tests that use the fixture.

The first test in a process that asks for it runs the real command, into an empty toolkit,
and the rows it wrote are kept as values. Every later test gets the same rows inserted with
``bulk_create``: new primary keys from the database (as the command would give), foreign keys
mapped to them, history rows stamped now, the dashboard's counts forgotten as the command
does. ``tests/test_fast_seed.py`` proves both ways give the same rows.

Whenever the shortcut could differ from the command, the command runs instead: when any
edition, section or criterion is already there, or when the command wrote to any table
other than the ones copied here (a model added to what an edition loads).
"""

from __future__ import annotations

import io
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

_snapshot: dict[type[Model], list[dict[str, Any]]] | None = None
_unusable = False


def _models() -> list[type[Model]]:
    """What the command writes, parents first (historical rows last)."""
    from toolkit.models import Criterion, Section, ToolkitEdition

    base = [ToolkitEdition, Section, Criterion]
    through = [Criterion.replaces.through]
    history = [m.history.model for m in base]
    return base + through + history


def _run_command() -> None:
    from toolkit.management.commands.seed_toolkit import FIRST_EDITION_FILE

    call_command("seed_toolkit", str(FIRST_EDITION_FILE), verbosity=0, stdout=io.StringIO())


def _empty() -> bool:
    from toolkit.models import Criterion, Section, ToolkitEdition

    return not any(m.objects.exists() for m in (ToolkitEdition, Section, Criterion))


def _values(model: type[Model], before: int) -> list[dict[str, Any]]:
    pk = model._meta.pk.attname
    fields = [f.attname for f in model._meta.concrete_fields]
    return list(model.objects.filter(pk__gt=before).order_by(pk).values(*fields))


def _take_snapshot() -> None:
    """Run the command and keep what it wrote (or note that the shortcut cannot be used)."""
    global _snapshot, _unusable
    models = _models()
    highest = {}
    for model in models:
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        highest[model] = last or 0
    with CaptureQueriesContext(connection) as queries:
        _run_command()
    tables = {model._meta.db_table for model in models}
    written = {
        sql.split()[2].strip('"`[]').lower()
        for sql in (q["sql"] for q in queries.captured_queries)
        if sql.lstrip().upper().startswith("INSERT INTO")
    }
    if not written <= tables:
        _unusable = True  # the command writes more than is copied here: always run it
        return
    _snapshot = {model: _values(model, highest[model]) for model in models}


def _insert() -> None:
    """Insert the kept rows as new rows (new keys, foreign keys mapped, history now)."""
    assert _snapshot is not None
    now = timezone.now()
    new_pk: dict[type[Model], dict[Any, Any]] = {}
    for model, rows in _snapshot.items():
        history_of = getattr(model, "instance_type", None)  # simple_history's historical model
        pk = model._meta.pk.attname
        remap = {}
        for field in model._meta.concrete_fields:
            target = field.related_model if field.is_relation else None
            if target in new_pk:
                remap[field.attname] = new_pk[target]
        objects = []
        for row in rows:
            values = {key: value for key, value in row.items() if key != pk}
            for attname, mapping in remap.items():
                if values[attname] is not None:
                    values[attname] = mapping[values[attname]]
            if history_of is not None:
                values["id"] = new_pk[history_of][values["id"]]
                values["history_date"] = now
            objects.append(model(**values))
        created = model.objects.bulk_create(objects)
        if history_of is None:
            new_pk[model] = {row[pk]: obj.pk for row, obj in zip(rows, created, strict=True)}


def seed_first_edition() -> None:
    """What ``manage.py seed_toolkit toolkit/data/toolkit-2024.yaml`` writes, quickly."""
    from toolkit.summary import dashboard_changed

    if _unusable or not _empty():
        _run_command()
    elif _snapshot is None:
        _take_snapshot()
    else:
        _insert()
        dashboard_changed()
