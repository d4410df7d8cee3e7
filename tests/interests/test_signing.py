"""Signing checks the declaration: a stale, unconfirmed or changed register blocks signing in
the service and on the page; the signed record seals the register version."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from decisions import integrity, services
from decisions.interests import services as interest_services
from decisions.interests.models import Confirmation, Interest
from decisions.models import Decision
from tests.conftest import PASSWORD

from .helpers import confirmed_register

CONFIRM = {"confirm": "yes"}
S = Decision.Status


def _sign(decision, user):
    return services.decision_sign(
        actor=user, decision=decision, declaration_confirmed=True, password=PASSWORD
    )


def _age(confirmation, days):
    """Confirmed at noon, local time, ``days`` local days ago: freshness counts local days,
    and ``now - 93 days`` taken after 23:00 in winter is the next local day in summer."""
    day = timezone.localdate() - timedelta(days=days)
    Confirmation.objects.filter(pk=confirmation.pk).update(
        confirmed_at=timezone.make_aware(datetime.combine(day, time(12)))
    )


def test_stale_register_blocks_signing_in_the_service(make_decision, personas, settings):
    settings.INTERESTS_CONFIRM_WITHIN_DAYS = 92
    decision = make_decision("awaiting_signature")
    _age(Confirmation.objects.get(holder__user=personas["commissioner"]), 93)
    with pytest.raises(ValidationError) as refused:
        _sign(decision, personas["commissioner"])
    assert refused.value.code == "register_not_confirmed"
    assert "more than 92 days ago" in refused.value.messages[0]
    decision.refresh_from_db()
    assert decision.status == S.AWAITING_SIGNATURE and not decision.content_hash


def test_the_period_is_a_setting(make_decision, personas, settings):
    decision = make_decision("awaiting_signature")
    _age(Confirmation.objects.get(holder__user=personas["commissioner"]), 10)
    settings.INTERESTS_CONFIRM_WITHIN_DAYS = 7
    with pytest.raises(ValidationError):
        _sign(decision, personas["commissioner"])
    settings.INTERESTS_CONFIRM_WITHIN_DAYS = 30
    assert _sign(decision, personas["commissioner"]).status == S.SIGNED


def test_register_changed_since_confirmation_blocks_signing(make_decision, personas):
    decision = make_decision("awaiting_signature")
    holder = personas["commissioner"].interests_holder
    interest_services.interest_create(
        actor=personas["chief_executive"],
        holder=holder,
        category=Interest.Category.OTHER,
        description="A new interest.",
        start_date=date(2024, 1, 1),
    )
    with pytest.raises(ValidationError, match="changed since you last confirmed"):
        _sign(decision, personas["commissioner"])
    interest_services.register_confirm(
        actor=personas["commissioner"], holder=holder, confirmed=True
    )
    assert _sign(decision, personas["commissioner"]).status == S.SIGNED


def test_a_commissioner_with_no_register_cannot_sign(make_decision, personas, django_user_model):
    from django.contrib.auth.models import Group

    decision = make_decision("awaiting_signature")
    other = django_user_model.objects.create_user("pcc2", password=PASSWORD)
    other.groups.add(Group.objects.get(name="Commissioner"))
    with pytest.raises(ValidationError, match="no register of interests"):
        _sign(decision, other)
    confirmed_register(other)
    assert _sign(decision, other).signed_by == other


def test_fresh_register_signs_and_the_seal_includes_the_version(make_decision, personas):
    decision = make_decision("awaiting_signature")
    latest = Confirmation.objects.filter(holder__user=personas["commissioner"]).latest()
    signed = _sign(decision, personas["commissioner"])
    signed.refresh_from_db()
    assert signed.signed_register_version == latest
    assert signed.signed_register_hash == latest.content_hash
    payload = integrity.sealed_payload(signed)
    assert payload["register_signed_against"] == latest.content_hash
    assert integrity.check_seal(signed).ok
    # Pointing the record at another register version breaks its seal.
    Decision.objects.filter(pk=signed.pk).update(signed_register_hash="0" * 64)
    signed.refresh_from_db()
    assert not integrity.check_seal(signed).ok


def test_records_sealed_without_a_register_still_verify(wpcc4_0028):
    """Imported (and earlier) records have no register version: nothing new is sealed."""
    assert wpcc4_0028.signed_register_hash == ""
    assert "register_signed_against" not in integrity.sealed_payload(wpcc4_0028)
    assert integrity.check_seal(wpcc4_0028).ok


def test_sign_page_blocks_a_stale_register_and_links_to_confirm(
    make_decision, personas, client_for
):
    decision = make_decision("awaiting_signature")
    _age(Confirmation.objects.get(holder__user=personas["commissioner"]), 200)
    client = client_for(personas["commissioner"])
    url = reverse("decisions:sign", args=[decision.reference])
    page = client.get(url).text
    assert 'data-testid="register-blocks-signing"' in page
    confirm_url = reverse("interests:confirm", args=["commissioner"])
    assert f'href="{confirm_url}"' in page
    assert "Sign decision</button>" not in page
    # Posting anyway (an old tab) is refused by the service, with the reason at the top.
    data = {"declaration": "on", "password": PASSWORD, **CONFIRM}
    page = client.post(url, data).text
    assert "govuk-error-summary" in page and "more than 92 days ago" in page
    decision.refresh_from_db()
    assert decision.status == S.AWAITING_SIGNATURE


def test_sign_page_shows_the_register_and_matching_entries(
    make_decision, personas, client_for, register
):
    decision = make_decision(
        "awaiting_signature",
        title="Grant to the Warwickshire Youth Sailing Trust",
        summary="A grant, after a bid supported by SecureTech Training.",
    )
    page = (
        client_for(personas["commissioner"])
        .get(reverse("decisions:sign", args=[decision.reference]))
        .text
    )
    assert 'data-testid="register-summary"' in page
    assert 'data-testid="entry-match"' in page
    assert "“warwickshire youth sailing trust”" in page
    assert 'data-testid="gift-match"' in page and "SecureTech Training Ltd" in page
    assert "Sign decision" in page


def test_sign_page_says_when_nothing_matches(make_decision, personas, client_for, register):
    decision = make_decision("awaiting_signature", title="Prevent training for staff")
    page = (
        client_for(personas["commissioner"])
        .get(reverse("decisions:sign", args=[decision.reference]))
        .text
    )
    assert 'data-testid="register-no-matches"' in page


def test_signing_through_the_page_records_the_version(make_decision, personas, client_for):
    decision = make_decision("awaiting_signature")
    client = client_for(personas["commissioner"])
    url = reverse("decisions:sign", args=[decision.reference])
    data = {"declaration": "on", "password": PASSWORD, **CONFIRM}
    assert client.post(url, data).status_code == 302
    decision.refresh_from_db()
    assert decision.status == S.SIGNED and decision.signed_register_version_id


def test_public_record_links_to_the_version_signed_against(make_decision, personas, client):
    decision = make_decision("public")
    version = decision.signed_register_version
    page = client.get(reverse("decisions:public_detail", args=[decision.url_key])).text
    link = reverse("interests:public_version", args=[version.holder.slug, version.number])
    assert 'data-testid="signed-register"' in page and f'href="{link}"' in page
    version_page = client.get(link).text
    assert decision.reference in version_page
