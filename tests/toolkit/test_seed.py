from django.core.management import call_command

from toolkit.models import Criterion, Section, ToolkitEdition


def test_yaml_loads_eight_sections_with_criteria(toolkit):
    sections = list(Section.objects.filter(edition=toolkit).order_by("number"))
    assert [s.number for s in sections] == list(range(1, 9))
    assert sections[0].title == "Multi-agency partnership group"
    assert sections[7].title == "Communications and engagement"
    for section in sections:
        count = section.criteria.count()
        assert 4 <= count <= 8, section
        assert set(section.criteria.values_list("level", flat=True)) <= {"must", "should"}


def test_seed_toolkit_is_idempotent(toolkit):
    counts = (ToolkitEdition.objects.count(), Section.objects.count(), Criterion.objects.count())
    history = Criterion.history.count()
    call_command("seed_toolkit", verbosity=0)
    assert (
        ToolkitEdition.objects.count(),
        Section.objects.count(),
        Criterion.objects.count(),
    ) == counts
    assert Criterion.history.count() == history
