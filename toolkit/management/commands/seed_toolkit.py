from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from toolkit.services import toolkit_edition_load

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
# The first edition (2024) and the corrected one (updated 12 February 2024).
FIRST_EDITION_FILE = DATA_DIR / "toolkit-2024.yaml"
NEW_EDITION_FILE = DATA_DIR / "toolkit-2024-02.yaml"


def edition_files() -> list[Path]:
    """Every edition file in toolkit/data, by name."""
    return sorted(DATA_DIR.glob("toolkit-*.yaml"))


class Command(BaseCommand):
    help = (
        "Load toolkit editions (sections and criteria) from YAML: every file in toolkit/data "
        "unless files are given. Safe to run repeatedly; never changes a period's edition."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="YAML files (default: every edition file)")

    def handle(self, *args, files, **options):
        paths = [Path(f) for f in files] or edition_files()
        parsed = [(path, self._read(path)) for path in paths]
        for path, data in _superseded_first(parsed):
            self._load(path, data)

    def _read(self, path: Path) -> object:
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            return yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise CommandError(f"{path} is not valid YAML: {exc}") from exc

    def _load(self, path: Path, data) -> None:
        try:
            result = toolkit_edition_load(data=data)
        except ValidationError as exc:
            raise CommandError(f"{path}: {'; '.join(exc.messages)}") from exc
        self.stdout.write(
            f"Toolkit edition {result.edition.code}: "
            f"{result.edition.sections.count()} sections; "
            f"{result.created} records created, {result.updated} updated."
        )


def _code(data: object, key: str) -> str:
    meta = data.get("edition") if isinstance(data, dict) else None
    return str(meta.get(key) or "") if isinstance(meta, dict) else ""


def _superseded_first(parsed: list[tuple[Path, object]]) -> list[tuple[Path, object]]:
    """The files in an order where an edition loads after the one it supersedes (when both
    are being loaded); otherwise in the order given."""
    pending, ordered, loaded = list(parsed), [], set()
    codes = {_code(data, "code") for _, data in parsed}
    while pending:
        ready = [
            item
            for item in pending
            if _code(item[1], "supersedes") not in codes - loaded
            or _code(item[1], "supersedes") == _code(item[1], "code")
        ]
        if not ready:  # a cycle: load as given and let the loader report it
            ready = pending[:1]
        for item in ready:
            pending.remove(item)
            ordered.append(item)
            loaded.add(_code(item[1], "code"))
    return ordered
