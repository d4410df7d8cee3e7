"""``manage.py import_decisions FILE [--check] [--actor USERNAME]``: bring in an earlier log.

The file may be JSON, CSV or XLSX (README, "Importing a decision log"). Every problem is
listed by row, reference and column; nothing is imported unless every row is valid, and
``--check`` writes nothing at all.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from decisions.importer import MAX_FILE_BYTES, NOTHING, ImportProblems, read_import, validate_import
from decisions.services import decision_import_record, decisions_import


def read_file(file: str) -> bytes:
    try:
        with open(file, "rb") as handle:
            content = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise CommandError(f"Cannot read {file}: {exc.strerror}. {NOTHING}") from exc
    return content


class Command(BaseCommand):
    help = (
        "Import an existing decision log from a JSON, CSV or XLSX file (see README, "
        "“Importing a decision log”). The whole file is checked first; if any record is "
        "invalid nothing is imported. --check only reports."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the JSON, CSV or XLSX file")
        parser.add_argument(
            "--check", action="store_true", help="report every problem and write nothing"
        )
        parser.add_argument(
            "--actor",
            metavar="USERNAME",
            help="the user recorded in the history as having imported the records",
        )

    def handle(self, *args, file: str, check: bool = False, actor: str | None = None, **options):
        user = self._actor(actor)
        content = read_file(file)
        try:
            parsed = read_import(content, name=file)
            self._notes(parsed.notes, parsed.warnings)
            records = validate_import(parsed)
        except ImportProblems as exc:
            self._notes([], exc.warnings)
            for problem in exc.problems:
                self.stderr.write(f"  {problem}")
            if len(exc.details) == 1 and exc.details[0].row is None:
                raise CommandError(f"{file}: {exc.problems[0]} {NOTHING}") from exc
            raise CommandError(str(exc)) from exc
        new = [r for r in records if not r.already_imported]
        if check:
            self.stdout.write(
                self.style.SUCCESS(
                    f"No problems found: {len(new)} record(s) would be imported, "
                    f"{len(records) - len(new)} already imported. Nothing was written (--check)."
                )
            )
            return
        if not new:
            decision_import_record(actor=user, name=file, parsed=parsed, records=records)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Already imported: all {len(records)} record(s) of this file are in the log "
                    "with the same content. Nothing was imported."
                )
            )
            return
        try:
            imported = decisions_import(records=records, actor=user)
        except PermissionDenied as exc:
            raise CommandError(f"{actor} may not import decision logs. {NOTHING}") from exc
        except (ValidationError, DatabaseError) as exc:
            # validate_import should have found it; the transaction has been rolled back.
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            for message in messages:
                self.stderr.write(f"  {message}")
            raise CommandError(f"The records could not be saved. {NOTHING}") from exc
        decision_import_record(
            actor=user, name=file, parsed=parsed, records=records, created=imported
        )
        for decision in imported:
            state = "signed" if decision.signature_recorded else "signature not recorded"
            self.stdout.write(f"  {decision.reference}: {decision.get_status_display()} ({state})")
        skipped = len(records) - len(imported)
        extra = f" ({skipped} already imported)" if skipped else ""
        self.stdout.write(
            self.style.SUCCESS(f"Imported {len(imported)} decision record(s){extra}.")
        )

    def _actor(self, username: str | None):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user is called {username}. {NOTHING}")
        return user

    def _notes(self, notes, warnings) -> None:
        for note in notes:
            self.stdout.write(f"Note: {note}")
        for warning in warnings:
            self.stdout.write(f"Warning: {warning}")
