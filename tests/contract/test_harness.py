"""The contract harness itself: its variants, and that nothing here reaches the sandbox."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.contract.stub import EXTRA, vary

HERE = Path(__file__).resolve().parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_contract_module_imports_the_sandbox_even_through_test_helpers() -> None:
    root = HERE.parents[1]
    todo = sorted(HERE.glob("*.py"))
    checked: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in checked:
            continue
        checked.add(path)
        for name in _imports(path):
            assert not name.startswith("bookctl.sandbox"), f"{path.name} imports {name}"
            if name.startswith("tests."):
                module = root / Path(*name.split("."))
                todo += [
                    p for p in (module.with_suffix(".py"), module / "__init__.py") if p.exists()
                ]
    assert len(checked) > 3


def test_variants() -> None:
    doc = {"id": 384, "price": "14", "title": "Surf", "ok": True, "days": {"2019-05-01": {"n": 6}}}
    assert vary(doc, "documented") == doc
    extras = vary(doc, "extras")
    assert extras["x_undocumented"] == EXTRA["x_undocumented"]
    assert set(extras["days"]) == {"2019-05-01"}  # a map keyed by dates gets no extra keys
    assert extras["days"]["2019-05-01"]["n"] == 6 and "_links" in extras["days"]["2019-05-01"]
    swapped = vary(doc, "swapped")
    assert swapped == {
        "id": "384",
        "price": 14,
        "title": "Surf",
        "ok": True,
        "days": {"2019-05-01": {"n": "6"}},
    }
    assert vary({"a": "1.5"}, "swapped") == {"a": 1.5}
    assert vary({"1": {"x": 1}}, "extras", maps=True) == {"1": {"x": 1, **EXTRA}}
