"""The audit pack: one ZIP with everything an auditor asks for about a review period.

It holds ``README.txt`` (what the pack is and how to check it), the annual-review PDF, every
decision notice and appendix file of the period (contributed by the decisions app through
``register_contributor``), every evidence file, every register (``toolkit.exports``) as CSV
and XLSX, the audit trail of the period's dates as CSV, ``links.csv`` (evidence and
appendices that are web addresses, not files), and ``manifest.csv`` with the path, SHA-256,
size and record of every other member. The manifest cannot list its own hash, so
``manifest.sha256`` holds it.

The ZIP is produced as a stream of chunks, member by member, each member read or written a
chunk at a time (XLSX workbooks and the manifest go through temporary files), so memory stays
flat however much the period holds.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from prevent_compliance.audit.selectors import AuditLog, LogFilters
from prevent_compliance.rules import allowed
from prevent_compliance.uploads import download_as
from prevent_compliance.web import csv_safe

from . import annual_review_report, exports
from .models import Evidence, ReviewPeriod

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CHUNK = 256 * 1024
MANIFEST = "manifest.csv"
MANIFEST_HASH = "manifest.sha256"


@dataclass(frozen=True)
class PackFile:
    path: str
    record: str
    chunks: Callable[[], Iterable[bytes]]


@dataclass(frozen=True)
class PackLink:
    """A document the pack can only point to: a web address, listed in ``links.csv``."""

    url: str
    record: str


PackItem = PackFile | PackLink
CONTRIBUTORS: list[Callable[[ReviewPeriod], Iterable[PackItem]]] = []


def register_contributor(contributor: Callable[[ReviewPeriod], Iterable[PackItem]]) -> None:
    """Let an app add its own files and links (the decisions app adds notices, appendices)."""
    if contributor not in CONTRIBUTORS:
        CONTRIBUTORS.append(contributor)


def file_chunks(field_file) -> Callable[[], Iterator[bytes]]:
    """A stored file, read a chunk at a time when the pack reaches it."""

    def read() -> Iterator[bytes]:
        with field_file.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    return read


def annual_review_file(period: ReviewPeriod) -> PackFile:
    """The signed review exactly as stored once signed off; a fresh draft before that."""
    if period.final_pdf:
        return PackFile(
            f"annual-review-{period.year}.pdf",
            f"Annual review {period.label} (signed)",
            file_chunks(period.final_pdf),
        )
    return PackFile(
        f"annual-review-{period.year}-DRAFT.pdf",
        f"Annual review {period.label} (draft)",
        lambda: [annual_review_report.annual_review_pdf(period)],
    )


def evidence_files(period: ReviewPeriod) -> Iterator[PackItem]:
    """Each evidence file of the period; evidence that is a web address goes in links.csv."""
    for evidence in Evidence.objects.filter(periods=period).order_by("title", "pk").iterator():
        if not evidence.file:
            if evidence.url:
                yield PackLink(evidence.url, f"Evidence: {evidence.title}")
            continue
        name, _ = download_as(evidence.original_filename, evidence.content_type, fallback="file")
        yield PackFile(
            f"evidence/{evidence.public_id}/{name}",
            f"Evidence: {evidence.title}",
            file_chunks(evidence.file),
        )


def _text_chunks(lines: Iterable[str]) -> Iterator[bytes]:
    """Lines of text as UTF-8 chunks of about CHUNK bytes."""
    batch: list[bytes] = []
    size = 0
    for line in lines:
        encoded = line.encode("utf-8")
        batch.append(encoded)
        size += len(encoded)
        if size >= CHUNK:
            yield b"".join(batch)
            batch, size = [], 0
    if batch:
        yield b"".join(batch)


def _spooled(write: Callable[[object], None]) -> Iterator[bytes]:
    """What ``write`` puts in a temporary file, read back a chunk at a time."""
    with tempfile.TemporaryFile() as spool:
        write(spool)
        spool.seek(0)
        while chunk := spool.read(CHUNK):
            yield chunk


def register_files(period: ReviewPeriod) -> Iterator[PackFile]:
    """Every register of the period (evidence, actions, ratings, decisions) as CSV and XLSX."""
    for item in exports.REGISTERS.values():
        stem = f"registers/{item.slug}-{period.year}"
        yield PackFile(
            f"{stem}.csv",
            f"Register: {item.title} (CSV)",
            lambda item=item: _text_chunks(exports.csv_rows(item, period)),
        )
        yield PackFile(
            f"{stem}.xlsx",
            f"Register: {item.title} (XLSX)",
            lambda item=item: _spooled(lambda target: exports.xlsx_write(item, period, target)),
        )


AUDIT_TRAIL_HEADINGS = [
    "Date and time",
    "Username",
    "Name",
    "Record type",
    "Record",
    "Identifier",
    "Change",
    "Reason",
]


def _audit_trail_lines(period: ReviewPeriod) -> Iterator[str]:
    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo())
    yield "\ufeff" + writer.writerow(AUDIT_TRAIL_HEADINGS)
    filters = LogFilters(date_from=period.start_date, date_to=period.end_date)
    for row in AuditLog(filters).iterate():
        yield writer.writerow(
            [
                timezone.localtime(row["when"]).isoformat(timespec="seconds"),
                csv_safe(row["username"]),
                csv_safe(row["user"]),
                row["record_label"],
                csv_safe(row["title"]),
                csv_safe(row["identifier"]),
                row["kind"],
                csv_safe(row["reason"]),
            ]
        )


def audit_trail_file(period: ReviewPeriod) -> PackFile:
    """Every recorded change (the audit log) dated in the period, newest first, streamed."""
    return PackFile(
        f"audit-trail-{period.year}.csv",
        f"Audit trail: every recorded change from {period.start_date:%d/%m/%Y} "
        f"to {period.end_date:%d/%m/%Y}",
        lambda: _text_chunks(_audit_trail_lines(period)),
    )


def may_include_audit_trail(user: User | None) -> bool:
    """The audit trail covers every record (accounts and roles too): only people who may
    read the audit log get it in their pack. ``None`` is the command line's operator."""
    return user is None or allowed(user, "prevent_compliance.view_audit_log")


