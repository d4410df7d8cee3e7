"""The seal on a signed decision: HMAC-SHA256 with a key that is not in the database.

What is sealed is canonical JSON (sorted keys, fixed separators, UTF-8) of everything the
record says (header, summary, declaration, signature, comments, toolkit sections, supporting
sections and each appendix's SHA-256) and of what the public may see of it: the status, the
confidentiality, the exemptions, the withheld flags of sections and appendices and the
publication time. A status change after signing (signed → published or withheld) is made by
a service that first checks the seal and then seals again, so a direct database edit of the
content or of the status is found by ``verify_decisions`` and the public log refuses to show
the record.

The keys come from the environment (``DECISION_SEAL_KEYS="v2:<key>,v1:<old key>"``, the first
seals, every one verifies), apart from ``SECRET_KEY``; each seal stores the version of its
key. Records sealed before keyed seals hold a plain SHA-256 of the version-1 snapshot
(``seal_key_version`` empty): they are never trusted, and ``reseal_decisions`` seals them
with the current key after checking that plain hash.

This module imports no models at load time: the settings module uses ``parse_seal_keys``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from .models import Decision

logger = logging.getLogger(__name__)

HASH_VERSION = 1  # the unkeyed snapshot of records sealed before keyed seals
SEAL_FORMAT = 2
LEGACY = ""  # seal_key_version of a record sealed with the unkeyed SHA-256

# Used only when DEBUG is on and DECISION_SEAL_KEYS is unset; refused with DEBUG off.
DEVELOPMENT_SEAL_KEYS = (
    "dev-not-secret:6a17f52ed738c077a82ca88ed82859362a590af84ba883979a9c46e482a54e69"
)
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
MIN_KEY_BYTES = 32


# --- Keys -----------------------------------------------------------------------------------


def _decode_key(material: str) -> bytes | None:
    if len(material) % 2 == 0 and _HEX.match(material):
        return bytes.fromhex(material)
    text = material.replace("-", "+").replace("_", "/")  # URL-safe base64 too
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def parse_seal_keys(
    text: str, *, secret_key: str = "", production: bool = False
) -> dict[str, bytes]:
    """``"v2:<hex or base64>,v1:<old>"`` as {version: key}, current first.

    Raises ImproperlyConfigured naming the fault (never the key).
    """
    keys: dict[str, bytes] = {}
    development = _decode_key(_split(DEVELOPMENT_SEAL_KEYS)[1])
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        version, material = _split(item)
        if not _VERSION.match(version) or not material:
            raise ImproperlyConfigured(
                "DECISION_SEAL_KEYS: write each key as VERSION:KEY, for example "
                "v1:<64 hex digits>, separated by commas."
            )
        if version in keys:
            raise ImproperlyConfigured(f"DECISION_SEAL_KEYS: key version {version} is given twice.")
        key = _decode_key(material)
        if key is None or len(key) < MIN_KEY_BYTES:
            raise ImproperlyConfigured(
                f"DECISION_SEAL_KEYS: the key of version {version} must be at least "
                f"{MIN_KEY_BYTES} random bytes written as hex or base64."
            )
        if secret_key and (material == secret_key or key == secret_key.encode()):
            raise ImproperlyConfigured(
                "DECISION_SEAL_KEYS must not reuse SECRET_KEY: generate a separate key."
            )
        if production and key == development:
            raise ImproperlyConfigured(
                "DECISION_SEAL_KEYS holds the development key, which is public: "
                "generate a real key for production."
            )
        keys[version] = key
    if not keys:
        raise ImproperlyConfigured("DECISION_SEAL_KEYS lists no key.")
    return keys


def _split(item: str) -> tuple[str, str]:
    version, _sep, material = item.partition(":")
    return version.strip(), material.strip()


@lru_cache(maxsize=8)
def _keys_for(text: str, secret_key: str) -> tuple[str, dict[str, bytes]]:
    keys = parse_seal_keys(text, secret_key=secret_key)
    return next(iter(keys)), keys


def seal_keys() -> tuple[str, dict[str, bytes]]:
    """(current version, {version: key}) from settings.DECISION_SEAL_KEYS."""
    text = getattr(settings, "DECISION_SEAL_KEYS", "")
    if not text:
        raise ImproperlyConfigured(
            "DECISION_SEAL_KEYS is not set: decision records cannot be sealed or verified."
        )
    return _keys_for(text, settings.SECRET_KEY)


def current_key_version() -> str:
    return seal_keys()[0]


# --- What is sealed -------------------------------------------------------------------------


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _moment(value) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


_UNSET = object()


def content_snapshot(
    decision: Decision,
    *,
    sections: list[tuple] | None = None,
    appendices: list[tuple] | None = None,
    toolkit_numbers: list[int] | None = None,
    signer=_UNSET,
) -> dict:
    """Everything the record says (the version-1 snapshot), as plain JSON-able values.

    Related rows are read from the database unless given (an import hashes a record before
    its sections are saved, then checks the stored copy gives the same hash). Appendices
    are (position, title, filename, size, sha256, withheld) here.
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
    if signer is _UNSET:
        signer = decision.signed_by.get_username() if decision.signed_by_id else None
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
        "signed_by": signer,
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


