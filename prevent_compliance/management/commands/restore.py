from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from prevent_compliance.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup archive made by `manage.py backup` into the configured database and "
        "file storage, after checking every member against the manifest, then run "
        "verify_decisions. Stop the app servers and the task worker first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="The .tar archive to restore.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database or file store that already holds data.",
        )

    def handle(self, *args, archive: Path, force: bool, **options):
        try:
            result = backup_restore(archive=archive, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        self.stdout.write(
            f"Restored the {manifest.database_vendor} database and {result.files_restored} "
            f"file(s) from the backup made {manifest.created_at} (app version "
            f"{manifest.app_version})."
        )
        if result.files_left_in_place:
            self.stdout.write(
                f"{result.files_left_in_place} file(s) already in the store and not in the "
                "backup were left in place."
            )
        for note in result.notes:
            self.stdout.write(self.style.WARNING(note))
        self.stdout.write(self.style.SUCCESS(result.integrity_report))
