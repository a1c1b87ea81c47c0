"""Where Guest Manager step data comes from: flags, the answers file, a prompt, or exit 2."""

from __future__ import annotations

import pytest

from bookctl.core.errors import UsageError
from bookctl.providers.guestmanager import StepInputs, WireOrder, guest_fields, step_data


def order(**extra: object) -> WireOrder:
    base: dict[str, object] = {
        "id": 1,
        "number": "R100001",
        "state": "tickets",
        "currency": "USD",
        "total": "160.00",
        "tickets": [
            {"id": 7, "ticket_type_id": 602, "collect_name": True},
            {"id": 8, "ticket_type_id": 602, "collect_name": True},
        ],
    }
    return WireOrder.model_validate({**base, **extra})


def test_a_prompt_fills_only_what_is_missing() -> None:
    asked: list[tuple[str, bool]] = []

    def prompt(question: str, secret: bool) -> str:
        asked.append((question, secret))
        return "ann@example.com"

    fields = guest_fields(StepInputs({"first_name": "Ann", "last_name": "Lee", "prompt": prompt}))
    assert fields == {"email": "ann@example.com", "first_name": "Ann", "last_name": "Lee"}
    assert asked == [("The guest's email", False)]


def test_without_a_prompt_the_error_names_the_flag() -> None:
    with pytest.raises(UsageError) as err:
        guest_fields(StepInputs({"email": "ann@example.com", "last_name": "Lee"}))
    assert "first name" in err.value.message
    assert err.value.hint is not None and "--first-name" in err.value.hint


def test_ticket_names_and_secret_token_are_prompted() -> None:
    answers = iter(["", "Bizzy Bone", "tok_visa"])
    asked: list[bool] = []

    def prompt(question: str, secret: bool) -> str:
        asked.append(secret)
        return next(answers)

    inputs = StepInputs({"prompt": prompt})
    wire = order()
    assert step_data("tickets", wire, inputs) == {
        "tickets": [{"id": 7, "keep": True}, {"id": 8, "keep": False, "name": "Bizzy Bone"}]
    }
    assert step_data("payment", wire, inputs) == {
        "payments": [{"payment_method_id": 1, "token": "tok_visa"}]
    }
    assert asked == [False, False, True]
