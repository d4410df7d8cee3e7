from django.core.management.base import BaseCommand, CommandError

from decisions.integrity import content_hash, file_digest
from decisions.models import Decision


class Command(BaseCommand):
    help = (
        "Recompute the content hash of every signed or imported decision record and check "
        "each appendix file; list any record whose stored content no longer matches. "
        "Exits non-zero if any does."
    )

    def handle(self, *args, **options):
        sealed = (
            Decision.objects.exclude(content_hash="")
            .select_related("signed_by")
            .prefetch_related("appendices")
            .order_by("reference")
        )
        checked, failures = 0, []
        for decision in sealed.iterator(chunk_size=200):
            checked += 1
            if content_hash(decision) != decision.content_hash:
                failures.append(f"{decision.reference}: content differs from what was signed")
            for appendix in decision.appendices.all():
                digest = file_digest(appendix.file)
                if digest is None:
                    failures.append(f"{decision.reference}: appendix “{appendix.title}” is missing")
                elif digest != appendix.sha256:
                    failures.append(
                        f"{decision.reference}: appendix “{appendix.title}” file has changed"
                    )
        for failure in failures:
            self.stderr.write(f"MISMATCH {failure}")
        if failures:
            raise CommandError(
                f"{len(failures)} problem(s) in {checked} sealed decision record(s)."
            )
        self.stdout.write(
            self.style.SUCCESS(f"All {checked} sealed decision record(s) match their hashes.")
        )