APPENDIX_FIELDS = (
    "position",
    "title",
    "original_filename",
    "file_size",
    "sha256",
    "withheld",
    "content_type",
    "file",
    "url",
    "is_original_notice",
)

# The record's fields added with the record-keeping of real logs (decision maker, forum …).
# Each is sealed only when it holds something, so the seal of a record made before they
# existed (all empty) is the same payload as before and still verifies.
RECORD_FIELDS = (
    "register",
    "decision_maker",
    "decision_maker_name",
    "forum",
    "chief_officer_approval_text",
    "original_parts",
)
RECORD_DATES = ("forum_date", "published_on")
# The reason and date of a record listed as not published, withdrawn or deferred.
EXPLAINED_STATES = ("not_published", "withdrawn", "deferred")


def _record_fields(decision: Decision) -> dict:
    extra: dict = {}
    for name in RECORD_FIELDS:
        value = getattr(decision, name)
        if value:
            extra[name] = value
    for name in RECORD_DATES:
        value = getattr(decision, name)
        if value:
            extra[name] = _date(value)
    if decision.financial_value is not None:
        extra["financial_value"] = f"{decision.financial_value:.2f}"
    # The register of interests version signed against (decisions/interests): sealed only
    # when present, so records signed before the register existed still verify.
    if decision.signed_register_hash:
        extra["register_signed_against"] = decision.signed_register_hash
    if decision.status in EXPLAINED_STATES:
        extra["status_note"] = decision.status_note
        extra["status_date"] = _date(decision.status_date)
    return extra


def sealed_payload(
    decision: Decision,
    *,
    sections: list[tuple] | None = None,
    appendices: list[tuple] | None = None,
    toolkit_numbers: list[int] | None = None,
    signer=_UNSET,
) -> dict:
    """The version-1 snapshot plus the status and publication choices the seal covers.

    Appendices are given as APPENDIX_FIELDS tuples: the served type and stored file are
    sealed too, so a public download cannot be pointed at another file or type.
    """
    if appendices is None:
        appendices = list(decision.appendices.order_by("position").values_list(*APPENDIX_FIELDS))
    payload = content_snapshot(
        decision,
        sections=sections,
        appendices=[tuple(a[:6]) for a in appendices],
        toolkit_numbers=toolkit_numbers,
        signer=signer,
    )
    for entry, appendix in zip(payload["appendices"], appendices, strict=True):
        entry["content_type"], entry["stored_as"] = appendix[6], str(appendix[7])
        if len(appendix) > 8 and appendix[8]:
            entry["url"] = appendix[8]
        if len(appendix) > 9 and appendix[9]:
            entry["original_notice"] = True
    payload.update(_record_fields(decision))
    payload.update(
        version=SEAL_FORMAT,
        status=decision.status,
        source=decision.source,
        signed_at=_moment(decision.signed_at),
        published_at=_moment(decision.published_at),
    )
    return payload


