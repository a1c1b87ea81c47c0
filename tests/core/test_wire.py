"""bookctl.core.wire: models read leniently, held to pydantic's answers on the same input.

The client replaced pydantic by this module for speed; what a provider's answer becomes must
not change. The differential tests give both the same JSON values and field types and expect
the same value (and type) or a failure from both.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Annotated, Any, ClassVar

import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookctl.core import wire

TYPES: list[Any] = [
    int,
    str,
    bool,
    float,
    Decimal,
    int | None,
    str | None,
    Decimal | None,
    bool | None,
    int | str | None,
    str | float | None,
    list[int],
    list[str],
    dict[str, Any],
    dict[str, str | None],
    list[dict[str, Any]] | None,
]

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(
        [
            "",
            "0",
            "1",
            " 1 ",
            "1.0",
            "1.5",
            "-2",
            "+3",
            "1e3",
            "1_000",
            "NaN",
            "inf",
            "true",
            "False",
            "yes",
            "off",
            "t",
            "abc",
            "12.50",
            ".5",
            "5.",
            "0x1f",
            "١٢",
        ]
    ),
    st.text(max_size=6),
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)


def _pair(kind: Any, numbers_to_str: bool) -> tuple[type[pydantic.BaseModel], type[wire.Model]]:
    theirs = pydantic.create_model(
        "Theirs",
        __config__=pydantic.ConfigDict(coerce_numbers_to_str=numbers_to_str),
        x=(kind, ...),
    )
    ns: dict[str, Any] = {
        "__annotations__": {"x": kind},
        "model_config": wire.ConfigDict(coerce_numbers_to_str=numbers_to_str),
    }
    ours = type("Ours", (wire.Model,), ns)
    return theirs, ours


def _outcome(model: Any, value: Any, errors: tuple[type[BaseException], ...]) -> Any:
    try:
        got = model.model_validate({"x": value}).x
    except errors:
        return "invalid"
    return _typed(got)


def _typed(value: Any) -> Any:
    """A value with its type spelled out, so 1, 1.0, True and Decimal(1) never compare equal."""
    if isinstance(value, list):
        return ["list", [_typed(v) for v in value]]
    if isinstance(value, dict):
        return ["dict", {k: _typed(v) for k, v in value.items()}]
    if isinstance(value, float) and math.isnan(value):
        return ["float", "nan"]
    if isinstance(value, Decimal):
        return ["Decimal", str(value)]
    return [type(value).__name__, value]


@pytest.mark.parametrize("numbers_to_str", [False, True], ids=["strict-str", "numbers-to-str"])
@pytest.mark.parametrize("kind", TYPES, ids=str)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_json)
def test_a_field_reads_json_as_pydantic_does(kind: Any, numbers_to_str: bool, value: Any) -> None:
    theirs, ours = _pair(kind, numbers_to_str)
    expected = _outcome(theirs, value, (pydantic.ValidationError,))
    assert _outcome(ours, value, (wire.ValidationError,)) == expected, (kind, value)


def _digits(value: Any) -> Any:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


Count = Annotated[int | str | None, wire.BeforeValidator(_digits)]


class Line(wire.Model):
    model_config = wire.ConfigDict(extra="allow", coerce_numbers_to_str=True)

    id: str
    qty: int = 1
    price: Decimal | None = None
    tags: list[str] = []


class Basket(wire.Model):
    model_config = wire.ConfigDict(populate_by_name=True)

    kind: ClassVar[str] = "basket"
    lines: list[Line] = []
    embedded: dict[str, Any] = wire.Field(default_factory=dict, alias="_embedded")
    left: Count = None
    secret: str | None = wire.Field(default=None, exclude=True, repr=False)
    note: str | None = wire.Field(default=None, exclude_if=lambda v: v is None)

    @property
    def total(self) -> Decimal:
        return sum((line.price or Decimal(0)) * line.qty for line in self.lines) or Decimal(0)


class Strict(wire.Model):
    model_config = wire.ConfigDict(extra="forbid")

    name: str


def test_a_nested_answer_is_read_into_models_with_numbers_as_text_and_unknown_fields_kept() -> None:
    basket = Basket.model_validate(
        {
            "lines": [{"id": 7, "qty": "2", "price": "12.50", "colour": "red"}],
            "_embedded": {"x": 1},
            "left": " 3 ",
            "extra": "ignored",
        }
    )
    line = basket.lines[0]
    assert (line.id, line.qty, line.price) == ("7", 2, Decimal("12.50"))
    assert line.model_extra == {"colour": "red"}
    assert basket.model_extra is None  # extra="ignore": nothing kept
    assert basket.embedded == {"x": 1}
    assert basket.left == 3
    assert basket.total == Decimal("25.00")
    assert Basket.kind == "basket"


def test_a_field_is_read_by_its_alias_and_by_its_name_when_the_model_says_so() -> None:
    assert Basket.model_validate({"embedded": {"a": 1}}).embedded == {"a": 1}
    assert Basket(embedded={"b": 2}).embedded == {"b": 2}


def test_mutable_defaults_are_not_shared_between_instances() -> None:
    first, second = Basket.model_validate({}), Basket.model_validate({})
    first.lines.append(Line(id="1"))
    first.embedded["k"] = "v"
    assert second.lines == [] and second.embedded == {}
    assert Line(id="a").tags is not Line(id="b").tags


def test_errors_name_each_bad_field_with_its_place_and_count_them() -> None:
    with pytest.raises(wire.ValidationError) as caught:
        Basket.model_validate({"lines": [{"qty": "x"}, {"id": "ok", "price": "NaN"}], "left": []})
    err = caught.value
    assert err.error_count() == 4
    assert set(err.errors()) == {
        ("lines.0.id", "field required"),
        ("lines.0.qty", "input should be an integer"),
        ("lines.1.price", "input should be a finite number"),
        ("left", "input matches none of the allowed types"),
    }
    assert "4 validation error(s) for Basket" in str(err)


@pytest.mark.parametrize("answer", [None, [], "basket", 3])
def test_an_answer_that_is_not_an_object_is_one_error(answer: Any) -> None:
    with pytest.raises(wire.ValidationError) as caught:
        Basket.model_validate(answer)
    assert caught.value.error_count() == 1


def test_unknown_fields_are_refused_where_the_model_forbids_them() -> None:
    with pytest.raises(wire.ValidationError) as caught:
        Strict(name="a", nickname="b")  # type: ignore[call-arg]
    assert caught.value.errors() == [("nickname", "extra fields not permitted")]


def test_building_a_model_reads_its_values_like_an_answer() -> None:
    line = Line(id="1", qty="4", price=2)  # type: ignore[arg-type]
    assert (line.qty, line.price) == (4, Decimal(2))
    with pytest.raises(wire.ValidationError):
        Line(id=None)  # type: ignore[arg-type]


def test_dump_follows_include_exclude_and_json_mode() -> None:
    basket = Basket.model_validate(
        {"lines": [{"id": "1", "price": "2.50", "gift": True}], "_embedded": {}, "secret": "s"}
    )
    assert basket.secret == "s"
    assert basket.model_dump(mode="json") == {
        "lines": [{"id": "1", "qty": 1, "price": "2.50", "tags": [], "gift": True}],
        "embedded": {},
        "left": None,
    }
    assert basket.lines[0].model_dump()["price"] == Decimal("2.50")
    assert basket.lines[0].model_dump(include={"id", "gift"}) == {"id": "1", "gift": True}
    assert basket.model_dump(exclude={"lines", "embedded"}) == {"left": None}
    assert Basket.model_validate({"note": "hi"}).model_dump()["note"] == "hi"


def test_equality_and_repr_follow_the_fields_and_hide_what_is_not_shown() -> None:
    one = Basket.model_validate({"secret": "token-123", "left": 1})
    assert one == Basket.model_validate({"secret": "token-123", "left": "1"})
    assert one != Basket.model_validate({"secret": "token-123", "left": 2})
    assert "token-123" not in repr(one) and "left=1" in repr(one)
    with pytest.raises(TypeError):
        hash(one)


def test_a_field_type_it_cannot_read_is_a_programming_error_at_first_use() -> None:
    ns: dict[str, Any] = {"__annotations__": {"when": set[int]}}
    odd = type("Odd", (wire.Model,), ns)
    with pytest.raises(TypeError, match="cannot read fields of type"):
        odd.model_validate({"when": [1]})
