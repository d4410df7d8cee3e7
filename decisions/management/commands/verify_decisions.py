from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from decisions.integrity import LEGACY, check_seals, file_digest, in_chunks
from decisions.models import Decision

CHUNK = 200


class Command(BaseCommand):
    help = (
        "Check the seal (HMAC-SHA256 with the DECISION_SEAL_KEYS key that made it) of every "
        "signed or imported decision record, and each appendix file; list every record whose "
        "content or status no longer matches, sealed with an unkeyed legacy hash or with a "
        "key no longer configured. Reports how many records each key version sealed (-v 2: "
        "each record). Exits non-zero if any record fails."
    )

    def handle(self, *args, **options):
        verbose = options["verbosity"] >= 2
        sealed = (
            Decision.objects.exclude(content_hash="")
            .select_related("signed_by")
            .prefetch_related("appendices")
            .order_by("reference")
        )
        checked, failures, versions = 0, [], Counter()
        for chunk in in_chunks(sealed.iterator(chunk_size=CHUNK), CHUNK):
            for decision, result in check_seals(chunk):
                checked += 1
                versions[result.key_label] += 1
                if verbose:
                    state = "ok" if result.ok else "FAILS"
                    self.stdout.write(f"  {decision.reference}: {result.key_label}, {state}")
                if not result.ok:
                    tag = "LEGACY" if result.legacy else "MISMATCH"
                    failures.append(f"{tag} {decision.reference}: {result.problem}")
                failures += self._appendix_problems(decision)
        failures += self._signed_but_unsealed()
        for failure in failures:
            self.stderr.write(failure)
        summary = "; ".join(f"{label}: {count}" for label, count in sorted(versions.items()))
        if summary:
            self.stdout.write(f"Sealed with {summary}.")
        if failures:
            raise CommandError(
                f"{len(failures)} problem(s) in {checked} sealed decision record(s)."
            )
        self.stdout.write(
            self.style.SUCCESS(f"All {checked} sealed decision record(s) match their seals.")
        )

    @staticmethod
    def _appendix_problems(decision: Decision) -> list[str]:
        problems = []
        for appendix in decision.appendices.all():
            if not appendix.file:
                continue  # a link to the office's own copy: the seal covers the address
            digest = file_digest(appendix.file)
            if digest is None:
                problems.append(
                    f"MISMATCH {decision.reference}: appendix “{appendix.title}” is missing"
                )
            elif digest != appendix.sha256:
                problems.append(
                    f"MISMATCH {decision.reference}: appendix “{appendix.title}” file has changed"
                )
        return problems

    @staticmethod
    def _signed_but_unsealed() -> list[str]:
        """A signature without a seal: the seal (and status) were cleared behind the service."""
        stripped = Decision.objects.filter(content_hash="").filter(
            Q(signed_at__isnull=False) | Q(signed_on__isnull=False) | ~Q(seal_key_version=LEGACY)
        )
        return [
            f"MISMATCH {reference}: signed but its seal has been removed"
            for reference in stripped.order_by("reference").values_list("reference", flat=True)
        ]
