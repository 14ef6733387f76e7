"""Every module the package imports at run time comes from a declared runtime dependency: a plain
`pip install .` (no extras) must run every `stadsdata` command. (A package that only the test
extras brought in once made the README's first command fail on a fresh machine.)"""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PACKAGE = Path(__file__).resolve().parents[3] / "stadsdata"


def imported_top_level_modules() -> dict[str, set[str]]:
    """{top-level module: files importing it} over the package's own sources (migrations included;
    not the tests a source kind keeps in its folder, which run with the test extras)."""
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if path.name.startswith("test_") or path.name == "conftest.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(PACKAGE.parent)))
    return found


def runtime_requirements() -> set[str]:
    """Canonical names of the distributions pyproject.toml requires without any extra."""
    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["project"]
    return {canonicalize_name(Requirement(line).name) for line in project["dependencies"]}


def test_every_third_party_import_is_a_declared_runtime_dependency() -> None:
    providers = packages_distributions()
    declared = runtime_requirements()
    third_party = {
        module: files
        for module, files in imported_top_level_modules().items()
        if module not in sys.stdlib_module_names and module != "stadsdata"
    }
    assert "sqlalchemy" in third_party  # the scan sees the package's imports at all
    undeclared = {}
    for module, files in sorted(third_party.items()):
        distributions = {canonicalize_name(name) for name in providers.get(module, [])}
        if not distributions & declared:
            undeclared[module] = (sorted(distributions) or ["not installed"], sorted(files)[:3])
    assert not undeclared, f"imported at run time but not a runtime dependency in pyproject.toml: {undeclared}"


def test_test_only_packages_are_not_runtime_dependencies_by_accident() -> None:
    """The check above reads the runtime set, not the test extras: the test extras' own packages
    (pytest, hypothesis, playwright) are not in it."""
    declared = runtime_requirements()
    assert "fastapi" in declared and "httpx" in declared
    assert not {"pytest", "hypothesis", "playwright", "schemathesis"} & declared
