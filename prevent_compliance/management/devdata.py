"""Import the development data package for a management command, or refuse clearly.

``prevent_compliance.devdata`` (demo records, scale data) is not shipped in the wheel, so the
commands that use it import it only when they run.
"""

from importlib import import_module
from types import ModuleType

from django.core.management.base import CommandError

PACKAGE = "prevent_compliance.devdata"


def import_devdata(module: str, *, command: str) -> ModuleType:
    """``prevent_compliance.devdata.<module>``, or a CommandError when the package is absent."""
    try:
        return import_module(f"{PACKAGE}.{module}")
    except ModuleNotFoundError as exc:
        if exc.name not in (PACKAGE, f"{PACKAGE}.{module}"):
            raise  # a real missing dependency inside the package: not ours to hide
        raise CommandError(
            f"{command} needs the development data ({PACKAGE}), which is not installed: the "
            "wheel does not ship it. Run this command from a source checkout of the project."
        ) from exc
