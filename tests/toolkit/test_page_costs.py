"""The section page, the evidence list and the action plan list plain rows prepared once per
page (toolkit/selectors.py) that say what the records and the template filters said, and the
action plan's owner filter reads its options from the shared cache, which every change to a
user or to role membership renews (toolkit/rules.py)."""

import re
import uuid
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone

from prevent_compliance.accounts.services import record_event
from prevent_compliance.audit.registry import history_url
from prevent_compliance.models import AccountEvent
from prevent_compliance.roles import Role
from toolkit import selectors
from toolkit.models import Action, CriterionAssessment, Evidence

LIST_URL = reverse("toolkit:action_list")


class Rollback(Exception):
    """Raised to roll a transaction back on purpose."""


# --- Plain rows say what the records and the filters said -----------------------------------


@pytest.mark.parametrize("long", [False, True], ids=["short", "long"])
def test_dates_are_written_as_the_date_filter_writes_them(long):
    write = selectors.date_writer(long=long)
    days = [date(2026, month, day) for month in range(1, 13) for day in (1, 9, 28)]
    for day in [*days, date(999, 5, 4), date(2024, 2, 29)]:
        assert write(day) == date_filter(day, "j F Y" if long else "j M Y")


@pytest.mark.parametrize("name", ["toolkit:evidence_detail", "toolkit:action_detail"])
def test_detail_urls_are_the_ones_reverse_gives(name):
    url = selectors.detail_url(name)
    for public_id in (uuid.uuid4(), uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)):
        assert url(public_id) == reverse(name, kwargs={"public_id": public_id})


@pytest.mark.django_db
def test_evidence_rows_show_what_the_records_hold(make_evidence, today):
    overdue = make_evidence(title="Minutes <b>bold</b>", review_by=today - timedelta(days=1))
    undated = make_evidence(title="Policy", kind="policy", review_by=None)

    rows = selectors.evidence_table(selectors.evidence_values(Evidence.objects.all()))

    by_pk = {row.pk: row for row in rows}
    for evidence in (overdue, undated):
        row = by_pk[evidence.pk]
        assert row.url == evidence.get_absolute_url()
        assert row.title == evidence.title
        assert row.kind == evidence.get_kind_display()
        assert row.effective == date_filter(evidence.effective_date, "j M Y")
        review_by = date_filter(evidence.review_by, "j M Y") if evidence.review_by else ""
        assert row.review_by == (review_by or "Not set")
        assert row.marking == evidence.marking


@pytest.mark.django_db
def test_action_rows_show_owner_status_and_whether_overdue(
    make_action, django_user_model, other_section, today
):
    nameless = django_user_model.objects.create_user(username="nameless")
    nameless.groups.add(Group.objects.get(name=Role.OFFICER.value))
    made = [
        make_action(title="Late", due_date=today - timedelta(days=1), priority="high"),
        make_action(title="Due today", due_date=today, status="in_progress"),
        make_action(title="Done late", due_date=today - timedelta(days=9), status="done"),
        make_action(title="Theirs", owner=nameless, section=other_section, priority="low"),
    ]

    rows = selectors.action_table(selectors.action_values(Action.objects.all()), today)

    by_pk = {row.pk: row for row in rows}
    for action in made:
        row = by_pk[action.pk]
        assert row.url == action.get_absolute_url()
        assert row.title == action.title
        assert row.priority == action.get_priority_display()
        assert row.section_number == action.section.number
        assert row.owner == (action.owner.get_full_name() or action.owner.username)
        assert row.due == date_filter(action.due_date, "j M Y")
        assert row.status == action.get_status_display()
        assert row.status_tag_class == action.status_tag_class
        assert row.overdue == action.is_overdue(today)
    assert [row.title for row in rows if row.overdue] == ["Late"]
    assert by_pk[made[3].pk].owner == "nameless"


@pytest.mark.django_db
def test_a_criterion_card_says_who_rated_it_and_links_its_history(period, section, officer):
    today = timezone.localdate()
    rated_at = timezone.now()
    row = CriterionAssessment.objects.filter(period=period, criterion__section=section).first()
    CriterionAssessment.objects.filter(pk=row.pk).update(
        rating="met", assessed_by=officer, assessed_at=rated_at, note="Seen the minutes"
    )

    cards = selectors.section_criteria(period, section, None, today)["criterion_rows"]

    card = next(c for c in cards if c["row"].pk == row.pk)
    criterion = row.criterion
    assert card["heading"] == f"{criterion.code} {criterion.text}"
    assert card["level"] == criterion.get_level_display()
    assert card["rating"] == "Met" and card["rating_tag_class"] == "govuk-tag--green"
    assert card["assessed"] == (
        f"{officer.get_full_name()}, {date_filter(timezone.localtime(rated_at), 'j F Y')}"
    )
    assert card["history_url"] == history_url(CriterionAssessment.objects.get(pk=row.pk))
    assert card["note"] == "Seen the minutes"
    assert all(c["assessed"] == "" for c in cards if c is not card)