def canonical_json(snapshot: dict) -> bytes:
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def legacy_hash(decision: Decision, **given) -> str:
    """The unkeyed SHA-256 that sealed records before keyed seals (64 hex digits)."""
    return hashlib.sha256(canonical_json(content_snapshot(decision, **given))).hexdigest()


def _mac(key: bytes, payload: dict) -> str:
    return hmac.new(key, canonical_json(payload), hashlib.sha256).hexdigest()


def content_hash(decision: Decision, *, key_version: str | None = None, **given) -> str:
    """The seal of the record as it is now: HMAC-SHA256 (64 hex digits) with the current key,
    or with the key of ``key_version``."""
    current, keys = seal_keys()
    return _mac(keys[key_version or current], sealed_payload(decision, **given))


def seal(decision: Decision, *, at, **given) -> None:
    """Set the record's seal, key version and sealing time (the caller saves it)."""
    version = current_key_version()
    decision.content_hash = content_hash(decision, key_version=version, **given)
    decision.seal_key_version = version
    decision.hashed_at = at


# --- Checking seals -------------------------------------------------------------------------


@dataclass(frozen=True)
class SealCheck:
    ok: bool
    key_version: str
    problem: str = ""

    @property
    def legacy(self) -> bool:
        return self.key_version == LEGACY

    @property
    def key_label(self) -> str:
        return "legacy SHA-256 (no key)" if self.legacy else f"key {self.key_version}"


def check_seal(decision: Decision, **given) -> SealCheck:
    """Whether the stored seal matches the record now. A legacy (unkeyed) seal never passes:
    anyone who can write to the database could have recomputed it."""
    version = decision.seal_key_version
    if not decision.content_hash:
        return SealCheck(False, version, "has no seal")
    if version == LEGACY:
        return SealCheck(
            False,
            version,
            "sealed with an unkeyed SHA-256 before keyed seals: run manage.py reseal_decisions",
        )
    _current, keys = seal_keys()
    if version not in keys:
        return SealCheck(
            False, version, f"sealed with key {version}, which is not in DECISION_SEAL_KEYS"
        )
    expected = _mac(keys[version], sealed_payload(decision, **given))
    if not hmac.compare_digest(expected, decision.content_hash):
        return SealCheck(False, version, "content or status differs from what was sealed")
    return SealCheck(True, version)


def legacy_hash_matches(decision: Decision, **given) -> bool:
    """Whether the stored seal is the unkeyed SHA-256 of the record (before keyed seals)."""
    appendices = given.pop("appendices", None)
    if appendices is not None:
        given["appendices"] = [tuple(a[:6]) for a in appendices]
    return hmac.compare_digest(legacy_hash(decision, **given), decision.content_hash)


def _prefetched(decision: Decision, name: str):
    return getattr(decision, "_prefetched_objects_cache", {}).get(name)


def related_rows(decisions: list[Decision]) -> dict[int, dict]:
    """The sealed related rows of many records, read in bulk: {pk: given arguments}.

    Supporting and toolkit sections already prefetched (the public detail page) are used as
    they are; appendices are always read, since pages prefetch only the unwithheld ones.
    """
    from .models import Appendix, Decision, SupportingSection

    given = {d.pk: {"sections": [], "appendices": [], "toolkit_numbers": []} for d in decisions}
    unloaded = _use_prefetched(decisions, given)
    if unloaded["sections"]:
        rows = SupportingSection.objects.filter(decision_id__in=unloaded["sections"])
        for pk, *row in rows.order_by("decision_id", "position").values_list(
            "decision_id", "position", "heading", "body", "withheld"
        ):
            given[pk]["sections"].append(tuple(row))
    appendices = Appendix.objects.filter(decision_id__in=list(given))
    for pk, *row in appendices.order_by("decision_id", "position").values_list(
        "decision_id", *APPENDIX_FIELDS
    ):
        given[pk]["appendices"].append(tuple(row))
    if unloaded["toolkit"]:
        links = Decision.sections.through.objects.filter(decision_id__in=unloaded["toolkit"])
        for pk, number in links.values_list("decision_id", "section__number"):
            given[pk]["toolkit_numbers"].append(number)
    names = _signer_names(decisions)
    for decision in decisions:
        given[decision.pk]["signer"] = names.get(decision.signed_by_id)
    return given