def pack_files(period: ReviewPeriod, *, audit_trail: bool = True) -> Iterator[PackItem]:
    yield annual_review_file(period)
    for contributor in CONTRIBUTORS:
        yield from contributor(period)
    yield from evidence_files(period)
    yield from register_files(period)
    if audit_trail:
        yield audit_trail_file(period)


def readme_text(period: ReviewPeriod, *, requested_by: User | None, audit_trail: bool) -> str:
    who = (requested_by.get_full_name() or requested_by.username) if requested_by else ""
    made = timezone.localtime().strftime("%d/%m/%Y %H:%M")
    lines = [
        f"Audit pack for the review period {period.label} "
        f"({period.start_date:%d/%m/%Y} to {period.end_date:%d/%m/%Y})",
        f"Made on {made}" + (f" for {who}" if who else " from the command line") + ".",
        "",
        "It is an internal document for audit: it holds confidential decision notices and",
        "OFFICIAL-SENSITIVE evidence. Handle it as OFFICIAL-SENSITIVE.",
        "",
        "What it holds:",
        "- annual-review-*.pdf: the annual review (the signed copy as stored, or a draft)",
        "- decisions/: the full notice of every decision taken in the period, and the files",
        "  of their appendices",
        "- evidence/: every evidence file linked to the period",
        "- registers/: the evidence register, action plan, section and criterion ratings and",
        "  the decision log, each as CSV and as XLSX (the same rows)",
    ]
    if audit_trail:
        lines.append("- audit-trail-*.csv: every recorded change dated in the period")
    else:
        lines += [
            "- no audit trail: it is included only in packs made by someone who may read the",
            "  audit log (an Auditor or an Administrator)",
        ]
    lines += [
        "- links.csv: evidence and appendices that are web addresses rather than files",
        "",
        "How to check it:",
        f"{MANIFEST} lists every member of the pack except itself and {MANIFEST_HASH}, with",
        f"its SHA-256 and size. A file cannot hold its own hash, so {MANIFEST_HASH} holds the",
        f"SHA-256 of {MANIFEST} (check it with: sha256sum -c {MANIFEST_HASH}).",
        "",
    ]
    return "\r\n".join(lines)


