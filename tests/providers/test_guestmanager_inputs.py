"""Where Guest Manager step data comes from: flags, the answers file, a prompt, or exit 2."""

from __future__ import annotations

import pytest

from bookctl.core.errors import UsageError
from bookctl.providers.guestmanager.client import StepInputs, WireOrder, guest_fields, step_data


def order(**extra: object) -> WireOrder:
    base: dict[str, object] = {
        "id": 1,
        "number": "R100001",
        "state": "tickets",
        "total": "160.00",
        "tickets": [{"id": 7}, {"id": "8"}],
        "payment_methods": [{"id": 1}],
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
        "tickets": [{"id": 7, "keep": True}, {"id": 8, "name": "Bizzy Bone"}]
    }
    assert step_data("payment", wire, inputs) == {
        "payments": [{"payment_method_id": 1, "token": "tok_visa"}]
    }
    assert asked == [False, False, True]


def test_the_payment_method_comes_from_the_orders_payment_methods() -> None:
    two = order(payment_methods=[{"id": 3, "name": "Stripe"}, {"id": "9", "name": "Cash"}])
    with pytest.raises(UsageError) as err:
        step_data("payment", two, StepInputs({"payment_token": "tok_visa"}))
    assert "offers 2 payment methods" in err.value.message
    assert err.value.hint is not None and "3 (Stripe), 9 (Cash)" in err.value.hint
    chosen = step_data("payment", two, StepInputs({"payment_token": "t", "payment_method": "9"}))
    assert chosen == {"payments": [{"payment_method_id": 9, "token": "t"}]}
    with pytest.raises(UsageError) as err:
        step_data("payment", two, StepInputs({"payment_token": "t", "payment_method": "1"}))
    assert "no payment method '1'" in err.value.message
    none = order(payment_methods=[])
    with pytest.raises(UsageError) as err:
        step_data("payment", none, StepInputs({"payment_token": "t"}))
    assert err.value.hint is not None and "--payment-method" in err.value.hint


def test_form_answers_go_back_by_answer_id_without_field_objects() -> None:
    wire = order(
        state="form",
        form_responses=[{"id": "38133", "answers": [{"id": 167288}, {"id": "167287"}]}],
    )
    inputs = StepInputs({"answers_file": None})
    inputs.answers = {"form": {"167288": "791", "167287": "test"}}
    assert step_data("form", wire, inputs) == {
        "responses": [
            {
                "id": 38133,
                "answers": [{"id": 167288, "value": "791"}, {"id": 167287, "value": "test"}],
            }
        ]
    }


def test_iso_codes_go_as_given_without_a_country_lookup() -> None:
    inputs = StepInputs({})
    inputs.answers = {
        "bill_address": {
            "address1": "123 Main Street",
            "city": "Anytown",
            "zipcode": "92109",
            "state_code": "wa",
            "country_code": "au",
        }
    }
    wire = order(state="address")
    assert step_data("address", wire, inputs)["bill_address"] == {
        "address1": "123 Main Street",
        "city": "Anytown",
        "zipcode": "92109",
        "state_code": "WA",
        "country_code": "AU",
    }
    inputs.answers = {"bill_address": {"address1": "1", "city": "c", "zipcode": "z"}}
    with pytest.raises(UsageError) as err:
        step_data("address", wire, inputs)
    assert "country_code" in err.value.message
