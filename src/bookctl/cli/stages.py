"""The options of ``basket add`` and ``checkout``, built from the providers' declarations.

Each provider package declares its stage options once (``ProviderSpec.stages``); from that one
declaration come the command-line flags (here), the "option is for X" errors
(``Catalogue.resolve``), completion (Click's own, from these parameters) and the batch columns.
Help shows the options without a provider first, then those several providers share, then one
panel per provider.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from bookctl.core.provider import Catalogue, ProviderSpec, StageOption
from bookctl.providers import CATALOGUE

SHARED_PANEL = "Options of several providers"

_ANNOTATIONS: dict[str, Any] = {
    "text": str | None,
    "int": int | None,
    "list": list[str] | None,
    "flag": bool,
    "switch": bool | None,
    "path": Path | None,
}


def panel_of(spec: ProviderSpec) -> str:
    return f"{spec.title} options"


def _parameter(name: str, declared: list[tuple[ProviderSpec, StageOption]]) -> inspect.Parameter:
    options = [option for _, option in declared]
    kinds = {option.kind for option in options}
    if kinds in ({"list"}, {"list", "text"}):
        kind = "list"  # one provider takes several, another one: the command line takes several
    elif len(kinds) == 1:
        kind = kinds.pop()
    else:
        raise ValueError(f"--{name}: providers declare it with different kinds {sorted(kinds)}")
    first = options[0]
    if kind == "switch":
        decls = [first.switch or f"{first.flag}/--no-{name.replace('_', '-')}"]
    else:
        aliases = sorted({option.alias for option in options if option.alias})
        shorts = sorted({option.short for option in options if option.short})
        decls = [first.flag, *aliases, *shorts]
    text = max((option.help for option in options), key=len)
    keys = [spec.key for spec, _ in declared]
    if len(declared) > 1:
        text = f"({', '.join(keys)}) {text}".rstrip()
    info = typer.Option(
        *decls,
        help=text or None,
        metavar=first.metavar,
        rich_help_panel=SHARED_PANEL if len(declared) > 1 else panel_of(declared[0][0]),
        show_default=False,
    )
    default: Any = False if kind == "flag" else None
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=default,
        annotation=Annotated[_ANNOTATIONS[kind], info],
    )


def stage_parameters(stage: str, catalogue: Catalogue = CATALOGUE) -> list[inspect.Parameter]:
    """The command-line parameters of ``stage``: shared ones first, then each provider's."""
    declared = catalogue.stage_options(stage)
    shared = [_parameter(name, who) for name, who in declared.items() if len(who) > 1]
    own: list[inspect.Parameter] = []
    for spec in catalogue.specs():
        own += [
            _parameter(name, who)
            for name, who in declared.items()
            if len(who) == 1 and who[0][0] is spec
        ]
    return shared + own


def stage_command(
    stage: str,
    fixed: list[inspect.Parameter],
    run: Callable[[dict[str, Any], dict[str, Any]], None],
    doc: str,
    *,
    late: tuple[inspect.Parameter, ...] = (),
) -> Callable[..., None]:
    """A Typer command taking ``fixed`` parameters and every provider's ``stage`` options
    (then ``late`` ones: those that belong in a provider's panel, after its own options).

    ``run(fixed_values, given)`` gets the fixed parameters' values and the stage options as
    typed on the command line (paths as text), by command-line name.
    """
    names = {parameter.name for parameter in (*fixed, *late)}

    def command(**values: Any) -> None:
        given = {
            name: str(value) if isinstance(value, Path) else value
            for name, value in values.items()
            if name not in names
        }
        run({name: values[name] for name in names}, given)

    command.__signature__ = inspect.Signature([*fixed, *stage_parameters(stage), *late])  # type: ignore[attr-defined]
    command.__doc__ = doc
    command.__name__ = stage.replace(" ", "_")
    return command
