"""The stored natural-order key of every reference (prevent_compliance.sorting
natural_sort_key), filled for the records there are, with the index of the public log's
sort by reference. The key is not part of any seal: no seal changes."""

from django.db import migrations, models

from prevent_compliance.sorting import natural_sort_key

BATCH = 500


def fill_keys(apps, schema_editor):
    """A batch at a time, in primary key order, so a large log never sits in memory."""
    for name in ("Decision", "HistoricalDecision"):
        model = apps.get_model("decisions", name)
        pk = model._meta.pk.attname
        rows = model.objects.order_by(pk).only(pk, "reference")
        batch = []
        for row in rows.iterator(chunk_size=BATCH):
            row.reference_sort_key = natural_sort_key(row.reference)
            batch.append(row)
            if len(batch) == BATCH:
                model.objects.bulk_update(batch, ["reference_sort_key"])
                batch = []
        model.objects.bulk_update(batch, ["reference_sort_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0008_signed_register"),
    ]

    operations = [
        migrations.AddField(
            model_name="decision",
            name="reference_sort_key",
            field=models.CharField(blank=True, default="", editable=False, max_length=966),
        ),
        migrations.AddField(
            model_name="historicaldecision",
            name="reference_sort_key",
            field=models.CharField(blank=True, default="", editable=False, max_length=966),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="decision",
            index=models.Index(
                condition=models.Q(
                    (
                        "status__in",
                        ["published", "withheld", "not_published", "withdrawn", "deferred"],
                    ),
                    models.Q(("content_hash", ""), _negated=True),
                ),
                fields=["reference_sort_key", "register", "decision_date", "id"],
                name="decisions_public_ref_order",
            ),
        ),
    ]
