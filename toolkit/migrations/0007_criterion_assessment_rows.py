"""Give every existing review period a "Not assessed" rating row for each of its criteria.

Periods opened from now on get theirs from ``review_period_create``; this fills in the
periods that were opened before criteria were rated one by one. Nothing else changes.
"""

from django.db import migrations


def add_rows(apps, schema_editor):
    ReviewPeriod = apps.get_model("toolkit", "ReviewPeriod")
    Criterion = apps.get_model("toolkit", "Criterion")
    CriterionAssessment = apps.get_model("toolkit", "CriterionAssessment")
    for period in ReviewPeriod.objects.all():
        have = set(
            CriterionAssessment.objects.filter(period=period).values_list("criterion_id", flat=True)
        )
        missing = Criterion.objects.filter(section__edition_id=period.edition_id).exclude(
            pk__in=have
        )
        CriterionAssessment.objects.bulk_create(
            CriterionAssessment(period=period, criterion=c) for c in missing
        )


class Migration(migrations.Migration):
    dependencies = [("toolkit", "0006_criterion_assessment")]

    operations = [migrations.RunPython(add_rows, migrations.RunPython.noop)]
