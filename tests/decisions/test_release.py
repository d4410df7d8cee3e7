"""Later release of withheld content (issue 12 item 2): a separately sealed publication event;
the signed record and its seal stay untouched."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from decisions import integrity, selectors, services
from decisions.models import Decision, DecisionRelease
from decisions.services import ReleaseInput

from .helpers import MARKER
from .records import verified

S = Decision.Status


def _part(**fields):
    values = {
        "scope": "part",
        "released_on": timezone.localdate(),
        "reason": "The contract has ended.",
        "section_positions": (5,),
    }
    values.update(fields)
    return ReleaseInput(**values)


@pytest.fixture
def partly(make_decision):
    """A partly confidential published record whose section 5 is withheld (holding MARKER)."""
    return make_decision(
        "public",
        confidentiality=Decision.Confidentiality.PARTLY_CONFIDENTIAL,
        foi_exemptions=["s43"],
        withheld=5,
        secret=MARKER,
    )


def test_part_release_leaves_the_signed_record_and_its_seal_untouched(partly, personas):
    before = Decision.objects.get(pk=partly.pk)
    seal, history = before.content_hash, before.history.count()
    release = services.decision_release(
        actor=verified(personas["chief_executive"]), decision=partly, release=_part()
    )
    after = Decision.objects.get(pk=partly.pk)
    assert after.content_hash == seal and after.hashed_at == before.hashed_at
    assert after.status == S.PUBLISHED and after.history.count() == history
    assert integrity.check_seal(after).ok
    assert integrity.check_release(release).ok and release.decision_hash == seal
    assert release.decided_by == personas["chief_executive"] and release.history.count() == 1
    [event] = selectors.release_events(after)
    assert [s.position for s in event.sections] == [5] and MARKER in event.sections[0].body
    assert not event.whole


def test_the_public_record_shows_the_release(partly, personas, client_for):
    public = client_for(None).get(partly.get_public_url()).text
    assert MARKER not in public
    services.decision_release(
        actor=verified(personas["chief_executive"]), decision=partly, release=_part()
    )
    events = selectors.release_events(Decision.objects.get(pk=partly.pk))
    from django.template.loader import render_to_string

    html = render_to_string("decisions/partials/release_events.html", {"events": events})
    assert f"Released on {timezone.localdate():%-d %B %Y}" in html and MARKER in html
    staff = client_for(personas["auditor"]).get(partly.get_absolute_url()).text
    assert "Later releases of withheld content" in staff and "The contract has ended." in staff


def test_a_tampered_release_is_not_shown(partly, personas):
    release = services.decision_release(
        actor=verified(personas["chief_executive"]), decision=partly, release=_part()
    )
    DecisionRelease.objects.filter(pk=release.pk).update(section_positions=[1, 5])
    assert selectors.release_events(Decision.objects.get(pk=partly.pk)) == []
    assert len(selectors.release_events(partly, public=False)) == 1  # staff still see it


@pytest.mark.parametrize("persona", ["officer", "treasurer", "commissioner", "auditor"])
def test_only_the_chief_executive_releases(partly, personas, persona):
    with pytest.raises(PermissionDenied):
        services.decision_release(
            actor=verified(personas[persona]), decision=partly, release=_part()
        )
    assert not DecisionRelease.objects.exists()


def test_the_chief_executive_needs_two_factor(partly, personas):
    with pytest.raises(PermissionDenied):
        services.decision_release(
            actor=personas["chief_executive"], decision=partly, release=_part()
        )
    assert not DecisionRelease.objects.exists()


@pytest.mark.parametrize(
    ("days", "ok"),
    [(0, True), (1, False)],
)
def test_release_date_cannot_be_in_the_future(partly, personas, days, ok):
    wanted = _part(released_on=timezone.localdate() + timedelta(days=days))
    actor = verified(personas["chief_executive"])
    if ok:
        services.decision_release(actor=actor, decision=partly, release=wanted)
    else:
        with pytest.raises(ValidationError) as caught:
            services.decision_release(actor=actor, decision=partly, release=wanted)
        assert "released_on" in caught.value.message_dict


def test_release_date_cannot_be_before_the_signature(partly, personas):
    wanted = _part(released_on=partly.signed_on - timedelta(days=1))
    with pytest.raises(ValidationError):
        services.decision_release(
            actor=verified(personas["chief_executive"]), decision=partly, release=wanted
        )


def test_a_reason_and_a_withheld_part_are_needed(partly, personas):
    actor = verified(personas["chief_executive"])
    with pytest.raises(ValidationError) as caught:
        services.decision_release(actor=actor, decision=partly, release=_part(reason=" "))
    assert "reason" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.decision_release(
            actor=actor, decision=partly, release=_part(section_positions=(1,))
        )
    assert "sections" in caught.value.message_dict  # section 1 was never withheld


def test_whole_release_of_a_confidential_record_then_nothing_is_left(make_decision, personas):
    decision = make_decision(
        "public",
        confidentiality=Decision.Confidentiality.CONFIDENTIAL,
        foi_exemptions=["s24"],
        summary=f"Summary {MARKER}",
    )
    assert decision.status == S.WITHHELD
    actor = verified(personas["chief_executive"])
    release = services.decision_release(
        actor=actor,
        decision=decision,
        release=ReleaseInput(
            scope="whole", released_on=timezone.localdate(), reason="Risk has passed"
        ),
    )
    assert release.summary_released and len(release.section_positions) == 9
    [event] = selectors.release_events(decision)
    assert event.whole and MARKER in event.summary
    with pytest.raises(services.InvalidTransition):
        services.decision_release(
            actor=actor,
            decision=decision,
            release=ReleaseInput(scope="whole", released_on=timezone.localdate(), reason="Again"),
        )


def test_nothing_to_release_from_a_non_confidential_record(make_decision, personas):
    decision = make_decision("public")
    with pytest.raises(services.InvalidTransition):
        services.decision_release(
            actor=verified(personas["chief_executive"]),
            decision=decision,
            release=ReleaseInput(scope="whole", released_on=timezone.localdate(), reason="x"),
        )


def test_a_record_whose_seal_fails_is_not_released(partly, personas):
    Decision.objects.filter(pk=partly.pk).update(title="Edited behind the service's back")
    with pytest.raises(services.InvalidTransition):
        services.decision_release(
            actor=verified(personas["chief_executive"]),
            decision=Decision.objects.get(pk=partly.pk),
            release=_part(),
        )


# --- The staff page: form, check page, record -----------------------------------------------


def _date_fields(on: date) -> dict:
    return {"released_on_0": on.day, "released_on_1": on.month, "released_on_2": on.year}


def test_release_page_form_then_check_then_recorded(partly, personas, client_for):
    client = client_for(personas["chief_executive"])
    detail = client.get(partly.get_absolute_url()).text
    url = reverse("decisions:release", args=[partly.url_key])
    assert url in detail
    form = client.get(url)
    assert form.status_code == 200 and "data-aria-controls" in form.text
    data = {
        "scope": "part",
        "sections": ["5"],
        "reason": "The contract has ended.",
        **_date_fields(timezone.localdate()),
    }
    check = client.post(url, data)
    assert check.status_code == 200 and "Check the release before you record it" in check.text
    assert not DecisionRelease.objects.exists()
    done = client.post(url, {**data, "confirm": "yes"})
    assert done.status_code == 302
    release = DecisionRelease.objects.get()
    assert release.section_positions == [5] and integrity.check_release(release).ok


def test_release_page_errors_are_shown_on_the_form(partly, personas, client_for):
    client = client_for(personas["chief_executive"])
    url = reverse("decisions:release", args=[partly.url_key])
    page = client.post(url, {"scope": "part", **_date_fields(timezone.localdate())})
    assert page.status_code == 200 and "govuk-error-summary" in page.text
    assert "Enter the reason for releasing the information" in page.text


def test_other_roles_are_refused_the_release_page(partly, personas, client_for):
    for persona in ("officer", "commissioner", "auditor"):
        client = client_for(personas[persona])
        response = client.get(reverse("decisions:release", args=[partly.url_key]))
        assert response.status_code == 403


def test_resealing_with_a_new_key_keeps_releases_bound_to_the_record(partly, personas, settings):
    import io

    from django.core.management import call_command

    key_1, key_2 = "v1:" + "1f" * 32, "v2:" + "3a" * 32
    # The record was sealed with the development key: reseal it with key 1 first.
    settings.DECISION_SEAL_KEYS = key_1 + "," + integrity.DEVELOPMENT_SEAL_KEYS
    call_command("reseal_decisions", stdout=io.StringIO(), stderr=io.StringIO())
    release = services.decision_release(
        actor=verified(personas["chief_executive"]),
        decision=Decision.objects.get(pk=partly.pk),
        release=_part(),
    )
    assert release.seal_key_version == "v1"
    settings.DECISION_SEAL_KEYS = f"{key_2},{key_1}"
    call_command("reseal_decisions", stdout=io.StringIO(), stderr=io.StringIO())
    release = DecisionRelease.objects.get(pk=release.pk)
    record = Decision.objects.get(pk=partly.pk)
    assert record.seal_key_version == release.seal_key_version == "v2"
    assert release.decision_hash == record.content_hash
    assert integrity.check_release(release).ok
    assert len(selectors.release_events(record)) == 1
