"""The journal package exports every public name of its modules, and imports only core."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import openbourse.journal as journal

PACKAGE = Path(journal.__file__).parent
MODULES = ["format", "machine", "reader", "recovery", "snapshots", "storage", "writer"]


def test_every_module_declares_all_and_exports_exist() -> None:
    for name in MODULES:
        module = importlib.import_module(f"openbourse.journal.{name}")
        assert hasattr(module, "__all__"), name
        for exported in module.__all__:
            assert hasattr(module, exported), f"{name}.{exported}"


def test_package_names_resolve() -> None:
    for exported in journal.__all__:
        assert getattr(journal, exported) is not None


def test_journal_imports_only_core_and_stdlib() -> None:
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level >= 2:
                assert (node.module or "").startswith("core"), f"{path.name}: {node.module}"
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                assert not (node.module or "").startswith("openbourse."), path.name
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("openbourse") for a in node.names), path.name
