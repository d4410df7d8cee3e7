"""Helpers for toolkit tests: reading form pages, the media folder, and building POST data."""

import html
import re
from datetime import timedelta
from pathlib import Path

from django.conf import settings

from toolkit.models import Action


def error_summary(response) -> str:
    """The text of the GOV.UK error summary at the top of a form page ('' if there is none)."""
    content = response.content.decode()
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', content, re.S)
    if not match:
        return ""
    text = re.sub(r"<[^>]+>", " ", match.group(0))
    return " ".join(html.unescape(text).split())


def stored_files() -> list[Path]:
    """Every file under MEDIA_ROOT (each test has its own, empty, media folder)."""
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def date_fields(name: str, value) -> dict:
    """POST data for a GOV.UK day/month/year date input."""
    if value is None:
        return {f"{name}_0": "", f"{name}_1": "", f"{name}_2": ""}
    return {f"{name}_0": value.day, f"{name}_1": value.month, f"{name}_2": value.year}


def evidence_post(*, sections, today, **overrides) -> dict:
    """A valid evidence form submission (without the file or URL unless given)."""
    data = {
        "title": "Channel panel assurance letter",
        "description": "Letter confirming the panel meets monthly.",
        "kind": "correspondence",
        "url": "",
        "marking": "OFFICIAL",
        "sections": [s.pk for s in sections],
        **date_fields("effective_date", today - timedelta(days=10)),
        **date_fields("review_by", today + timedelta(days=365)),
    }
    for key, value in overrides.items():
        if key in ("effective_date", "review_by"):
            data.update(date_fields(key, value))
        else:
            data[key] = value
    return data


def action_post(*, section, owner, today, **overrides) -> dict:
    data = {
        "title": "Brief partners on the new CTLP",
        "description": "Share the local profile with the partnership board.",
        "section": section.pk,
        "criterion": "",
        "owner": owner.pk,
        "priority": Action.Priority.HIGH,
        "status": Action.Status.OPEN,
        "progress_notes": "",
        **date_fields("due_date", today + timedelta(days=30)),
        **date_fields("completed_on", None),
    }
    for key, value in overrides.items():
        if key in ("due_date", "completed_on"):
            data.update(date_fields(key, value))
        else:
            data[key] = value
    return data


def multipart_body(data: dict, *, field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    """A multipart form body sending the file name exactly as given.

    Django's test client strips folders from file names before sending them, so a hostile
    name like ``../../etc/passwd.pdf`` has to be written by hand.
    """
    boundary = "----PreventComplianceTestBoundary"
    lines: list[bytes] = []
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            lines += [
                f"--{boundary}".encode(),
                f'Content-Disposition: form-data; name="{key}"'.encode(),
                b"",
                str(item).encode(),
            ]
    lines += [
        f"--{boundary}".encode(),
        f'Content-Disposition: form-data; name="{field}"; filename="{filename}"'.encode(),
        b"Content-Type: application/pdf",
        b"",
        content,
        f"--{boundary}--".encode(),
        b"",
    ]
    return b"\r\n".join(lines), f"multipart/form-data; boundary={boundary}"


def assessment_form_data(
    assessment, *, default="met", rating=None, justification="", narrative="", **by_criterion
) -> dict:
    """POST data for the assessment form: every criterion rated ``default`` unless given as
    ``c<number>="…"``; the proposed section rating unless ``rating`` overrides it."""
    data = {"version": assessment.version, "narrative": narrative}
    for criterion in assessment.section.criteria.all():
        prefix = f"criterion_{criterion.number}"
        data[f"{prefix}_rating"] = by_criterion.get(f"c{criterion.number}", default)
        data[f"{prefix}_reason"] = ""
        data[f"{prefix}_note"] = ""
    if rating is None:
        data["accept"] = "proposed"
    else:
        data |= {"accept": "override", "rating": rating, "override_justification": justification}
    return data


def rate_section(*, actor, assessment, rating, narrative, **kwargs):
    """Rate a section through ``services.assessment_update`` as tests that care only about
    the section's rating need: its criteria are rated to match (partly met: the first
    partly met, the rest met), and a justification covers a rating the criteria cannot
    propose (it is dropped when the rating is the proposed one). The "must" rules still
    apply: a section with a "must" criterion is Met only with in-date evidence."""
    from toolkit import services
    from toolkit.models import CriterionAssessment

    rows = CriterionAssessment.objects.filter(
        period_id=assessment.period_id, criterion__section_id=assessment.section_id
    ).select_related("criterion")
    criteria = {}
    for index, row in enumerate(rows.order_by("criterion__number")):
        if rating in ("met", "exceeding"):
            value = services.CriterionInput(rating="met")
        elif rating == "partly_met":
            value = services.CriterionInput(rating="partly_met" if index == 0 else "met")
        elif rating == "not_met":
            value = services.CriterionInput(rating="not_met")
        elif rating == "not_applicable" and not row.criterion.is_must:
            value = services.CriterionInput(rating="not_applicable", reason="Not for this test.")
        else:
            continue
        criteria[row.criterion_id] = value
    kwargs.setdefault("criteria", criteria)
    kwargs.setdefault("override_justification", "Rated as the test needs.")
    return services.assessment_update(
        actor=actor, assessment=assessment, rating=rating, narrative=narrative, **kwargs
    )