def _use_prefetched(decisions: list[Decision], given: dict[int, dict]) -> dict[str, list[int]]:
    """Fill ``given`` from rows already prefetched; returns the pks whose rows must be read."""
    unloaded: dict[str, list[int]] = {"sections": [], "toolkit": []}
    for decision in decisions:
        sections = _prefetched(decision, "supporting_sections")
        if sections is None:
            unloaded["sections"].append(decision.pk)
        else:
            given[decision.pk]["sections"] = [
                (s.position, s.heading, s.body, s.withheld)
                for s in sorted(sections, key=lambda s: s.position)
            ]
        toolkit = _prefetched(decision, "sections")
        if toolkit is None:
            unloaded["toolkit"].append(decision.pk)
        else:
            given[decision.pk]["toolkit_numbers"] = [s.number for s in toolkit]
    return unloaded


def _signer_names(decisions: list[Decision]) -> dict[int, str]:
    """The signers' usernames by user pk, from loaded users first, then in one query."""
    from django.contrib.auth import get_user_model

    from .models import Decision

    user_model = get_user_model()
    names = {
        d.signed_by_id: d.signed_by.get_username()
        for d in decisions
        if d.signed_by_id and Decision.signed_by.is_cached(d)
    }
    wanted = {d.signed_by_id for d in decisions if d.signed_by_id and d.signed_by_id not in names}
    if wanted:
        users = user_model.objects.filter(pk__in=wanted)
        names.update(users.values_list("pk", user_model.USERNAME_FIELD))
    return names


def check_seals(decisions: list[Decision]) -> list[tuple[Decision, SealCheck]]:
    """Check many records with their related rows read in bulk."""
    given = related_rows(decisions)
    return [(d, check_seal(d, **given[d.pk])) for d in decisions]


def verified(decisions: Iterable[Decision]) -> list[Decision]:
    """Only the records whose seal verifies; the others are logged as an error. The public
    log shows nothing else, so a record edited in the database disappears from it."""
    decisions = list(decisions)
    if not decisions:
        return []
    shown = []
    for decision, result in check_seals(decisions):
        if result.ok:
            shown.append(decision)
        else:
            logger.error(
                "Decision %s hidden from the public log: its seal does not verify (%s).",
                decision.reference,
                result.problem,
            )
    return shown


def in_chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


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


# --- Later releases of withheld content ----------------------------------------------------


def release_payload(release) -> dict:
    """What a DecisionRelease's seal covers: what is released, when, why and by whom, and the
    decision's seal at the time, so the release is bound to the signed record it opens."""
    return {
        "kind": "decision-release",
        "version": 1,
        "decision": release.decision.reference,
        "register": release.decision.register,
        "decision_hash": release.decision_hash,
        "released_on": _date(release.released_on),
        "scope": release.scope,
        "sections": sorted(release.section_positions),
        "appendices": sorted(str(a) for a in release.appendix_ids),
        "summary": bool(release.summary_released),
        "text": release.released_text,
        "reason": release.reason,
        "decided_by": release.decided_by_name,
        "created_at": _moment(release.created_at),
    }


def seal_release(release) -> None:
    """Set the release's seal and key version (the caller saves it)."""
    version, keys = seal_keys()
    release.content_hash = _mac(keys[version], release_payload(release))
    release.seal_key_version = version


def check_release(release) -> SealCheck:
    """Whether a release's seal verifies and it belongs to the record's current seal."""
    version = release.seal_key_version
    _current, keys = seal_keys()
    if version not in keys:
        return SealCheck(False, version, f"sealed with key {version}, not in DECISION_SEAL_KEYS")
    expected = _mac(keys[version], release_payload(release))
    if not hmac.compare_digest(expected, release.content_hash):
        return SealCheck(False, version, "the release differs from what was sealed")
    if not hmac.compare_digest(release.decision_hash, release.decision.content_hash):
        return SealCheck(False, version, "the decision's seal changed after the release")
    return SealCheck(True, version)
