"""Every URL of the project, for every kind of visitor, GET and POST: the designed outcome.

The patterns come from the URL resolver, so a new URL fails here until it has a row in
MATRIX. Each row lists the outcome for each visitor, in the order of ACTORS:

    200  the page            403  refused            404  not found (or not theirs)
    405  wrong method        LOG  302 to sign in     2FA  302 to set up or enter a code
    302  redirected elsewhere (a step taken, or refused with a message saying why)
    -    not asked: a code confirmed in the session changes nothing where none was asked for

The two-factor visitors (Chief Executive, Commissioner, Administrator, and a superuser with
no role) have set up an authenticator app, so without a code every page but the code page,
the set-up page, sign-out and the pages open to everyone sends them to enter one (2FA); with
a code, the superuser is refused like the outsider everywhere but the Django admin.

Objects named in the URL are real: a decision reference containing "/", in the state the
step needs, an evidence public_id, a period year, an export job id. Every request runs in a
savepoint that is rolled back, so each visitor finds the same records; before the rollback
the row counts of every table (records and their history) are compared, and no refused
request, and no GET, may change any.

Set MATRIX_DUMP=<file> to write the observed rows there instead of comparing them.
"""

import copy
import io
import os
from datetime import date

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from decisions import services as decision_services
from prevent_compliance.models import get_organisation
from prevent_compliance.roles import Role
from prevent_compliance.uploads import validate_upload
from tests.conftest import PASSWORD, _make_user
from tests.decisions.helpers import STEPS, advance, complete_sections, make_draft, pdf_upload
from tests.meetings import matrix as meetings_matrix
from tests.prevent_compliance.samples import pdf_bytes, upload
from tests.prevent_compliance.two_factor import confirmed_device, sign_in_verified
from tests.training.helpers import make_world as training_world
from toolkit import services as toolkit_services
from toolkit.models import ExportJob, Section, ToolkitEdition
from toolkit.services import review_period_create

ROLES = (
    "officer",
    "treasurer",
    "chief_executive",
    "commissioner",
    "auditor",
    "administrator",
)
PERSONAS = [
    ("officer", "officer", Role.OFFICER),
    ("treasurer", "treasurer", Role.TREASURER),
    ("chief_executive", "chief.executive", Role.CHIEF_EXECUTIVE),
    ("commissioner", "commissioner", Role.COMMISSIONER),
    ("auditor", "auditor", Role.AUDITOR),
    ("administrator", "admin", Role.ADMINISTRATOR),
    ("outsider", "outsider", None),
    ("superuser", "root", None),
]
# The two-factor roles, and a superuser with no role: each has set up an authenticator app,
# so every page but the code page and sign-out asks them for a code first.
VERIFIED = ("chief_executive", "commissioner", "administrator", "superuser")
# anonymous, the six roles, the outsider (signed in, no role), a superuser with no role (the
# Django admin only: no role's work), then the two-factor visitors again with a one-time code
# confirmed in the session.
ACTORS = ("anonymous", *ROLES, "outsider", "superuser", *(f"{role}+2fa" for role in VERIFIED))

# Django's admin has dozens of generated URLs; its own tests cover them. We check that the
# admin is behind our sign-in and two-factor guard on its index, login and one changelist.
ADMIN_COVERED = {"admin:index", "admin:login", "admin:auth_user_changelist"}

# The enrolment page makes the unconfirmed device whose secret it shows, whatever the method.
MAY_WRITE = {
    "accounts:enrol": {"otp_totp_totpdevice"},
    # The dashboard remembers an auditor's visit ("signed since your last visit").
    "toolkit:dashboard": {"prevent_compliance_lastvisit"},
}
# Every response to a signed-in visitor says no-store, never public (middleware.py), except a
# public appendix: one file, the same for everyone, whose view chose a public lifetime.
SHARED_FOR_EVERYONE = {
    "decisions:public_appendix_download",
    "meetings:public_document_download",
    "organisation_logo",
}

