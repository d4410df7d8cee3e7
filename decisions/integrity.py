"""The content hash that seals a signed decision.

The snapshot is canonical JSON (sorted keys, fixed separators, UTF-8) of everything the
record says: header fields, summary, declaration, signature, comments, toolkit sections,
supporting sections and each appendix's own SHA-256. Workflow bookkeeping (status, who
commented when, publication time) is left out, so publishing a signed record does not
change its hash, while any edit to what was signed does.
"""

import hashlib
import json

from .models import Decision

HASH_VERSION = 1


def _date(value) -> str | None:
    return value.isoformat() if value else None


def content_snapshot(
    decision: Decision,
    *,
    sections: list[tuple] | None = None,
    appendices: list[tuple] | None = None,
    toolkit_numbers: list[int] | None = None,
) -> dict:
    """Everything the record says, as plain JSON-able values.

    Related rows are read from the database unless given (an import hashes a record before
    its sections are saved, then checks the stored copy gives the same hash).
    """
    if sections is None:
        sections = decision.supporting_sections.order_by("position").values_list(
            "position", "heading", "body", "withheld"
        )
    if appendices is None:
        appendices = decision.appendices.order_by("position").values_list(
            "position", "title", "original_filename", "file_size", "sha256", "withheld"
        )
    if toolkit_numbers is None:
        toolkit_numbers = decision.sections.values_list("number", flat=True)
    return {
        "version": HASH_VERSION,
        "reference": decision.reference,
        "title": decision.title,
        "lead_officer": decision.lead_officer,
        "chief_officer_approval": decision.chief_officer_approval,
        "chief_officer_approver": decision.chief_officer_approver,
        "chief_officer_approved_on": _date(decision.chief_officer_approved_on),
        "decision_date": _date(decision.decision_date),
        "confidentiality": decision.confidentiality,
        "foi_exemptions": sorted(decision.foi_exemptions),
        "withheld_parts": decision.withheld_parts,
        "summary": decision.summary,
        "interests_declared": decision.interests_declared,
        "signed_by": decision.signed_by.get_username() if decision.signed_by_id else None,
        "signatory_name": decision.signatory_name,
        "signed_on": _date(decision.signed_on),
        "treasurer_comments": decision.treasurer_comments,
        "chief_executive_comments": decision.chief_executive_comments,
        "toolkit_sections": sorted(toolkit_numbers),
        "supporting_sections": [
            {"number": n, "heading": h, "body": b, "withheld": w} for n, h, b, w in sections
        ],
        "appendices": [
            {"number": n, "title": t, "filename": f, "size": size, "sha256": sha, "withheld": w}
            for n, t, f, size, sha, w in appendices
        ],
    }


def canonical_json(snapshot: dict) -> bytes:
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def content_hash(decision: Decision, **given) -> str:
    """SHA-256 of the canonical snapshot, as 64 hex digits."""
    return hashlib.sha256(canonical_json(content_snapshot(decision, **given))).hexdigest()


def file_digest(field_file) -> str | None:
    """SHA-256 of a stored file, or None if it is missing."""
    sha = hashlib.sha256()
    try:
        with field_file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                sha.update(chunk)
    except (FileNotFoundError, OSError):
        return None
    return sha.hexdigest()
