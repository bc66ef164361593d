"""Architecture as tests: the core's purity, the import layers and the command tables.

* ``openbourse.core`` imports only the standard library and itself; never modules that
  read clocks, randomness, the OS, threads or the network.
* No float, ``id(``, ``hash(``, true division, or iteration in hash order over a set
  inside the core (determinism across processes and PYTHONHASHSEED).
* The layer table of docs/architecture.md: journal → core; adapters → core; testing →
  core (its simulator and torture harness also → journal, and the simulator → the
  sequencer); nothing below imports what sits above it.
* Every command type has exactly one handler (``engine.HANDLERS``) and a codec tag; every
  event type a codec tag; every core module declares ``__all__`` and defines what it lists.
"""
from __future__ import annotations

import ast
import importlib
import pathlib
import sys
import typing
from typing import Dict, Iterator, List, Set, Tuple

import pytest

import openbourse
from openbourse.core import admin, commands, events
from openbourse.core.engine import codec, engine, products
from openbourse.core.spot import handlers as spot_handlers
from openbourse.core.wallet import handlers as wallet_handlers

PACKAGE_ROOT = pathlib.Path(openbourse.__file__).parent
CORE_ROOT = PACKAGE_ROOT / "core"

BANNED_MODULES = {
    "time", "datetime", "random", "uuid", "os", "asyncio", "threading", "secrets", "socket",
    "subprocess", "multiprocessing", "concurrent", "signal", "select", "selectors", "io",
    "pathlib", "shutil", "tempfile", "sqlite3", "pickle", "logging", "sys", "gc", "ctypes",
    "math", "statistics", "fractions", "cmath", "zoneinfo", "calendar", "locale", "platform",
}
BANNED_CALLS = {"float", "id", "hash", "open", "print", "input", "eval", "exec", "compile",
                "globals", "vars", "__import__"}

# which top-level openbourse packages each package may import (docs/architecture.md)
LAYERS = {
    "core": {"core"},
    "journal": {"core", "journal"},
    "adapters": {"core", "adapters"},
    "testing": {"core", "testing"},
}
#: finer rules inside a package, by module prefix: the reliability tools of the test kit
#: drive the real journal (sim, torture) and the real sequencer (sim, which may import
#: exactly the runtime modules that do not pull in the adapters)
SUBLAYERS = {
    "openbourse.testing.sim": {"core", "journal", "runtime", "testing"},
    "openbourse.testing.torture": {"core", "journal", "testing"},
}
SIM_RUNTIME = {"openbourse.runtime.sequencer", "openbourse.runtime.clock",
               "openbourse.runtime.inbound"}


def _modules(root: pathlib.Path) -> Iterator[Tuple[str, pathlib.Path, ast.Module]]:
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(PACKAGE_ROOT.parent).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path, ast.parse(path.read_text(), str(path))


