"""A sixth provider is its package and one catalogue line: a toy one, declared here, gets its
flags, help panel, "option is for X" errors, batch columns and built-in profile from its
declaration alone (no file of bookctl changes)."""

from __future__ import annotations

import inspect
from typing import Any, get_args

import pytest
import typer

from bookctl.cli.stages import panel_of, stage_parameters
from bookctl.core.bulk import ColumnAdapter, Rules
from bookctl.core.config import embedded_url
from bookctl.core.errors import UsageError
from bookctl.core.provider import BuiltinProfile, Catalogue, ProviderSpec, StageOption
from bookctl.providers import CATALOGUE


class ToyClient:
    """Stands in for ``providers/toy/client.py``."""

    key = "toy"

    def __init__(self, client: Any, profile: Any) -> None:
        self.client = client


TOY = ProviderSpec(
    key="toy",
    title="Toy Tickets",
    client=f"{__name__}:ToyClient",
    sandbox_prefix="/toy/v1",
    builtin_profiles=(BuiltinProfile("sandbox-toy"),),
    lacks={"cart extend": "a toy cart never expires"},
    stages={
        "basket add": (
            StageOption("seat_row", "Row of the seat.", metavar="ROW"),
            StageOption("seats", "How many.", word="qty", kind="int"),
        ),
        "checkout": (StageOption("gift", "Wrap it.", kind="flag"),),
    },
    batch_adapter=f"{__name__}:ColumnAdapter",
)
WITH_TOY = Catalogue([*CATALOGUE.specs(), TOY])


def _option(params: list[inspect.Parameter], name: str) -> tuple[tuple[str, ...], Any]:
    """The flags of parameter ``name`` (with Annotated, Typer takes the first as ``default``)."""
    param = next(p for p in params if p.name == name)
    info = get_args(param.annotation)[1]
    assert isinstance(info, typer.models.OptionInfo)
    return (info.default, *info.param_decls), info


def test_its_flags_and_panel_come_from_its_declaration() -> None:
    params = stage_parameters("basket add", WITH_TOY)
    flags, row = _option(params, "seat_row")
    assert flags == ("--seat-row",) and row.rich_help_panel == "Toy Tickets options"
    assert panel_of(TOY) == "Toy Tickets options"
    # Its own name for a shared word joins the shared flag as an alias.
    flags, qty = _option(params, "qty")
    assert "--seats" in flags and "toy" in str(qty.help)
    assert "seat_row" not in {p.name for p in stage_parameters("basket add")}


def test_its_options_are_refused_elsewhere_naming_it() -> None:
    options = WITH_TOY.resolve("toy", "t", "basket add", {"seat_row": "B", "qty": 2})
    assert options == {"seat_row": "B", "seats": 2}
    with pytest.raises(UsageError) as refused:
        WITH_TOY.resolve("wix", "w", "basket add", {"seat_row": "B"})
    assert "basket add --seat-row is not an option of wix" in refused.value.message
    assert refused.value.hint is not None and refused.value.hint.startswith("it is for toy;")
    with pytest.raises(UsageError) as other:
        WITH_TOY.resolve("toy", "t", "checkout", {"coupon": "X"})
    assert other.value.hint == "it is for wix; toy takes --gift"


def test_its_batch_columns_and_builtin_profile() -> None:
    adapter = ColumnAdapter(TOY)
    assert adapter.columns == {"id", "seat_row", "seats", "qty", "gift"}
    add, checkout = adapter.parse({"seat-row": "B", "qty": "3", "gift": "yes"}, "csv", Rules())
    assert (add, checkout) == ({"seat_row": "B", "seats": 3}, {"gift": True})
    with pytest.raises(UsageError, match="qty: 'x' is not a whole number"):
        adapter.parse({"qty": "x"}, "csv", Rules())
    profile = WITH_TOY.builtin_profiles(embedded_url)["sandbox-toy"]
    assert (profile.provider, profile.base_url) == ("toy", "http://sandbox.embedded/toy/v1")
    assert TOY.provider_class() is ToyClient
