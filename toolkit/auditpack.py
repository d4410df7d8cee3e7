"""The audit pack: one ZIP with everything an auditor needs for a review period.

It holds the annual-review PDF, every decision notice of the period (contributed by the
decisions app through ``register_contributor``), every evidence file, and ``manifest.csv``
listing path, SHA-256, size and record for every other file. The ZIP is produced as a
stream of chunks, file by file, so memory stays flat however many files there are.
"""

import csv
import hashlib
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from prevent_compliance.uploads import download_as

from . import annual_review_report
from .models import Evidence, ReviewPeriod

CHUNK = 256 * 1024


@dataclass(frozen=True)
class PackFile:
    path: str
    record: str
    chunks: Callable[[], Iterable[bytes]]


CONTRIBUTORS: list[Callable[[ReviewPeriod], Iterable[PackFile]]] = []


def register_contributor(contributor: Callable[[ReviewPeriod], Iterable[PackFile]]) -> None:
    """Let an app add its own files (the decisions app adds decision notices)."""
    if contributor not in CONTRIBUTORS:
        CONTRIBUTORS.append(contributor)


def _file_chunks(field_file) -> Callable[[], Iterator[bytes]]:
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
            _file_chunks(period.final_pdf),
        )
    return PackFile(
        f"annual-review-{period.year}-DRAFT.pdf",
        f"Annual review {period.label} (draft)",
        lambda: [annual_review_report.annual_review_pdf(period)],
    )


def evidence_files(period: ReviewPeriod) -> Iterator[PackFile]:
    for evidence in (
        Evidence.objects.filter(periods=period).exclude(file="").order_by("title", "pk").iterator()
    ):
        name, _ = download_as(evidence.original_filename, evidence.content_type, fallback="file")
        yield PackFile(
            f"evidence/{evidence.public_id}/{name}",
            f"Evidence: {evidence.title}",
            _file_chunks(evidence.file),
        )


def pack_files(period: ReviewPeriod) -> Iterator[PackFile]:
    yield annual_review_file(period)
    for contributor in CONTRIBUTORS:
        yield from contributor(period)
    yield from evidence_files(period)


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


def stream_audit_pack(period: ReviewPeriod) -> Iterator[bytes]:
    """The audit pack ZIP as a sequence of byte chunks."""
    sink = _Sink()
    stamp = timezone.localtime().timetuple()[:6]
    manifest = io.StringIO()
    writer = csv.writer(manifest)
    writer.writerow(["path", "sha256", "size", "record"])
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in pack_files(period):
            digest, size = hashlib.sha256(), 0
            info = zipfile.ZipInfo(item.path, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, mode="w") as target:
                for chunk in item.chunks():
                    target.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    yield sink.take()
            writer.writerow([item.path, digest.hexdigest(), size, item.record])
            yield sink.take()
        archive.writestr(zipfile.ZipInfo("manifest.csv", date_time=stamp), manifest.getvalue())
    yield sink.take()


def write_audit_pack(period: ReviewPeriod, target) -> int:
    """Write the pack to a binary file object; returns its size in bytes."""
    written = 0
    for chunk in stream_audit_pack(period):
        if chunk:
            target.write(chunk)
            written += len(chunk)
    return written


def pack_filename(period: ReviewPeriod, when: datetime | None = None) -> str:
    when = timezone.localtime(when)
    return f"audit-pack-{period.year}-{when:%Y%m%d-%H%M}.zip"
