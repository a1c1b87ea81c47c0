"""The emulator packages: the same shape each, and nothing shared but neutral sandbox modules.

Each `bookctl.sandbox.<key>` imports no other emulator and nothing of the client
(`bookctl.providers`, `bookctl.cli`, `bookctl.batch`): the sandbox shares only the documents'
field names with the client. Imports are read from the source (ast), relative ones resolved.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from fastapi import FastAPI

import bookctl.sandbox
from bookctl.sandbox.registry import PROVIDER_NAMES

SANDBOX = Path(bookctl.sandbox.__file__).parent
CLIENT_PACKAGES = ("bookctl.providers", "bookctl.cli", "bookctl.batch")
#: What `sandbox/registry.py` documents an emulator package exports.
EXPORTS = {"NAME", "PREFIX", "SCHEMA", "STATE_TABLES", "router", "stats"}


def imported_names(path: Path, module: str) -> list[str]:
    """Every module (and `from` target) that the file of `module` imports, absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package[: len(package) - (node.level - 1)]
                base = ".".join([*parent, *([base] if base else [])])
            names.append(base)
            names += [f"{base}.{alias.name}" for alias in node.names]
    return names


def forbidden(key: str, names: list[str]) -> list[str]:
    """The imports an emulator package `key` must not have."""
    others = [f"bookctl.sandbox.{k}" for k in PROVIDER_NAMES if k != key]
    return sorted(
        {
            name
            for name in names
            for root in (*others, *CLIENT_PACKAGES)
            if name == root or name.startswith(root + ".")
        }
    )


def _modules(key: str) -> list[tuple[Path, str]]:
    found = []
    for path in sorted((SANDBOX / key).rglob("*.py")):
        parts = path.relative_to(SANDBOX).with_suffix("").parts
        parts = parts[:-1] if parts[-1] == "__init__" else parts
        found.append((path, ".".join(("bookctl", "sandbox", *parts))))
    return found


@pytest.mark.parametrize("key", PROVIDER_NAMES)
def test_an_emulator_imports_no_other_emulator_and_nothing_of_the_client(key: str) -> None:
    modules = _modules(key)
    assert {p.name for p, _ in modules} >= {"__init__.py", "routes.py", "backend.py", "seed.py"}
    bad = {m: forbidden(key, imported_names(p, m)) for p, m in modules}
    assert {m: names for m, names in bad.items() if names} == {}


def test_the_import_check_catches_every_way_of_importing_another_emulator(
    tmp_path: Path,
) -> None:
    source = tmp_path / "routes.py"
    source.write_text(
        "import bookctl.batch.journal\n"
        "from bookctl.sandbox import wix\n"
        "from ..rundl.seed import PRODUCTS\n"
        "from . import backend\n"
        "from bookctl.providers.rundl import client\n"
        "from bookctl.sandbox.parsing import parse_int\n",
        encoding="utf-8",
    )
    names = imported_names(source, "bookctl.sandbox.bookingbug.routes")
    assert forbidden("bookingbug", names) == [
        "bookctl.batch.journal",
        "bookctl.providers.rundl",
        "bookctl.providers.rundl.client",
        "bookctl.sandbox.rundl.seed",
        "bookctl.sandbox.rundl.seed.PRODUCTS",
        "bookctl.sandbox.wix",
    ]


@pytest.mark.parametrize("key", PROVIDER_NAMES)
def test_an_emulator_package_exports_what_the_registry_documents(key: str) -> None:
    package = importlib.import_module(f"bookctl.sandbox.{key}")
    assert set(package.__all__) == EXPORTS
    assert key == package.NAME
    app = FastAPI()
    app.include_router(package.router)
    paths = list(app.openapi()["paths"])
    assert paths
    assert [p for p in paths if not p.startswith((package.PREFIX + "/", "/_sandbox/"))] == []
