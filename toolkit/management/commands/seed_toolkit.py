from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from toolkit.services import toolkit_edition_load

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "toolkit-2024.yaml"


class Command(BaseCommand):
    help = "Load a toolkit edition (sections and criteria) from YAML. Safe to run repeatedly."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_FILE), help="YAML file")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise CommandError(f"{path} is not valid YAML: {exc}") from exc
        try:
            result = toolkit_edition_load(data=data)
        except ValidationError as exc:
            raise CommandError(f"{path}: {'; '.join(exc.messages)}") from exc
        self.stdout.write(
            f"Toolkit edition {result.edition.code}: "
            f"{result.edition.sections.count()} sections; "
            f"{result.created} records created, {result.updated} updated."
        )
