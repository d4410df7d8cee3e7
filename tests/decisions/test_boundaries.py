"""The one-way boundaries between modules (issue 11): checked on the import statements."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    """Every module a file imports, relative imports resolved against its package."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        # Reads never depend on writes.
        ("decisions/selectors.py", "decisions.services"),
        ("toolkit/selectors.py", "toolkit.services"),
        # The workflow runs the annual review's steps through decisions.hooks.
        ("decisions/services.py", "decisions.annual_review"),
    ],
)
def test_module_does_not_import(module, forbidden):
    assert forbidden not in _imports(ROOT / module)


def test_the_toolkit_never_imports_the_decisions_app():
    offenders = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "toolkit").rglob("*.py")
        if any(name.split(".")[0] == "decisions" for name in _imports(path))
    }
    assert offenders == set()
