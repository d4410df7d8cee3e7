from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from decisions.integrity import (
    check_release,
    check_seal,
    check_seals,
    current_key_version,
    in_chunks,
    legacy_hash_matches,
    related_rows,
    seal,
    seal_release,
)
from decisions.models import Decision

CHUNK = 200


class Command(BaseCommand):
    help = (
        "Seal every signed or imported decision record again with the current (first) key of "
        "DECISION_SEAL_KEYS. A record is resealed only after its old seal verifies: with the "
        "key version that made it, or, for a record sealed before keyed seals, as the old "
        "unkeyed SHA-256. Records whose old seal fails are listed and left alone (exit 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="check and list, but change nothing"
        )

    def handle(self, *args, dry_run: bool, **options):
        current = current_key_version()
        sealed = Decision.objects.exclude(content_hash="").select_related("signed_by")
        done, kept, problems = 0, 0, []
        pks = list(sealed.order_by("reference").values_list("pk", flat=True))
        for chunk in in_chunks(pks, CHUNK):
            for decision, result in check_seals(list(sealed.filter(pk__in=chunk))):
                if result.ok and decision.seal_key_version == current:
                    kept += 1
                    continue
                if not (result.ok or (result.legacy and self._legacy_ok(decision))):
                    problems.append(f"{decision.reference}: {result.problem}; not resealed")
                    continue
                if not dry_run:
                    self._reseal(decision.pk, was=result.key_label)
                done += 1
                self.stdout.write(
                    f"  {decision.reference} ({decision.get_status_display().lower()}): "
                    f"{result.key_label} → key {current}"
                )
        for problem in problems:
            self.stderr.write(f"REFUSED {problem}")
        verb = "would be resealed" if dry_run else "resealed"
        message = f"{done} record(s) {verb} with key {current}; {kept} already sealed with it."
        if problems:
            raise CommandError(f"{message} {len(problems)} record(s) refused: see above.")
        self.stdout.write(self.style.SUCCESS(message))

    @staticmethod
    def _legacy_ok(decision: Decision) -> bool:
        return legacy_hash_matches(decision, **related_rows([decision])[decision.pk])

    @staticmethod
    def _reseal(pk: int, *, was: str) -> None:
        with transaction.atomic():
            decision = Decision.objects.select_for_update().get(pk=pk)
            result = check_seal(decision)
            if not (result.ok or (result.legacy and Command._legacy_ok(decision))):
                raise CommandError(f"{decision.reference} changed while being resealed.")
            # Its later releases verify first, against the seal they were bound to.
            releases = list(decision.releases.select_for_update())
            for release in releases:
                release.decision = decision
                if not check_release(release).ok:
                    raise CommandError(
                        f"{decision.reference}: a later release does not verify; not resealed."
                    )
            seal(decision, at=timezone.now())
            decision._change_reason = f"Resealed with key {decision.seal_key_version} (was {was})"
            decision.save(update_fields=["content_hash", "seal_key_version", "hashed_at"])
            for release in releases:  # bound again to the record's new seal, with the new key
                release.decision_hash = decision.content_hash
                seal_release(release)
                release._change_reason = f"Resealed with key {release.seal_key_version}"
                release.save(update_fields=["decision_hash", "content_hash", "seal_key_version"])
