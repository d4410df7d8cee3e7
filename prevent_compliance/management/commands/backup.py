from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from prevent_compliance.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write one backup archive (.tar): the database (pg_dump custom format, or SQLite's "
        "online backup), every file in the default storage and a manifest with the SHA-256 of "
        "each member. The archive appears complete or not at all."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            required=True,
            type=Path,
            help="Where to write the archive, e.g. /var/backups/prevent/2025-01-31.tar",
        )

    def handle(self, *args, output: Path, **options):
        try:
            manifest = backup_create(output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        total = sum(member.size for member in manifest.members)
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {output}: the {manifest.database_vendor} database and "
                f"{len(manifest.files)} stored file(s), {total:,} bytes, each with its SHA-256 "
                "in manifest.json."
            )
        )
