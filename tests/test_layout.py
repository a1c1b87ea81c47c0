"""The layout of DESIGN.md section 7, checked from the source: who may import whom, and a core
that names no provider."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bookctl.providers import CATALOGUE

SRC = Path(__file__).resolve().parents[1] / "src" / "bookctl"


def _modules(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Every ``bookctl...`` module ``path`` imports (at the top or inside a function)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("bookctl")}


def _provider_words() -> list[str]:
    words = set()
    for spec in CATALOGUE.specs():
        words.add(spec.key)
        words.add(spec.title.replace(" ", ""))
        words.add(spec.title)
    return sorted(words, key=len, reverse=True)


def test_the_catalogue_lists_five_providers_each_a_package() -> None:
    assert CATALOGUE.keys() == ("bookinglayer", "bookingbug", "wix", "guestmanager", "rundl")
    for key in (spec.key for spec in CATALOGUE.specs()):
        assert (SRC / "providers" / key / "__init__.py").is_file()


@pytest.mark.parametrize("path", _modules("core"), ids=lambda p: p.name)
def test_core_names_no_provider(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    pattern = re.compile("|".join(re.escape(word) for word in _provider_words()), re.I)
    named = [
        f"{number}: {line.strip()}"
        for number, line in enumerate(text.splitlines(), 1)
        if pattern.search(line)
    ]
    assert named == [], f"{path.name} names a provider"


@pytest.mark.parametrize("path", _modules("core"), ids=lambda p: p.name)
def test_core_imports_no_provider_no_cli_no_batch_no_sandbox(path: Path) -> None:
    bad = {
        name
        for name in _imports(path)
        if name.startswith(("bookctl.providers", "bookctl.cli", "bookctl.batch", "bookctl.sandbox"))
    }
    assert bad == set()


@pytest.mark.parametrize("path", _modules("providers"), ids=lambda p: str(p.relative_to(SRC)))
def test_a_provider_imports_only_core_and_its_own_package(path: Path) -> None:
    parts = path.relative_to(SRC / "providers").parts
    own = f"bookctl.providers.{parts[0]}" if len(parts) > 1 else "bookctl.providers"
    allowed = ("bookctl.core", own, "bookctl.providers._common")
    bad = set()
    for name in _imports(path):
        if name == "bookctl.providers" and own == "bookctl.providers":
            continue
        if not (name.startswith(allowed) or name in ("bookctl", "bookctl.providers")):
            bad.add(name)
    if own != "bookctl.providers":
        bad |= {n for n in _imports(path) if n == "bookctl.providers"}
    assert bad == set()


@pytest.mark.parametrize("path", _modules("batch"), ids=lambda p: p.name)
def test_batch_is_provider_neutral(path: Path) -> None:
    keys = tuple(f"bookctl.providers.{key}" for key in (spec.key for spec in CATALOGUE.specs()))
    bad = {n for n in _imports(path) if n.startswith((*keys, "bookctl.cli", "bookctl.sandbox"))}
    assert bad == set()
