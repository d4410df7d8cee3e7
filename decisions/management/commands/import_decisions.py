import json

from django.core.management.base import BaseCommand, CommandError

from decisions.importer import ImportProblems, decisions_import, validate_import


class Command(BaseCommand):
    help = (
        "Import an existing decision log from a JSON file (see README). The whole file is "
        "checked first; if any record is invalid nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the JSON file (a list of decision records)")

    def handle(self, *args, file: str, **options):
        try:
            with open(file, encoding="utf-8") as handle:
                data = json.load(handle)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file} is not UTF-8 text: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{file} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}. "
                "Nothing was imported."
            ) from exc
        try:
            records = validate_import(data)
        except ImportProblems as exc:
            for problem in exc.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(str(exc)) from exc
        imported = decisions_import(records=records)
        for decision in imported:
            state = "signed" if decision.signature_recorded else "signature not recorded"
            self.stdout.write(f"  {decision.reference}: {decision.get_status_display()} ({state})")
        self.stdout.write(self.style.SUCCESS(f"Imported {len(imported)} decision record(s)."))
