import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from decisions.importer import ImportProblems, validate_import
from decisions.services import decisions_import

NOTHING = "Nothing was imported."


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def read_import_file(file: str):
    """The parsed file, or CommandError saying why it cannot be read (never a traceback).

    A UTF-8 byte order mark is allowed; NaN and Infinity, numbers too long to read and
    nesting deeper than Python can parse are refused.
    """
    try:
        with open(file, encoding="utf-8-sig") as handle:
            return json.load(handle, parse_constant=_refuse_constant)
    except OSError as exc:
        raise CommandError(f"Cannot read {file}: {exc.strerror}. {NOTHING}") from exc
    except UnicodeDecodeError as exc:
        raise CommandError(
            f"{file} is not UTF-8 text (byte {exc.start} cannot be read). {NOTHING}"
        ) from exc
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{file} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}. "
            f"{NOTHING}"
        ) from exc
    except RecursionError as exc:
        raise CommandError(f"{file} is nested too deeply to be a decision log. {NOTHING}") from exc
    except ValueError as exc:  # NaN/Infinity, or an integer with thousands of digits
        raise CommandError(f"{file} is not valid JSON: {exc}. {NOTHING}") from exc


class Command(BaseCommand):
    help = (
        "Import an existing decision log from a JSON file (see README). The whole file is "
        "checked first; if any record is invalid nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the JSON file (a list of decision records)")

    def handle(self, *args, file: str, **options):
        data = read_import_file(file)
        try:
            records = validate_import(data)
        except ImportProblems as exc:
            for problem in exc.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(str(exc)) from exc
        try:
            imported = decisions_import(records=records, actor=None)
        except (ValidationError, DatabaseError) as exc:
            # validate_import should have found it; the transaction has been rolled back.
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            for message in messages:
                self.stderr.write(f"  {message}")
            raise CommandError(f"The records could not be saved. {NOTHING}") from exc
        for decision in imported:
            state = "signed" if decision.signature_recorded else "signature not recorded"
            self.stdout.write(f"  {decision.reference}: {decision.get_status_display()} ({state})")
        self.stdout.write(self.style.SUCCESS(f"Imported {len(imported)} decision record(s)."))