def _imports(module: str, path: pathlib.Path, tree: ast.Module) -> List[Tuple[str, int]]:
    """Absolute names of everything ``tree`` imports (relative imports resolved)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: List[Tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((name, node.lineno))
    return found


def test_the_scans_see_the_core() -> None:
    names = {module for module, _, _ in _modules(CORE_ROOT)}
    assert {"openbourse.core.engine.engine", "openbourse.core.orderbook.book",
            "openbourse.core.spot.settlement"} <= names


def test_core_imports_only_the_standard_library_and_itself() -> None:
    problems = []
    for module, path, tree in _modules(CORE_ROOT):
        for name, line in _imports(module, path, tree):
            top = name.split(".")[0]
            if top == "openbourse":
                if not name.startswith("openbourse.core"):
                    problems.append(f"{path}:{line} imports {name}")
            elif top != "__future__" and top not in sys.stdlib_module_names:
                problems.append(f"{path}:{line} imports non-stdlib {name}")
            elif top in BANNED_MODULES:
                problems.append(f"{path}:{line} imports banned {name}")
    assert not problems, "\n".join(problems)


def _set_iterables(node: ast.AST) -> Iterator[ast.AST]:
    """Expressions iterated in hash order: for-loops/comprehensions over a set display, a
    set comprehension or a set()/frozenset() call, and list()/tuple()/enumerate() of one."""
    def is_set(expr: ast.AST) -> bool:
        return isinstance(expr, (ast.Set, ast.SetComp)) or (
            isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name)
            and expr.func.id in ("set", "frozenset"))
    for child in ast.walk(node):
        if isinstance(child, (ast.For, ast.comprehension)) and is_set(child.iter):
            yield child.iter
        elif isinstance(child, ast.Call) and isinstance(child.func, ast.Name) and \
                child.func.id in ("list", "tuple", "enumerate", "iter", "next", "zip") and \
                any(is_set(arg) for arg in child.args):
            yield child


def test_core_has_no_nondeterministic_or_float_constructs() -> None:
    problems = []
    for _, path, tree in _modules(CORE_ROOT):
        for node in ast.walk(tree):
            where = f"{path.relative_to(PACKAGE_ROOT)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id in BANNED_CALLS:
                problems.append(f"{where} calls {node.func.id}(")
            elif isinstance(node, ast.Constant) and type(node.value) in (float, complex):
                problems.append(f"{where} float literal {node.value!r}")
            elif isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(node.op, ast.Div):
                problems.append(f"{where} true division (float)")
            elif isinstance(node, ast.Attribute) and node.attr in ("time_ns", "perf_counter",
                                                                   "urandom", "getrandbits"):
                problems.append(f"{where} uses .{node.attr}")
        for node in _set_iterables(tree):
            problems.append(f"{path.relative_to(PACKAGE_ROOT)}:{node.lineno} iterates a set")
    assert not problems, "\n".join(problems)


def test_the_set_iteration_scan_can_fail() -> None:
    tree = ast.parse("for x in set(a): pass\ny = [v for v in {1, 2}]\nz = list(frozenset(b))\n"
                     "ok = sorted(set(c))\n")
    assert sorted(node.lineno for node in _set_iterables(tree)) == [1, 2, 3]


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_import_layers(package: str) -> None:
    root = PACKAGE_ROOT / package
    if not root.exists():
        pytest.skip(f"openbourse.{package} does not exist yet")
    problems = []
    for module, path, tree in _modules(root):
        allowed = LAYERS[package]
        for prefix, layers in SUBLAYERS.items():
            if module == prefix or module.startswith(prefix + "."):
                allowed = layers
        for name, line in _imports(module, path, tree):
            parts = name.split(".")
            if parts[0] == "openbourse" and len(parts) > 1 and parts[1] not in allowed:
                problems.append(f"{path.relative_to(PACKAGE_ROOT)}:{line} imports {name}")
            elif parts[:2] == ["openbourse", "runtime"] and name not in SIM_RUNTIME:
                problems.append(f"{path.relative_to(PACKAGE_ROOT)}:{line} imports {name}"
                                " (only the sequencer, clock and inbound queue)")
    assert not problems, "\n".join(problems)


def test_every_command_type_has_exactly_one_handler() -> None:
    tables = [admin.HANDLERS, wallet_handlers.HANDLERS, spot_handlers.HANDLERS] + \
        [product.handlers for product in products.PRODUCTS]
    owners: Dict[type, int] = {}
    for table in tables:
        for command_type in table:
            owners[command_type] = owners.get(command_type, 0) + 1
    assert all(count == 1 for count in owners.values()), owners
    assert set(owners) == set(products.COMMAND_TAGS.values()) == set(engine.HANDLERS)
    assert len(engine.HANDLERS) == len(products.COMMAND_TAGS)
    assert all(callable(handler) for handler in engine.HANDLERS.values())


def test_command_and_event_tables_are_complete_and_tagged() -> None:
    union = set(typing.get_args(commands.Command))
    assert union == set(commands.COMMAND_TYPES)
    assert len(set(commands.COMMAND_TYPES)) == len(commands.COMMAND_TYPES)
    declared_commands = {getattr(commands, name) for name in commands.__all__
                         if isinstance(getattr(commands, name), type)}
    assert declared_commands == set(commands.COMMAND_TYPES)
    declared_events = {getattr(events, name) for name in events.__all__
                       if isinstance(getattr(events, name), type)}
    assert declared_events == set(events.EVENT_TYPES)
    assert len(set(events.EVENT_TYPES)) == len(events.EVENT_TYPES)
    for product in products.PRODUCTS:
        declared_commands |= set(product.commands.values())
        declared_events |= set(product.events.values())
    assert declared_commands == set(products.COMMAND_TAGS.values())
    assert declared_events == set(products.EVENT_TAGS.values())
    for command_type in products.COMMAND_TAGS.values():
        assert command_type._fields[0] == "ts_ns"
        sample = command_type(*[0] * len(command_type._fields))
        assert codec.decode_command(codec.encode_command(sample)) == sample
    for event_type in products.EVENT_TAGS.values():
        assert event_type._fields[:2] == ("seq", "ts_ns")
        sample = event_type(*[0] * len(event_type._fields))
        assert codec.decode_event(codec.encode_event(sample)) == sample


def test_event_fields_are_only_ints_and_strs() -> None:
    for event_type in products.EVENT_TAGS.values():
        for name, annotation in event_type.__annotations__.items():
            text = getattr(annotation, "__forward_arg__", annotation)
            assert text in ("int", "str", int, str), (event_type.__name__, name, annotation)


def test_core_modules_declare_all() -> None:
    problems = []
    for module, _path, tree in _modules(CORE_ROOT):
        if not tree.body:
            continue  # an empty package marker
        declared: Set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
                declared = set(ast.literal_eval(node.value))
        if not declared:
            problems.append(f"{module} has no __all__")
            continue
        loaded = importlib.import_module(module)
        missing = [name for name in declared if not hasattr(loaded, name)]
        if missing:
            problems.append(f"{module}.__all__ names undefined {missing}")
    assert not problems, "\n".join(problems)
