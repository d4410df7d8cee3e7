"""Development data (prevent_compliance/devdata): out of the wheel, and each scale state right."""

import ast
import io
import sys
import tomllib
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from setuptools import find_packages

from decisions.models import Decision
from prevent_compliance.devdata import scale

ROOT = Path(__file__).resolve().parents[2]
Status = Decision.Status


def test_the_wheel_leaves_out_the_development_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    shipped = set(find_packages(where=ROOT, **config["packages"]["find"]))
    # With package data taken from the manifest, a stale egg-info in a checkout put the
    # excluded package back into the wheel as data files.
    assert config["include-package-data"] is False
    assert "prevent_compliance.devdata" not in shipped
    assert "prevent_compliance.devdata.scale" not in shipped
    assert {
        "prevent_compliance",
        "prevent_compliance.management",
        "toolkit",
        "decisions",
    } <= shipped


def _product_modules():
    for app in ("prevent_compliance", "toolkit", "decisions"):
        for path in (ROOT / app).rglob("*.py"):
            if "devdata" not in path.relative_to(ROOT).parts:
                yield path


def test_product_code_never_imports_the_development_data():
    """Only the management commands reach it, lazily, through import_devdata."""
    offenders = []
    for path in _product_modules():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            if any(name.startswith("prevent_compliance.devdata") for name in names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize(
    ("command", "module", "options"),
    [
        ("load_demo", "toolkit_demo", {}),
        ("generate_scale_data", "scale", {"factor": 1}),
    ],
)
def test_commands_refuse_clearly_when_the_development_data_is_not_installed(
    db, settings, monkeypatch, command, module, options
):
    settings.DEBUG = True
    # As in an installed wheel: the package cannot be imported.
    monkeypatch.setitem(sys.modules, "prevent_compliance.devdata", None)
    monkeypatch.setitem(sys.modules, f"prevent_compliance.devdata.{module}", None)
    with pytest.raises(CommandError, match=r"needs the development data .* not installed"):
        call_command(command, stdout=io.StringIO(), **options)


@pytest.fixture
def scale_data(toolkit):
    """One unit with enough decisions a year for every workflow state to occur."""
    scale.generate(1, stream=io.StringIO(), sizes={"evidence": 30, "actions": 30, "decisions": 400})
    return Decision.objects.exclude(title__contains="through the workflow")


def test_scale_decisions_occur_in_every_workflow_state(scale_data):
    # "Not published" (a signed record the office chose not to publish) is not generated yet.
    wanted = set(Status.values) - {Status.NOT_PUBLISHED}
    assert set(scale_data.values_list("status", flat=True)) == wanted


def test_each_scale_state_carries_what_its_workflow_step_records(scale_data):
    for decision in scale_data:
        state = decision.status
        commented = state in {
            Status.AWAITING_APPROVAL,
            Status.AWAITING_SIGNATURE,
            *Decision.SEALED_STATES,
        }
        approved = commented and state != Status.AWAITING_APPROVAL or state == Status.DEFERRED
        sealed = state in Decision.SEALED_STATES
        assert bool(decision.treasurer_comments) is commented, decision.reference
        assert bool(decision.chief_executive_commented_at) is commented, decision.reference
        assert bool(decision.approved_by_id) is approved, decision.reference
        assert bool(decision.signed_by_id and decision.content_hash) is sealed, decision.reference
        published = sealed and state != Status.SIGNED
        assert bool(decision.published_at) is published, decision.reference
        has_reason = state in {Status.DEFERRED, Status.WITHDRAWN}
        assert bool(decision.status_note) is has_reason, decision.reference
        if state == Status.WITHHELD:
            assert decision.confidentiality == Decision.Confidentiality.CONFIDENTIAL


def test_every_sealed_scale_record_verifies(scale_data):
    out = io.StringIO()
    call_command("verify_decisions", stdout=out, stderr=io.StringIO())
    sealed = Decision.objects.filter(status__in=Decision.SEALED_STATES).count()
    assert sealed > 0
    assert f"All {sealed} sealed decision record(s) match their seals." in out.getvalue()
