"""About 2,000 evidence items a unit: a few through the service, the rest in bulk per period."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from prevent_compliance.roles import Role
from prevent_compliance.uploads import validate_upload
from toolkit import services as toolkit_services
from toolkit.models import Evidence, ReviewPeriod

from ..files import scale_file, tiny_pdf
from .common import REASON, SERVICE_RECORDS, Progress, Unit, history_ids, link_m2m, store_file

EVIDENCE_KINDS = [k for k, _ in Evidence.Kind.choices if k != "web_page"]


@dataclass
class PlannedEvidence:
    """An unsaved evidence item and the sections, criteria and periods it will be linked to."""

    evidence: Evidence
    sections: list
    criteria: list
    periods: list[ReviewPeriod]


def _through_service(unit: Unit, current: ReviewPeriod, sections) -> None:
    officer = unit.users[Role.OFFICER][0]
    for i in range(SERVICE_RECORDS):
        upload = SimpleUploadedFile(f"service-{i}.pdf", tiny_pdf(f"Service evidence {i}"))
        toolkit_services.evidence_create(
            actor=officer,
            title=f"Unit {unit.number} service evidence {i}",
            kind="policy",
            effective_date=current.start_date,
            review_by=current.end_date,
            sections=[sections[i]],
            upload=upload,
            upload_info=validate_upload(upload),
            periods=[current],
        )


def _dates(unit: Unit, period: ReviewPeriod, is_current: bool, today: date) -> tuple[date, date]:
    """(effective date, review-by date); the current period's reviews fall around today."""
    rng = unit.rng
    effective = period.start_date + timedelta(days=rng.randrange(0, 330))
    review_by = effective + timedelta(days=rng.choice([180, 365, 365, 540, 730]))
    if is_current:
        review_by = max(today + timedelta(days=rng.randrange(-60, 400)), effective)
    return effective, review_by


def _attach_file_or_link(unit: Unit, evidence: Evidence, period: ReviewPeriod, index: int, n: int):
    """Most items get a small stored file; the rest are links to a web page."""
    rng = unit.rng
    if rng.random() < 0.85:
        content, ext, ctype = scale_file(rng.choice(["pdf", "txt", "csv"]), evidence.title)
        evidence.file.name = store_file(f"evidence/{period.year}", content, ext)
        evidence.original_filename = f"record-{n}{ext}"
        evidence.content_type = ctype
        evidence.file_size = len(content)
        evidence.sha256 = hashlib.sha256(content).hexdigest()
    else:
        evidence.kind = Evidence.Kind.WEB_PAGE
        evidence.url = f"https://www.example.gov.uk/opcc/{unit.number}/{index}/{n}"


def _plan(unit: Unit, periods, index: int, n: int, sections, criteria, today) -> PlannedEvidence:
    rng = unit.rng
    period = periods[index]
    effective, review_by = _dates(unit, period, period is periods[-1], today)
    title = f"{rng.choice(EVIDENCE_KINDS).title()} record {unit.number}-{index}-{n}"
    chosen = rng.sample(sections, rng.choice([1, 1, 2]))
    evidence = Evidence(
        title=title,
        description="Generated evidence for the scale benchmark.",
        kind=rng.choice(EVIDENCE_KINDS),
        effective_date=effective,
        review_by=review_by,
        added_by=rng.choice(unit.users[Role.OFFICER]),
        version=1,
    )
    _attach_file_or_link(unit, evidence, period, index, n)
    later = [p for p in periods[index + 1 :] if review_by >= p.start_date][:1]
    crit = [rng.choice(criteria[chosen[0].pk])] if rng.random() < 0.7 else []
    return PlannedEvidence(evidence, chosen, crit, [period, *later])


def _write(planned: list[PlannedEvidence], author) -> None:
    created = bulk_create_with_history(
        [p.evidence for p in planned],
        Evidence,
        batch_size=500,
        default_user=author,
        default_change_reason=REASON,
    )
    history = history_ids(Evidence, [e.pk for e in created])
    pairs = list(zip(created, planned, strict=True))
    link_m2m(Evidence, "sections", [(e.pk, s.pk) for e, p in pairs for s in p.sections], history)
    link_m2m(Evidence, "criteria", [(e.pk, c.pk) for e, p in pairs for c in p.criteria], history)
    link_m2m(Evidence, "periods", [(e.pk, r.pk) for e, p in pairs for r in p.periods], history)


def add_evidence(unit: Unit, periods, sections, criteria, progress: Progress) -> None:
    """The unit's evidence spread evenly over the periods, linked to sections and criteria."""
    per_period = unit.sizes["evidence"] // len(periods)
    today = timezone.localdate()
    _through_service(unit, periods[-1], sections)
    for index, period in enumerate(periods):
        count = per_period - (SERVICE_RECORDS if period is periods[-1] else 0)
        planned = [_plan(unit, periods, index, n, sections, criteria, today) for n in range(count)]
        _write(planned, unit.users[Role.OFFICER][0])
        progress.step(f"unit {unit.number}: evidence {period.label}")