# --- The owner filter: hostile values ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    ["-1", "abc", "9" * 40, "<script>alert(1)</script>", "1 OR 1=1", "١", "0x1", "1.0", "\x00"],
)
def test_a_stray_owner_is_a_clear_error_not_a_failure(client_for, auditor, action, value):
    response = client_for(auditor).get(LIST_URL, {"owner": value})

    content = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Action plan" in content
    assert '<a href="#id_owner">Select an owner from the list</a>' in content
    assert "<script>alert" not in content
    assert "1 action found." in content  # the other filters still apply; this one is ignored


@pytest.mark.django_db
def test_someone_who_cannot_own_an_action_is_not_an_owner_to_filter_by(
    client_for, auditor, outsider, action
):
    response = client_for(auditor).get(LIST_URL, {"owner": outsider.pk})
    assert "Select an owner from the list" in response.content.decode()


# --- The owner filter's options are never stale ----------------------------------------------


def _owners(client) -> dict[str, str]:
    """The owner filter's options on the action plan: name -> value."""
    html = client.get(LIST_URL).content.decode()
    select = re.search(r'<select name="owner".*?</select>', html, re.S).group(0)
    return dict(
        (label, value) for value, label in re.findall(r'value="(\d+)"[^>]*>([^<]*)<', select)
    )


@pytest.fixture
def new_officer(django_user_model):
    def make(username="casey.new", first_name="Casey"):
        user = django_user_model.objects.create_user(
            username=username, first_name=first_name, last_name="New"
        )
        user.groups.add(Group.objects.get(name=Role.OFFICER.value))
        return user

    return make


@pytest.mark.django_db(transaction=True)
def test_the_options_come_from_the_cache(client_for, auditor, officer, monkeypatch):
    assert "Officer Tester" in _owners(client_for(auditor))
    monkeypatch.setattr(selectors, "_action_owners", lambda: pytest.fail("read the database"))
    assert (officer.pk, "Officer Tester") in selectors.action_owner_choices()


@pytest.mark.django_db(transaction=True)
def test_new_staff_and_a_new_name_are_listed_at_once(client_for, auditor, new_officer):
    client = client_for(auditor)
    assert "Casey New" not in _owners(client)

    casey = new_officer()
    assert _owners(client)["Casey New"] == str(casey.pk)

    casey.first_name = "Cass"
    casey.save()
    assert "Cass New" in _owners(client) and "Casey New" not in _owners(client)


@pytest.mark.django_db(transaction=True)
def test_staff_who_lose_their_role_leave_or_are_deleted_are_not_listed(
    client_for, auditor, administrator, new_officer
):
    client = client_for(auditor)
    officers = Group.objects.get(name=Role.OFFICER.value)
    casey = new_officer()
    assert "Casey New" in _owners(client)

    casey.groups.remove(officers)
    assert "Casey New" not in _owners(client)
    officers.user_set.add(casey)  # from the role's side
    assert "Casey New" in _owners(client)

    casey.is_active = False
    casey.save()
    assert "Casey New" not in _owners(client)
    casey.is_active = True
    casey.save()
    assert "Casey New" in _owners(client)

    # As the admin's "deactivate" action does: a bulk update, and an event for each account.
    type(casey).objects.filter(pk=casey.pk).update(is_active=False)
    record_event(
        account=casey,
        kind=AccountEvent.Kind.STATUS_CHANGED,
        summary="casey.new deactivated",
        actor=administrator,
    )
    assert "Casey New" not in _owners(client)

    dana = new_officer("dana.new", "Dana")
    assert "Dana New" in _owners(client)
    AccountEvent.objects.filter(account=dana).delete()  # the trail protects an account
    dana.delete()
    assert "Dana New" not in _owners(client)


@pytest.mark.django_db(transaction=True)
def test_a_change_inside_a_transaction_is_listed_only_once_it_commits(
    client_for, auditor, new_officer
):
    client = client_for(auditor)
    assert "Casey New" not in _owners(client)

    with pytest.raises(Rollback), transaction.atomic():
        casey = new_officer()
        # Inside the transaction the list is read afresh, and it sees the change.
        assert casey.pk in dict(selectors.action_owner_choices())
        raise Rollback
    assert "Casey New" not in _owners(client)

    with transaction.atomic():
        casey = new_officer()
        # Another process reads the list before the commit, from the data before the change,
        # and keeps it under the generation it finds.
        stale = f"toolkit:action-owners:{cache.get(selectors.OWNERS_GENERATION_KEY)}"
        cache.set(stale, [(auditor.pk, "Stale list")])
    assert _owners(client)["Casey New"] == str(casey.pk)
