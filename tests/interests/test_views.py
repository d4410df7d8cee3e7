"""Staff pages: confirming your register (check, then confirm), forms refusing bad input with
a GOV.UK error summary, and the holder alone seeing the confirm page."""

from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from decisions.interests.models import Gift, Interest

from .conftest import PRIVATE_NOTE


def test_the_holder_checks_then_confirms(personas, client_for, register):
    client = client_for(personas["commissioner"])
    url = reverse("interests:confirm", args=[register.slug])
    page = client.get(url).text
    assert "Warwickshire Youth Sailing Trust" in page and "Confirm my register" in page
    before = register.confirmations.count()
    page = client.post(url, {}).text
    assert "govuk-error-summary" in page and "Confirm that your register" in page
    assert register.confirmations.count() == before
    response = client.post(url, {"confirmed": "on"})
    assert response.status_code == 302
    assert register.confirmations.count() == before + 1
    page = client.get(response["Location"]).text
    assert "Register of interests confirmed" in page


def test_the_chief_executive_cannot_confirm_for_the_holder(personas, client_for, register):
    client = client_for(personas["chief_executive"])
    assert client.get(reverse("interests:confirm", args=[register.slug])).status_code == 403
    page = client.get(reverse("interests:holder_detail", args=[register.slug])).text
    assert PRIVATE_NOTE in page  # staff see internal notes, marked as not published


def test_entry_form_refuses_hostile_input(personas, client_for, register):
    client = client_for(personas["chief_executive"])
    url = reverse("interests:interest_create", args=[register.slug])
    data = {
        "category": Interest.Category.LAND,
        "organisation": "o" * 500,
        "description": "<script>x</script> 12 Acacia Avenue CV1 2AB",
        "start_date_0": "31",
        "start_date_1": "2",
        "start_date_2": "2024",
    }
    page = client.post(url, data).text
    assert "govuk-error-summary" in page
    assert "<script>x</script>" not in page
    data.update(
        organisation="Fine",
        description="A house.",
        start_date_0="1",
        start_date_1="1",
        start_date_2=str(timezone.localdate().year + 1),
    )
    page = client.post(url, data).text
    assert "must be today or in the past" in page
    data.update(start_date_2="2024", end_date_0="1", end_date_1="1", end_date_2="2023")
    page = client.post(url, data).text
    assert "The end date must be the same as or after the start date" in page
    assert not register.interests.filter(description="A house.").exists()


def test_gift_form_refuses_bad_values(personas, client_for, register):
    client = client_for(personas["chief_executive"])
    url = reverse("interests:gift_create", args=[register.slug])
    base = {
        "offered_on_0": "1",
        "offered_on_1": "2",
        "offered_on_2": "2025",
        "kind": Gift.Kind.GIFT,
        "giver": "Acme",
        "description": "Pen",
        "outcome": Gift.Outcome.ACCEPTED,
        "reason": "Courtesy",
    }
    for value, message in (
        ("-5", "cannot be negative"),
        ("99999999999", "£1,000,000 or less"),
        ("ten pounds", "as a number of pounds"),
        ("1.234", "nearest penny"),
    ):
        page = client.post(url, {**base, "value": value}).text
        assert "govuk-error-summary" in page and message in page, value
    assert client.post(url, {**base, "value": "45.50"}).status_code == 302
    assert register.gifts.filter(giver="Acme", value="45.50").exists()


def test_a_commissioner_without_a_register_is_told_who_sets_it_up(
    personas, client_for, django_user_model
):
    """The navigation offers "My interests" to everyone who signs; before the Chief Executive
    adds them to the register it explains what to do instead of answering 404."""
    from prevent_compliance.roles import Role
    from tests.conftest import _make_user

    newcomer = _make_user(django_user_model, "newcomer.pcc", None)
    newcomer.groups.add(Group.objects.get(name=Role.COMMISSIONER.value))
    page = client_for(newcomer).get(reverse("interests:my_register"))
    assert page.status_code == 200
    assert "has not been set up yet" in page.content.decode()
    assert client_for(personas["officer"]).get(reverse("interests:my_register")).status_code == 404


def test_people_no_longer_listed_are_kept_apart_from_the_register(
    personas, client_for, register, other_holder
):
    """The daily list is the office's holders now; those who left are one link away."""
    client = client_for(personas["chief_executive"])
    page = client.get(reverse("interests:holder_list")).text
    assert register.name in page and "Dee Puty" in page
    assert "People no longer listed" not in page  # nobody has left yet
    other_holder.active = False
    other_holder.save()
    page = client.get(reverse("interests:holder_list")).text
    assert register.name in page and "Dee Puty" not in page
    assert 'href="?listed=no"' in page
    left = client.get(reverse("interests:holder_list"), {"listed": "no"}).text
    assert "Dee Puty" in left and register.name not in left and "No (not listed)" in left