MATRIX: dict[str, dict[str, str]] = {
    #        anon off  tre  ce   com  aud  adm  out  su   ce2  com2 adm2 su2
    "accessibility": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "accounts:enrol": {
        "GET": "LOG  200  200  302  302  200  302  200  302  -    -    -    -",
        "POST": "LOG  200  200  302  302  200  302  200  302  -    -    -    -",
    },
    "accounts:two_factor": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  200  2FA  200  200  200  200",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "accounts:verify": {
        "GET": "LOG  2FA  2FA  200  200  2FA  200  2FA  200  -    -    -    -",
        "POST": "LOG  2FA  2FA  200  200  2FA  200  2FA  200  -    -    -    -",
    },
    # Passwords (accounts/views.py): change needs sign-in; the forgotten-password pages and
    # the e-mailed links are open to everyone (a signed-in visitor asking for a reset is sent
    # to change it instead); a link that is not a real one is 410 Gone.
    "accounts:password_change": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  200  2FA  200  200  200  200",
        "POST": "LOG  200  200  2FA  2FA  200  2FA  200  2FA  200  200  200  200",
    },
    "accounts:password_reset": {
        "GET": "200  302  302  302  302  302  302  302  302  -    -    -    -",
        "POST": "200  302  302  302  302  302  302  302  302  -    -    -    -",
    },
    "accounts:password_reset_sent": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "accounts:password_reset_confirm": {
        "GET": "410  410  410  410  410  410  410  410  410  -    -    -    -",
        "POST": "410  410  410  410  410  410  410  410  410  -    -    -    -",
    },
    "accounts:invitation": {
        "GET": "410  410  410  410  410  410  410  410  410  -    -    -    -",
        "POST": "410  410  410  410  410  410  410  410  410  -    -    -    -",
    },
    # /users/ (accounts/users.py): administrators with a code only. An empty POST shows the
    # form's errors or the check page again; roles posted empty take the officer's away (302);
    # the officer is active and has no app, so reactivating and resetting send back (302).
    "users:list": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "users:invite": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  200  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  200  403",
    },
    "users:detail": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "users:roles": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  200  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  302  403",
    },
    "users:deactivate": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  200  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  200  403",
    },
    "users:reactivate": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  302  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  302  403",
    },
    "users:reset_two_factor": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  302  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  302  403",
    },
    "users:invitation_resend": {
        "GET": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  302  403",
    },
    "users:grant_confirm": {
        "GET": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  302  403",
    },
    "users:grant_cancel": {
        "GET": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  302  403",
    },
    "admin:auth_user_changelist": {
        "GET": "LOG  302  302  2FA  2FA  302  2FA  302  2FA  302  302  200  200",
        "POST": "LOG  302  302  2FA  2FA  302  2FA  302  2FA  302  302  200  200",
    },
    "admin:index": {
        "GET": "302  302  302  2FA  2FA  302  2FA  302  2FA  302  302  200  200",
        "POST": "302  302  302  2FA  2FA  302  2FA  302  2FA  302  302  200  200",
    },
    "admin:login": {
        "GET": "LOG  403  403  403  403  403  302  403  302  -    -    -    -",
        "POST": "LOG  403  403  403  403  403  302  403  302  -    -    -    -",
    },
    "audit:export": {
        "GET": "LOG  403  403  2FA  2FA  200  2FA  403  2FA  403  403  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "audit:history": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "audit:log": {
        "GET": "LOG  403  403  2FA  2FA  200  2FA  403  2FA  403  403  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "decisions:annual_review_submit": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "decisions:appendix_add": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    "decisions:appendix_download": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "decisions:appendix_remove": {
        "GET": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
        "POST": "LOG  302  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    "decisions:approve": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "decisions:comment_chief_executive": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "decisions:comment_treasurer": {
        "GET": "LOG  403  200  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
        "POST": "LOG  403  200  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    "decisions:create": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    "decisions:defer": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  200  403  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  200  403  403",
    },
    "decisions:detail": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "decisions:edit": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    "decisions:import_confirm": {
        "GET": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  302  403",
    },
    "decisions:import_detail": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "decisions:import_report": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "decisions:import_template": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "decisions:import_upload": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  200  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  200  403",
    },
    "decisions:list": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "decisions:pdf": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "decisions:public_appendix_download": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "decisions:public_atom": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "decisions:public_csv": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "decisions:public_detail": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "decisions:public_json": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "decisions:public_list": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "decisions:public_pdf": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "decisions:publish": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    "decisions:resume": {
        "GET": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
        "POST": "LOG  302  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    "decisions:return": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "decisions:not_publish": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    # The Chief Executive with a code; a non-confidential record has nothing to release (302).
    "decisions:release": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  302  403  403  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  302  403  403  403",
    },
    "decisions:sections": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    "decisions:sign": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  200  403  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  200  403  403",
    },
    "decisions:submit": {
        "GET": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
        "POST": "LOG  302  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    "decisions:withdraw": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    # A check page first (GET, or POST without confirm=yes); the world's signed record is not
    # confidential, so withholding it is refused with a message (302).
    "decisions:withhold": {
        "GET": "LOG  302  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
        "POST": "LOG  302  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    # Outside sign-in and two-factor; the matrix's world runs no worker, so never ready.
    "health_live": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "health_ready": {
        "GET": "503  503  503  503  503  503  503  503  503  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "login": {
        "GET": "200  302  302  2FA  2FA  302  2FA  302  2FA  302  302  302  302",
        "POST": "200  302  302  2FA  2FA  302  2FA  302  2FA  302  302  302  302",
    },
    "logout": {
        "GET": "LOG  405  405  405  405  405  405  405  405  -    -    -    -",
        "POST": "LOG  LOG  LOG  LOG  LOG  LOG  LOG  LOG  LOG  -    -    -    -",
    },
    "notifications:preferences": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
    },
    "organisation": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  200  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  403  200  403",
    },
    # The office's logo, public like the statement it is on.
    "organisation_logo": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "toolkit:action_create": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    "toolkit:action_detail": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "toolkit:action_edit": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    "toolkit:action_list": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "toolkit:assessment_edit": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    "toolkit:audit_pack": {
        "GET": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
        "POST": "LOG  302  302  2FA  2FA  302  2FA  403  2FA  302  302  302  403",
    },
    "toolkit:dashboard": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "toolkit:evidence_create": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    "toolkit:evidence_detail": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "toolkit:evidence_download": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "toolkit:evidence_edit": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    "toolkit:evidence_list": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "toolkit:export_detail": {
        "GET": "LOG  404  404  2FA  2FA  200  2FA  403  2FA  404  404  404  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "toolkit:export_download": {
        "GET": "LOG  404  404  2FA  2FA  200  2FA  403  2FA  404  404  404  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "toolkit:guidance_create": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "toolkit:period_detail": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "toolkit:period_export": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "toolkit:period_list": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    # Before sign-off the PDF is made in the background: the address renders nothing and
    # sends the visitor to the period page's button (or the job); signed, it is the copy.
    "toolkit:period_pdf": {
        "GET": "LOG  302  302  2FA  2FA  302  2FA  403  2FA  302  302  302  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "toolkit:period_reconfirm": {
        "GET": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
        "POST": "LOG  302  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    "toolkit:period_start": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    # The annual report's narratives: whoever edits the assessments (an empty POST saves
    # nothing and goes back to the period).
    "toolkit:report_narrative": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
        "POST": "LOG  302  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    "toolkit:section_detail": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "toolkit:section_list": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    # The annual-review PDF (toolkit/reports): anyone who may export the period asks for it
    # (POST, 303 to the job) and sees and downloads anyone's job of that period.
    "reports:request": {
        "GET": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
        "POST": "LOG  302  302  2FA  2FA  302  2FA  403  2FA  302  302  302  403",
    },
    "reports:job_detail": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "reports:job_download": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    # Public versions of signed-off periods, for everyone (tests/reports: never another one).
    "reports:public_list": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "reports:public_pdf": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    # Meetings, the forward plan and the publication scheme (decisions/meetings): officers and
    # the Chief Executive keep them, everyone with a role reads them; starting a draft from the
    # plan is the officer's (who creates decisions); making a paper toolkit evidence also needs
    # toolkit.add_evidence (officers). Addresses of the scheme: the Chief Executive and
    # administrators. The public pages, files and a public meeting's paper are open to all.
    "meetings:attendee_add": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "meetings:attendee_remove": {
        "GET": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
        "POST": "LOG  302  403  2FA  2FA  403  2FA  403  2FA  302  403  403  403",
    },
    "meetings:board_create": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "meetings:board_edit": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "meetings:create": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "meetings:decision_link": {
        "GET": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "meetings:decision_unlink": {
        "GET": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
        "POST": "LOG  302  403  2FA  2FA  403  2FA  403  2FA  302  403  403  403",
    },
    "meetings:detail": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "meetings:document_add": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "meetings:document_download": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "meetings:document_evidence": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    "meetings:document_remove": {
        "GET": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
        "POST": "LOG  302  403  2FA  2FA  403  2FA  403  2FA  302  403  403  403",
    },
    "meetings:edit": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "meetings:item_add": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "meetings:item_edit": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "meetings:item_remove": {
        "GET": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
        "POST": "LOG  302  403  2FA  2FA  403  2FA  403  2FA  302  403  403  403",
    },
    "meetings:link_edit": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  403  200  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  302  403  302  403",
    },
    "meetings:link_list": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  403  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "meetings:list": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "meetings:plan_create": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "meetings:plan_edit": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "meetings:plan_list": {
        "GET": "LOG  200  200  2FA  2FA  200  2FA  403  2FA  200  200  200  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "meetings:plan_start_draft": {
        "GET": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
        "POST": "LOG  302  403  2FA  2FA  403  2FA  403  2FA  403  403  403  403",
    },
    "meetings:public_agenda_items_csv": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "meetings:public_agenda_items_json": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "meetings:public_detail": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "meetings:public_document_download": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "meetings:public_forward_plan": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "meetings:public_forward_plan_csv": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "meetings:public_forward_plan_json": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "meetings:public_list": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "meetings:public_meetings_csv": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "meetings:public_meetings_json": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "meetings:publication_scheme": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    # Register of interests (decisions/interests): the Chief Executive keeps it, auditors
    # read it, each holder (here the Commissioner) keeps and alone confirms their own; the
    # public pages and open data are open to everyone.
    "interests:confirm": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  200  403  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  403  200  403  403",
    },
    "interests:confirmed": {
        "GET": "LOG  403  403  2FA  2FA  200  2FA  403  2FA  200  200  403  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "interests:gift_create": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  200  403  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  200  403  403",
    },
    "interests:gift_edit": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  200  403  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  200  403  403",
    },
    "interests:holder_create": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "interests:holder_detail": {
        "GET": "LOG  403  403  2FA  2FA  200  2FA  403  2FA  200  200  403  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "interests:holder_edit": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "interests:holder_list": {
        "GET": "LOG  403  403  2FA  2FA  200  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "interests:interest_create": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  200  403  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  200  403  403",
    },
    "interests:interest_edit": {
        "GET": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  200  403  403",
        "POST": "LOG  403  403  2FA  2FA  403  2FA  403  2FA  200  200  403  403",
    },
    "interests:my_register": {
        "GET": "LOG  404  404  2FA  2FA  404  2FA  404  2FA  404  302  404  404",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "interests:public_gifts": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "interests:public_gifts_csv": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "interests:public_gifts_json": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "interests:public_person": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "interests:public_register": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "interests:public_register_csv": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "interests:public_register_json": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "interests:public_version": {
        "GET": "200  200  200  200  200  200  200  200  200  -    -    -    -",
        "POST": "405  405  405  405  405  405  405  405  405  -    -    -    -",
    },
    "training:certificate_download": {
        "GET": "LOG  200  403  2FA  2FA  200  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "training:completion_create": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "training:course_create": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "training:course_edit": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "training:course_list": {
        "GET": "LOG  200  403  2FA  2FA  200  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "training:import": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "training:import_confirm": {
        "GET": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
        "POST": "LOG  302  403  2FA  2FA  403  2FA  403  2FA  302  403  403  403",
    },
    "training:overview": {
        "GET": "LOG  200  403  2FA  2FA  200  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "training:person_create": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "training:person_detail": {
        "GET": "LOG  200  403  2FA  2FA  200  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "training:person_edit": {
        "GET": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  200  403  2FA  2FA  403  2FA  403  2FA  200  403  403  403",
    },
    "training:person_list": {
        "GET": "LOG  200  403  2FA  2FA  200  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
    "training:register_export": {
        "GET": "LOG  200  403  2FA  2FA  200  2FA  403  2FA  200  403  403  403",
        "POST": "LOG  405  405  2FA  2FA  405  2FA  405  2FA  405  405  405  405",
    },
}


def pattern_names() -> list[str]:
    """Every named URL pattern of the project, recursing into includes."""

    def walk(resolver, namespace):
        for item in resolver.url_patterns:
            if isinstance(item, URLResolver):
                inner = ":".join(part for part in (namespace, item.namespace) if part)
                yield from walk(item, inner)
            elif isinstance(item, URLPattern):
                yield f"{namespace}:{item.name}" if namespace else str(item.name)

    names = []
    for name in walk(get_resolver(), ""):
        if name.startswith("admin:") and name not in ADMIN_COVERED:
            continue
        names.append(name)
    return sorted(set(names))


def test_every_pattern_is_named_and_in_the_matrix():
    names = pattern_names()
    assert "None" not in names and not any(n.endswith(":None") for n in names)
    if not os.environ.get("MATRIX_DUMP"):
        assert sorted(MATRIX) == names, "add a MATRIX row for each new URL"


# --- The records the URLs name ----------------------------------------------------------------


class World:
    """The visitors and the records URL arguments point at, built once for the module."""

    def __init__(self, personas):
        self.personas = personas
        self.period = self._period()
        self.decisions = {state: self._decision(state) for state in (*STEPS, "deferred")}
        self.evidence = self._evidence()
        self.action = self._action()
        self.export_job = self._export_job()
        self.report_job = self._report_job()
        self.public_report = self._public_report()
        self.import_job = self._import_job()
        self.logo = self._logo()
        self.training = training_world(personas["officer"])
        for role in VERIFIED:
            confirmed_device(personas[role])
        self.clients = self._clients()

    def decision(self, state: str):
        return self.decisions[state]

    def _period(self):
        call_command("seed_toolkit", verbosity=0, stdout=io.StringIO())
        today = timezone.localdate()
        year = today.year if today.month >= 4 else today.year - 1
        return review_period_create(
            actor=self.personas["officer"],
            label=f"{year}/{str(year + 1)[-2:]}",
            start_date=date(year, 4, 1),
            end_date=date(year + 1, 3, 31),
            edition=ToolkitEdition.objects.get(code="2024"),
        )

    def _decision(self, state: str):
        decision = make_draft(self.personas, title=f"Decision {state}")
        complete_sections(decision, actor=self.personas["officer"])
        upload, info = pdf_upload()
        decision_services.appendix_add(
            actor=self.personas["officer"],
            decision=decision,
            title="Appendix A",
            upload=upload,
            upload_info=info,
        )
        if state != "deferred":
            return advance(decision, self.personas, state)
        advance(decision, self.personas, "awaiting_signature")
        decision_services.decision_defer(
            actor=self.personas["commissioner"], decision=decision, reason="More data."
        )
        decision.refresh_from_db()
        return decision

    def _evidence(self):
        file = upload("board-minutes.pdf", pdf_bytes())
        return toolkit_services.evidence_create(
            actor=self.personas["officer"],
            title="Partnership board minutes",
            kind="minutes",
            effective_date=self.period.start_date,
            review_by=self.period.end_date,
            sections=[self.section],
            upload=file,
            upload_info=validate_upload(file),
        )

    @property
    def section(self):
        return Section.objects.get(edition=self.period.edition, number=1)

    def _action(self):
        return toolkit_services.action_create(
            actor=self.personas["officer"],
            period=self.period,
            title="Refresh the board's terms of reference",
            section=self.section,
            owner=self.personas["officer"],
            due_date=self.period.end_date,
        )

    def _export_job(self):
        """A finished audit pack, asked for by the auditor (others get 404: not theirs)."""
        job = ExportJob.objects.create(
            kind=ExportJob.Kind.AUDIT_PACK,
            period=self.period,
            requested_by=self.personas["auditor"],
            status=ExportJob.Status.READY,
            filename="audit-pack.zip",
        )
        job.file.save("audit-pack.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
        return job

    def _report_job(self):
        """A finished annual-review PDF of another content than the period's own today."""
        from toolkit.reports.models import ReportJob

        job = ReportJob.objects.create(
            period=self.period,
            variant=ReportJob.Variant.INTERNAL,
            content_key="0" * 64,
            status=ReportJob.Status.READY,
            sha256="0" * 64,
            requested_by=self.personas["auditor"],
            file="reports/matrix.pdf",
        )
        job.file.save("matrix.pdf", ContentFile(b"%PDF-1.7 matrix"))
        return job

    def _public_report(self):
        """A period signed off years ago, with its public version made (open to everyone)."""
        from toolkit.models import ReviewPeriod
        from toolkit.reports.models import ReportJob

        year = self.period.year - 5
        period = ReviewPeriod.objects.create(
            label=f"{year}/{str(year + 1)[-2:]}",
            start_date=date(year, 4, 1),
            end_date=date(year + 1, 3, 31),
            edition=self.period.edition,
            status=ReviewPeriod.Status.SIGNED_OFF,
            signed_off_at=timezone.now(),
        )
        job = ReportJob.objects.create(
            period=period,
            variant=ReportJob.Variant.PUBLIC,
            final=True,
            content_key="1" * 64,
            status=ReportJob.Status.READY,
            sha256="1" * 64,
            file="reports/public.pdf",
            finished_at=timezone.now(),
        )
        job.file.save("public.pdf", ContentFile(b"%PDF-1.7 public"))
        return job

    def _logo(self):
        """The office's logo (prevent_compliance/branding.py), so its public view has one."""
        from prevent_compliance.branding import validate_logo
        from prevent_compliance.services import organisation_update

        svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><rect width="9"/></svg>'
        return organisation_update(
            actor=self.personas["administrator"],
            profile=get_organisation(),
            logo=validate_logo(upload("logo.svg", svg)),
        )

    def _import_job(self):
        """A finished decision log import, made by the administrator (others: not theirs)."""
        from decisions.models import DecisionImport

        return DecisionImport.objects.create(
            status=DecisionImport.Status.DONE,
            original_filename="log.csv",
            kind="csv",
            file_size=10,
            sha256="0" * 64,
            requested_by=self.personas["administrator"],
            preview=[{"row": 2, "reference": "X-1", "register": "", "title": "T"}],
        )

    def _clients(self) -> dict[str, Client]:
        """One client per visitor, signed in once (the verified ones with a confirmed code)."""
        clients = {"anonymous": Client()}
        for actor in ACTORS[1:]:
            role, _, verified = actor.partition("+")
            clients[actor] = Client()
            if verified:
                sign_in_verified(clients[actor], self.personas[role])
            else:
                clients[actor].force_login(self.personas[role])
        return clients


class _Undo(Exception):
    pass


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once in a transaction that is rolled back when the module ends; each test (and
    each request in it) runs in a savepoint inside it."""
    media = tmp_path_factory.mktemp("matrix-media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=fast),
    ):
        try:
            with transaction.atomic():
                get_organisation()
                personas = {
                    name: _make_user(get_user_model(), username, role)
                    for name, username, role in PERSONAS
                }
                personas["administrator"].is_staff = True
                personas["administrator"].save()
                personas["superuser"].is_staff = personas["superuser"].is_superuser = True
                personas["superuser"].save()
                yield World(personas)
                raise _Undo
        except _Undo:
            pass


@pytest.fixture(autouse=True)
def _isolated(world, settings):
    """Replaces tests/conftest.py's: the module's records keep their files in one folder."""
    settings.MEDIA_ROOT = world.export_job.file.storage.location
    cache.clear()


def _ref(state):
    return lambda world: {"reference": world.decision(state).reference}


def _appendix(state):
    def kwargs(world):
        decision = world.decision(state)
        return {
            "reference": decision.reference,
            "public_id": decision.appendices.get().public_id,
        }

    return kwargs


def _waiting_grant(world):
    """A signing role for the officer, proposed by the superuser: a second administrator's to
    confirm or cancel."""
    from django.contrib.auth.models import Group

    from prevent_compliance.models import RoleGrant

    grant, _ = RoleGrant.objects.get_or_create(
        account=world.personas["officer"],
        role=Group.objects.get(name=Role.COMMISSIONER.value),
        status=RoleGrant.Status.PENDING,
        defaults={"proposed_by": world.personas["superuser"]},
    )
    return {"public_id": grant.public_id}


def _interests(world):
    """The Commissioner's register (made with the persona) with one entry and one offer,
    made again in each test's savepoint when an earlier test's rollback took them away."""
    from decisions.interests.models import Gift, Holder, Interest

    holder = Holder.objects.get(user=world.personas["commissioner"])
    entry, _ = Interest.objects.get_or_create(
        holder=holder,
        description="Trustee.",
        defaults={"category": "other", "start_date": date(2024, 1, 1)},
    )
    gift, _ = Gift.objects.get_or_create(
        holder=holder,
        giver="Acme",
        defaults={
            "offered_on": date(2025, 1, 1),
            "description": "Pen.",
            "value": 60,
            "outcome": Gift.Outcome.ACCEPTED,
            "reason": "Courtesy.",
            "recorded_by": world.personas["chief_executive"],
        },
    )
    return holder, entry, gift


def _holder_kwargs(world):
    return {"slug": _interests(world)[0].slug}


def _version_kwargs(world):
    holder = _interests(world)[0]
    return {"slug": holder.slug, "number": holder.confirmations.latest().number}


# An e-mailed link's shape with a token that was never made: gone (410) for everyone.
FORGED_LINK = {"uidb64": "MQ", "token": "c9x1lk-0123456789abcdef"}

# The URL arguments for each pattern with any.
KWARGS = {
    "accounts:password_reset_confirm": lambda w: FORGED_LINK,
    "accounts:invitation": lambda w: FORGED_LINK,
    "users:detail": lambda w: {"username": "officer"},
    "users:roles": lambda w: {"username": "officer"},
    "users:deactivate": lambda w: {"username": "officer"},
    "users:reactivate": lambda w: {"username": "officer"},
    "users:reset_two_factor": lambda w: {"username": "officer"},
    "users:invitation_resend": lambda w: {"username": "officer"},
    "users:grant_confirm": _waiting_grant,
    "users:grant_cancel": _waiting_grant,
    "audit:history": lambda w: {"key": "evidence", "identifier": str(w.evidence.public_id)},
    "decisions:public_pdf": _ref("public"),
    "decisions:public_detail": _ref("public"),
    "decisions:public_appendix_download": _appendix("public"),
    "decisions:pdf": _ref("draft"),
    "decisions:detail": _ref("draft"),
    "decisions:edit": _ref("draft"),
    "decisions:sections": _ref("draft"),
    "decisions:appendix_add": _ref("draft"),
    "decisions:appendix_remove": _appendix("draft"),
    "decisions:appendix_download": _appendix("draft"),
    "decisions:submit": _ref("draft"),
    "decisions:withdraw": _ref("draft"),
    "decisions:comment_treasurer": _ref("consultation"),
    "decisions:comment_chief_executive": _ref("consultation"),
    "decisions:approve": _ref("awaiting_approval"),
    "decisions:return": _ref("awaiting_approval"),
    "decisions:sign": _ref("awaiting_signature"),
    "decisions:defer": _ref("awaiting_signature"),
    "decisions:publish": _ref("signed"),
    "decisions:withhold": _ref("signed"),
    "decisions:not_publish": _ref("signed"),
    "decisions:release": _ref("public"),
    "decisions:resume": _ref("deferred"),
    "decisions:annual_review_submit": lambda w: {"year": w.period.year},
    "toolkit:section_detail": lambda w: {"number": 1},
    "toolkit:assessment_edit": lambda w: {"number": 1},
    "toolkit:evidence_detail": lambda w: {"public_id": w.evidence.public_id},
    "toolkit:evidence_edit": lambda w: {"public_id": w.evidence.public_id},
    "toolkit:evidence_download": lambda w: {"public_id": w.evidence.public_id},
    "toolkit:action_detail": lambda w: {"public_id": w.action.public_id},
    "toolkit:action_edit": lambda w: {"public_id": w.action.public_id},
    "toolkit:period_detail": lambda w: {"year": w.period.year},
    "toolkit:period_reconfirm": lambda w: {"year": w.period.year},
    "toolkit:report_narrative": lambda w: {"year": w.period.year},
    "toolkit:period_pdf": lambda w: {"year": w.period.year},
    "toolkit:period_export": lambda w: {
        "year": w.period.year,
        "register": "evidence",
        "fmt": "csv",
    },
    "toolkit:audit_pack": lambda w: {"year": w.period.year},
    "toolkit:export_detail": lambda w: {"public_id": w.export_job.public_id},
    "toolkit:export_download": lambda w: {"public_id": w.export_job.public_id},
    "reports:request": lambda w: {"year": w.period.year, "variant": "internal"},
    "reports:job_detail": lambda w: {"year": w.period.year, "public_id": w.report_job.public_id},
    "reports:job_download": lambda w: {"year": w.period.year, "public_id": w.report_job.public_id},
    "reports:public_pdf": lambda w: {"year": w.public_report.period.year},
    "decisions:import_detail": lambda w: {"public_id": w.import_job.public_id},
    "decisions:import_confirm": lambda w: {"public_id": w.import_job.public_id},
    "decisions:import_report": lambda w: {"public_id": w.import_job.public_id},
    "training:person_detail": lambda w: {"public_id": w.training["ada"].public_id},
    "training:person_edit": lambda w: {"public_id": w.training["ada"].public_id},
    "training:course_edit": lambda w: {"public_id": w.training["awareness"].public_id},
    "training:certificate_download": lambda w: {"public_id": w.training["completion"].public_id},
    "interests:public_person": _holder_kwargs,
    "interests:public_version": _version_kwargs,
    "interests:holder_detail": _holder_kwargs,
    "interests:holder_edit": _holder_kwargs,
    "interests:confirm": _holder_kwargs,
    "interests:confirmed": _version_kwargs,
    "interests:interest_create": _holder_kwargs,
    "interests:gift_create": _holder_kwargs,
    "interests:interest_edit": lambda w: {
        **_holder_kwargs(w),
        "public_id": _interests(w)[1].public_id,
    },
    "interests:gift_edit": lambda w: {**_holder_kwargs(w), "public_id": _interests(w)[2].public_id},
}
# Meetings, the forward plan and the publication scheme (tests/meetings/matrix.py).
KWARGS.update(meetings_matrix.KWARGS)
# --- Checking one request ---------------------------------------------------------------------


def _counted_tables() -> list[str]:
    """Every table of every model (records, history, users, devices, tasks), except the
    session and lockout tables, which a request may rightly write."""
    skip = {"sessions", "axes"}
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.app_label not in skip and model._meta.managed
    )


def _row_counts(tables: list[str]) -> dict[str, int]:
    quote = connection.ops.quote_name
    # Table names from the models, quoted: nothing here comes from a request.
    counts = ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables)  # noqa: S608
    sql = f"SELECT {counts}"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _outcome(response) -> str:
    if response.status_code in (301, 302, 303):
        location = response["Location"]
        if location.startswith(reverse("login")):
            return "LOG"
        if location.startswith(("/accounts/two-factor/verify/", "/accounts/two-factor/set-up/")):
            return "2FA"
        return "302"
    return str(response.status_code)


def _request_undone(client, method: str, url: str, tables: list[str]):
    """The response and the row counts before and after, with every change rolled back."""
    cookies = copy.deepcopy(client.cookies)  # signing out must not last
    before = _row_counts(tables)
    try:
        with transaction.atomic():
            response = client.generic(method, url)
            after = _row_counts(tables)
            raise _Undo
    except _Undo:
        pass
    client.cookies = cookies
    return response, before, after


@pytest.fixture
def stub_pdfs(monkeypatch):
    """The matrix checks who gets a PDF, not how it looks (tests/test_pdf_accessibility.py
    does): skip WeasyPrint, keep the template rendering."""
    monkeypatch.setattr(
        "prevent_compliance.pdf.html_to_pdf", lambda html: b"%PDF-1.7 " + html.encode()[:64]
    )


@pytest.mark.parametrize("name", pattern_names())
def test_permission_matrix(name, world, db, stub_pdfs):
    assert name in MATRIX or os.environ.get("MATRIX_DUMP"), (
        f"{name} has no MATRIX row: decide who may use it (MATRIX_DUMP=<file> shows what "
        "happens now) and add the row"
    )
    clients = world.clients
    url = reverse(name, kwargs=KWARGS[name](world) if name in KWARGS else None)
    tables = _counted_tables()
    observed, problems = {}, []
    for method in ("GET", "POST"):
        row = {}
        for actor in ACTORS:
            role, _, verified = actor.partition("+")
            if verified and row[role] != "2FA":
                # A code confirmed in the session matters only where it was asked for.
                row[actor] = "-"
                continue
            response, before, after = _request_undone(clients[actor], method, url, tables)
            outcome = row[actor] = _outcome(response)
            cache_control = {v.strip() for v in response.get("Cache-Control", "").split(",")}
            stored = "no-store" not in cache_control or "public" in cache_control
            if actor != "anonymous" and name not in SHARED_FOR_EVERYONE and stored:
                problems.append(f"{method} as {actor}: Cache-Control {cache_control or 'none'}")
            writes = not (method == "POST" and outcome in ("200", "302"))
            changed = {
                t: (before[t], after[t])
                for t in tables
                if before[t] != after[t] and t not in MAY_WRITE.get(name, ())
            }
            if writes and changed:
                problems.append(f"{method} as {actor} ({outcome}) changed rows: {changed}")
            if method == "POST" and outcome == "200" and changed:
                problems.append(f"POST as {actor} with empty data changed rows: {changed}")
        observed[method] = " ".join(f"{o:<4}" for o in row.values()).rstrip()
    if dump := os.environ.get("MATRIX_DUMP"):
        with open(dump, "a") as out:
            out.write(f'    "{name}": {{\n        "GET": "{observed["GET"]}",\n')
            out.write(f'        "POST": "{observed["POST"]}",\n    }},\n')
        assert not problems, "\n".join(problems)
        return
    for method in ("GET", "POST"):
        got, want = observed[method].split(), MATRIX[name][method].split()
        if got != want:
            diffs = [
                f"{actor}: expected {w}, got {g}"
                for actor, g, w in zip(ACTORS, got, want, strict=True)
                if g != w
            ]
            problems.append(f"{method} {url}: " + "; ".join(diffs))
    assert not problems, "\n".join(problems)


# --- CSRF ---------------------------------------------------------------------------------------


def test_csrf_is_enforced_on_a_post(world, db):
    """The matrix's clients skip CSRF checks; a POST without the form's token is refused."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.personas["officer"])
    tables = _counted_tables()
    before = _row_counts(tables)
    data = {"title": "Forged", "summary": "Made on another site.", "lead_officer": "Mallory"}
    response = client.post(reverse("decisions:create"), data)
    assert response.status_code == 403
    assert _row_counts(tables) == before

    # With the token the form page gives, the same POST reaches the form (an error: no date).
    client.get(reverse("decisions:create"))
    data["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
    response = client.post(reverse("decisions:create"), data)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


def test_sign_in_post_without_token_is_refused(world, db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "officer", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


# --- Two-factor authentication for every role (TWO_FACTOR_ALL_ROLES) -------------------------

# Open before a code: the pages that make or take the code, sign-out, and sign-in itself.
OPEN_BEFORE_A_CODE = {"accounts:enrol", "accounts:verify", "logout", "login", "admin:login"}


def _staff_pages() -> list[str]:
    """Every pattern but those open before a code and the public ones (anonymous gets them)."""
    # 503: /healthz/ready, open to everyone but never ready in this world (no worker); 410:
    # an e-mailed password link, open to everyone, gone when it is not a real one.
    public = {
        n for n, row in MATRIX.items() if row["GET"].split()[0] in ("200", "405", "410", "503")
    }
    return [n for n in pattern_names() if n not in OPEN_BEFORE_A_CODE | public]


@pytest.mark.parametrize("name", _staff_pages())
def test_with_two_factor_for_all_roles_every_staff_page_asks_for_a_code(
    name, world, db, settings, stub_pdfs
):
    """With the setting on, an officer without an app and an auditor with one are sent to set
    one up or enter a code on every page that needs sign-in, for GET and POST alike."""
    settings.TWO_FACTOR_ALL_ROLES = True
    url = reverse(name, kwargs=KWARGS[name](world) if name in KWARGS else None)
    auditor = world.personas["auditor"]
    for user, page in (
        (world.personas["officer"], "/accounts/two-factor/set-up/"),
        (auditor, "/accounts/two-factor/verify/"),
    ):
        client = Client()
        client.force_login(user)
        for method in ("GET", "POST"):
            try:
                with transaction.atomic():
                    if page.endswith("verify/"):
                        confirmed_device(auditor)
                    response = client.generic(method, url)
                    raise _Undo
            except _Undo:
                pass
            assert response.status_code == 302, (method, user.username, response.status_code)
            assert response["Location"].startswith(page), (method, response["Location"])