class _Sink(io.RawIOBase):
    """A write-only, unseekable stream that hands back what was written since last asked."""

    def __init__(self):
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self):
        return True

    def write(self, data):
        self._parts.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self):
        return self._position

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


class _PackWriter:
    """Writes members into the ZIP, noting each one's hash and size for the manifest."""

    def __init__(self, archive: zipfile.ZipFile, sink: _Sink, manifest, stamp):
        self.archive, self.sink, self.stamp = archive, sink, stamp
        self.manifest = csv.writer(manifest)
        self.manifest.writerow(["path", "sha256", "size", "record"])

    def add(self, path: str, record: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
        digest, size = hashlib.sha256(), 0
        info = zipfile.ZipInfo(path, date_time=self.stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        with self.archive.open(info, mode="w") as target:
            for chunk in chunks:
                target.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                yield self.sink.take()
        self.manifest.writerow([path, digest.hexdigest(), size, csv_safe(record)])
        yield self.sink.take()


def stream_audit_pack(period: ReviewPeriod, *, requested_by: User | None = None) -> Iterator[bytes]:
    """The audit pack ZIP as a sequence of byte chunks.

    ``requested_by`` is the person the pack is for (None: the command line's operator); it
    decides only whether the audit trail is included (``may_include_audit_trail``).
    """
    sink = _Sink()
    stamp = timezone.localtime().timetuple()[:6]
    audit_trail = may_include_audit_trail(requested_by)
    with (
        tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="") as manifest,
        tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="") as links,
        zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        writer = _PackWriter(archive, sink, manifest, stamp)
        link_rows = csv.writer(links)
        link_rows.writerow(["url", "record"])
        readme = readme_text(period, requested_by=requested_by, audit_trail=audit_trail)
        yield from writer.add("README.txt", "What this pack holds", [readme.encode("utf-8")])
        for item in pack_files(period, audit_trail=audit_trail):
            if isinstance(item, PackLink):
                link_rows.writerow([csv_safe(item.url), csv_safe(item.record)])
                continue
            yield from writer.add(item.path, item.record, item.chunks())
        links.seek(0)
        yield from writer.add(
            "links.csv",
            "Web addresses of evidence and appendices that are not files",
            _text_chunks(iter(lambda: links.read(CHUNK), "")),
        )
        manifest.seek(0)
        digest = hashlib.sha256()
        info = zipfile.ZipInfo(MANIFEST, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, mode="w") as target:
            while text := manifest.read(CHUNK):
                data = text.encode("utf-8")
                target.write(data)
                digest.update(data)
                yield sink.take()
        archive.writestr(
            zipfile.ZipInfo(MANIFEST_HASH, date_time=stamp),
            f"{digest.hexdigest()}  {MANIFEST}\n",
        )
    yield sink.take()


def write_audit_pack(period: ReviewPeriod, target, *, requested_by: User | None = None) -> int:
    """Write the pack to a binary file object; returns its size in bytes."""
    written = 0
    for chunk in stream_audit_pack(period, requested_by=requested_by):
        if chunk:
            target.write(chunk)
            written += len(chunk)
    return written


def pack_filename(period: ReviewPeriod, when: datetime | None = None) -> str:
    when = timezone.localtime(when)
    return f"audit-pack-{period.year}-{when:%Y%m%d-%H%M}.zip"
