"""PostgreSQL: an e-mailed link used from many tabs at once, and wrong codes posted at once."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_compliance.accounts import services
from prevent_compliance.accounts.forms import CodeForm
from prevent_compliance.accounts.tokens import reset_tokens
from prevent_compliance.accounts.two_factor import CODE_TRIES
from prevent_compliance.models import AccountEvent
from tests.prevent_compliance.two_factor import confirmed_device, current_code

THREADS = 12

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Row locks (SELECT … FOR UPDATE) need PostgreSQL; SQLite runs one writer at a time.",
)
pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_together(worker, count: int):
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def run(i):
        try:
            barrier.wait(timeout=30)
            results[i] = worker(i)
        except Exception as exc:  # reported by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def test_one_link_sets_one_password_however_many_tabs_post_it(roles_present, officer):
    token = reset_tokens.make_token(officer)

    def use(i):
        services.password_set_from_link(
            account=type(officer).objects.get(pk=officer.pk),
            kind="reset",
            token=token,
            new_password=f"tab-{i}-long-enough-password",
        )
        return i

    results, errors = _run_together(use, THREADS)
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert len(errors) == THREADS - 1 and all(isinstance(e, ValidationError) for e in errors)
    officer.refresh_from_db()
    assert officer.check_password(f"tab-{winners[0]}-long-enough-password")
    assert AccountEvent.objects.filter(account=officer, kind="password_changed").count() == 1


def test_wrong_codes_posted_at_once_are_all_counted(roles_present, commissioner):
    device = confirmed_device(commissioner)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    now = totp.t()
    # Codes that are wrong in every time step the device accepts (its tolerance around now).
    valid = set()
    for step in range(now - device.tolerance - 1, now + device.tolerance + 2):
        totp.time = step * device.step + device.t0
        valid.add(totp.token())
    guesses = [n for n in range(THREADS + len(valid)) if n not in valid][:THREADS]

    def guess(i):
        form = CodeForm(
            {"code": f"{guesses[i]:06d}"},
            device=TOTPDevice.objects.get(pk=device.pk),
            submit_label="Continue",
        )
        return form.is_valid()

    results, errors = _run_together(guess, THREADS)
    assert errors == [] and not any(results)
    device.refresh_from_db()
    # Each guess was checked after the one before had been counted: only CODE_TRIES were
    # checked at all, the rest were told to wait.
    assert device.throttling_failure_count == CODE_TRIES
    form = CodeForm({"code": current_code(device)}, device=device, submit_label="Continue")
    assert not form.is_valid() and "Wait 5 minutes" in str(form.errors)
