"""Once a two-factor role has an authenticator app, every page asks for its code first
(prevent_compliance/accounts/middleware.py), and TWO_FACTOR_ALL_ROLES asks every role for one."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from decisions.models import Decision
from prevent_compliance.models import SecurityMarking, get_organisation
from prevent_compliance.uploads import validate_upload
from tests.decisions.helpers import advance, complete_sections, make_draft
from tests.prevent_compliance.samples import pdf_bytes, upload
from tests.prevent_compliance.test_settings import GOOD_KEY, _start
from tests.prevent_compliance.two_factor import confirmed_device, current_code, sign_in_verified
from toolkit import services as toolkit_services
from toolkit.models import Section

VERIFY = "/accounts/two-factor/verify/"
ENROL = "/accounts/two-factor/set-up/"


def _next(response) -> str:
    return parse_qs(urlsplit(response["Location"]).query)["next"][0]


@pytest.fixture
def sensitive_evidence(officer, period):
    file = upload("channel-panel.pdf", pdf_bytes("Channel panel case notes"))
    return toolkit_services.evidence_create(
        actor=officer,
        title="Channel panel case notes",
        kind="minutes",
        marking=SecurityMarking.OFFICIAL_SENSITIVE,
        effective_date=period.start_date,
        review_by=period.end_date,
        sections=[Section.objects.get(edition=period.edition, number=1)],
        upload=file,
        upload_info=validate_upload(file),
    )


@pytest.fixture
def confidential_decision(personas, toolkit):
    decision = make_draft(
        personas,
        confidentiality=Decision.Confidentiality.CONFIDENTIAL,
        foi_exemptions=["s31"],
        withheld_parts="All of it: it names a Channel case.",
    )
    complete_sections(decision, actor=personas["officer"])
    return advance(decision, personas, "signed")


def test_commissioner_with_only_a_password_cannot_download_sensitive_evidence(
    client, commissioner, sensitive_evidence
):
    confirmed_device(commissioner)
    client.force_login(commissioner)
    url = reverse("toolkit:evidence_download", args=[sensitive_evidence.public_id])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert _next(response) == url
    assert b"%PDF" not in b"".join(getattr(response, "streaming_content", [response.content]))


def test_chief_executive_with_only_a_password_cannot_read_a_confidential_pdf(
    client, chief_executive, confidential_decision
):
    confirmed_device(chief_executive)
    client.force_login(chief_executive)
    response = client.get(reverse("decisions:pdf", args=[confidential_decision.reference]))
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


def test_administrator_with_only_a_password_cannot_export_the_audit_log(client, administrator):
    confirmed_device(administrator)
    client.force_login(administrator)
    response = client.get(reverse("audit:export"))
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert "text/csv" not in response.get("Content-Type", "")


def test_administrator_with_only_a_password_cannot_change_the_organisation(client, administrator):
    profile = get_organisation()
    confirmed_device(administrator)
    client.force_login(administrator)
    page = reverse("organisation")
    response = client.post(
        page,
        {"name": "Renamed office", "short_name": "RO", "reference_format": "{prefix}"},
        HTTP_REFERER=f"http://testserver{page}",
    )
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    # A POST cannot be replayed after the code: the user comes back to the form's page.
    assert _next(response) == f"http://testserver{page}"
    profile.refresh_from_db()
    assert profile.name != "Renamed office"


def test_entering_the_code_returns_to_the_page_asked_for(client, commissioner, period):
    device = confirmed_device(commissioner)
    client.force_login(commissioner)
    wanted = reverse("toolkit:period_detail", args=[period.year]) + "?tab=evidence"
    response = client.get(wanted)
    assert response.status_code == 302
    verify_url = response["Location"]
    assert client.get(verify_url).status_code == 200
    response = client.post(verify_url, {"code": current_code(device), "next": _next(response)})
    assert response.status_code == 302 and response["Location"] == wanted
    assert client.get(wanted).status_code == 200


def test_the_code_page_sign_out_and_public_pages_stay_open(client, commissioner):
    confirmed_device(commissioner)
    client.force_login(commissioner)
    assert client.get(reverse("accounts:verify")).status_code == 200
    assert client.get(reverse("decisions:public_list")).status_code == 200
    assert client.get(reverse("accessibility")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_a_verified_session_reaches_every_page_its_role_allows(client, commissioner):
    sign_in_verified(client, commissioner)
    assert client.get(reverse("toolkit:dashboard")).status_code == 200


def test_roles_without_two_factor_are_not_asked_when_the_setting_is_off(client, officer, settings):
    settings.TWO_FACTOR_ALL_ROLES = False
    client.force_login(officer)
    assert client.get(reverse("toolkit:dashboard")).status_code == 200


def test_a_two_factor_role_without_an_app_is_asked_to_set_one_up_at_the_doors(
    client, personas, toolkit, settings
):
    """With the setting off, a Commissioner who has no app yet reads as before and is sent to
    set one up at the steps that sign (as the approval, signing and admin doors always did)."""
    settings.TWO_FACTOR_ALL_ROLES = False
    decision = make_draft(personas)
    complete_sections(decision, actor=personas["officer"])
    decision = advance(decision, personas, "awaiting_signature")
    client.force_login(personas["commissioner"])
    assert client.get(reverse("toolkit:dashboard")).status_code == 200
    response = client.get(reverse("decisions:sign", args=[decision.reference]))
    assert response.status_code == 302 and response["Location"].startswith(ENROL)


def test_with_the_setting_on_every_role_sets_up_an_app_then_enters_codes(client, officer, settings):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.TWO_FACTOR_ALL_ROLES = True
    client.force_login(officer)
    dashboard = reverse("toolkit:dashboard")
    response = client.get(dashboard)
    assert response.status_code == 302 and response["Location"].startswith(ENROL)
    assert _next(response) == dashboard
    enrol_url = response["Location"]
    assert client.get(enrol_url).status_code == 200
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    response = client.post(enrol_url, {"code": current_code(device), "next": dashboard})
    assert response.status_code == 302 and response["Location"] == dashboard
    assert client.get(dashboard).status_code == 200

    # A new session with the password only is asked for a code.
    client.logout()
    client.force_login(officer)
    response = client.get(dashboard)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


def _setting_with(**env) -> str:
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.TWO_FACTOR_ALL_ROLES)"
    result = _start("-c", code, SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="prevent.opcc.example", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_two_factor_for_all_roles_is_on_in_production_and_can_be_turned_off():
    assert _setting_with(DEBUG="off") == "True"
    assert _setting_with(DEBUG="off", TWO_FACTOR_ALL_ROLES="off") == "False"
    assert _setting_with(DEBUG="on") == "False"
    assert _setting_with(DEBUG="on", TWO_FACTOR_ALL_ROLES="on") == "True"


def test_the_middleware_asks_the_same_roles_as_the_accounts_guard(personas, superuser):
    from prevent_compliance.accounts.two_factor import two_factor_required, two_factor_role

    for user in (*personas.values(), superuser):
        assert two_factor_role(user) == two_factor_required(user), user.username
