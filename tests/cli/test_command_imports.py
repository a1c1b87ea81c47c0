"""Commands do not import commands: what several share lives in a non-command module or core."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

from bookctl.cli.app import COMMANDS

#: The modules that register commands (cli/app.py's COMMANDS names them).
COMMAND_MODULES = sorted({module for modules, _ in COMMANDS.values() for module in modules})


def cli_imports(source: str) -> set[str]:
    """The ``bookctl.cli`` modules a source imports, at the top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "bookctl.cli":
                names = [f"bookctl.cli.{alias.name}" for alias in node.names]
            else:
                names = [node.module]
        else:
            continue
        found |= {name.split(".")[2] for name in names if name.startswith("bookctl.cli.")}
    return found


def _source(module: str) -> str:
    spec = importlib.util.find_spec(f"bookctl.cli.{module}")
    assert spec is not None and spec.origin is not None, module
    return Path(spec.origin).read_text(encoding="utf-8")


def test_the_scan_sees_every_form_of_import() -> None:
    source = (
        "import bookctl.cli.cart\n"
        "from bookctl.cli import poll, hints\n"
        "from bookctl.cli.basket import add\n"
        "def f():\n"
        "    from bookctl.cli.orders import show\n"
        "from bookctl.core.errors import UsageError\n"
    )
    assert cli_imports(source) == {"cart", "poll", "hints", "basket", "orders"}


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_a_command_module_imports_no_other_command_module(module: str) -> None:
    others = set(COMMAND_MODULES) - {module}
    imported = cli_imports(_source(module)) & others
    assert not imported, (
        f"bookctl.cli.{module} imports the command module(s) {sorted(imported)}; move what it "
        "needs to a non-command module (cli/carts.py, cli/tables.py, cli/options.py) or to core"
    )


#: The cli modules that are not commands (what commands share); cli/app.py names the commands.
SHARED_MODULES = sorted(
    path.stem
    for path in Path(str(importlib.util.find_spec("bookctl.cli.app").origin)).parent.glob("*.py")
    if path.stem not in COMMAND_MODULES and path.stem not in ("app", "__init__", "__main__")
)


@pytest.mark.parametrize("module", SHARED_MODULES)
def test_a_shared_cli_module_imports_no_command_module(module: str) -> None:
    imported = cli_imports(_source(module)) & set(COMMAND_MODULES)
    assert not imported, f"bookctl.cli.{module} imports the command module(s) {sorted(imported)}"
