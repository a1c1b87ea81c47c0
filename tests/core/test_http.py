"""The HTTP client against the real sandbox app: retries, idempotency, redaction, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stamina

from bookctl.core import errors
from bookctl.core.embedded import ASGISyncTransport
from bookctl.core.http import ApiClient, ClientConfig, extract_error
from bookctl.sandbox.app import create_app
from tests.conftest import TODAY

BASE = "http://sandbox.embedded/bookinglayer/api/pub/v2"
KEY = "sandbox-key"


@pytest.fixture(autouse=True)
def no_waits() -> Iterator[None]:
    """Retries happen (3 attempts) but without sleeping."""
    with stamina.set_testing(True, attempts=3):
        yield


def make(
    tmp_path: Path, *, faults: str | None = None, key: str = KEY, trace: list[str] | None = None
) -> tuple[ApiClient, ASGISyncTransport]:
    transport = ASGISyncTransport(create_app(tmp_path / "s.db", faults=faults, seed=1))
    client = ApiClient(
        ClientConfig(
            base_url=BASE,
            auth_headers={"Authorization": f"Bearer {key}"},
            secrets=(key,),
            provider="bookinglayer",
        ),
        transport=transport,
        trace=trace.append if trace is not None else None,
    )
    return client, transport


def stats(transport: ASGISyncTransport) -> dict[str, Any]:
    admin = ApiClient(ClientConfig(base_url="http://sandbox.embedded"), transport=transport)
    return dict(admin.get_json("_sandbox/stats"))


def add_body() -> dict[str, Any]:
    import datetime as dt

    start = TODAY + dt.timedelta(days=9)
    while start.weekday() != 2:
        start += dt.timedelta(days=1)
    return {
        "currency": "EUR",
        "guests": [
            {
                "first_name": "A",
                "last_name": "B",
                "gender": "m",
                "email": "a@example.com",
                "package": {
                    "id": 384,
                    "start_date": start.isoformat(),
                    "end_date": (start + dt.timedelta(days=7)).isoformat(),
                    "accommodation_id": 392,
                    "items": [],
                },
            }
        ],
    }


def test_get_succeeds_and_trace_redacts_the_key(tmp_path: Path) -> None:
    trace: list[str] = []
    client, _ = make(tmp_path, trace=trace)
    products = client.get_json("products")
    assert any(p["id"] == 384 for p in products)
    text = "\n".join(trace)
    assert "> GET http://sandbox.embedded/bookinglayer/api/pub/v2/products" in text
    assert "authorization: Bearer ***" in text
    assert KEY not in text


def test_503_is_retried_then_reported(tmp_path: Path) -> None:
    trace: list[str] = []
    client, transport = make(tmp_path, faults="503=1.0", trace=trace)
    with pytest.raises(errors.ApiUnavailableError) as caught:
        client.get_json("products")
    assert caught.value.status == 503
    assert caught.value.exit_code == errors.EXIT_UNREACHABLE
    assert sum("retrying" in line for line in trace) == 2
    assert stats(transport)["requests"] == 3


def test_404_is_not_retried(tmp_path: Path) -> None:
    client, transport = make(tmp_path)
    with pytest.raises(errors.ApiNotFoundError):
        client.get_json("products/99999")
    assert stats(transport)["requests"] == 1


def test_wrong_key_is_an_auth_error_without_the_key(tmp_path: Path) -> None:
    client, _ = make(tmp_path, key="not-the-key-42")
    with pytest.raises(errors.ApiAuthError) as caught:
        client.get_json("products")
    assert "not-the-key-42" not in caught.value.message


def test_post_carries_one_idempotency_key_across_retries(tmp_path: Path) -> None:
    trace: list[str] = []
    client, transport = make(tmp_path, faults="drop-after-commit=1.0", trace=trace)
    with pytest.raises(errors.ApiUnavailableError):
        client.request("POST", "bookings/add", json_body=add_body())
    keys = {line.split(": ", 1)[1] for line in trace if line.startswith("> idempotency-key:")}
    assert len(keys) == 1
    counts = stats(transport)
    assert counts["bookinglayer"]["carts"] == 1  # three attempts, one cart
    assert counts["bookinglayer"]["idempotent_replays"] == 2


def test_lost_answer_is_recovered_by_the_retry(tmp_path: Path) -> None:
    client, transport = make(tmp_path)
    body = add_body()
    first = client.request("POST", "bookings/add", json_body=body, idempotency_key="k-1").json()
    again = client.request("POST", "bookings/add", json_body=body, idempotency_key="k-1").json()
    assert again["cart_id"] == first["cart_id"]
    assert stats(transport)["bookinglayer"]["carts"] == 1
    other = dict(body, currency="USD")
    with pytest.raises(errors.InvalidRequestError) as caught:
        client.request("POST", "bookings/add", json_body=other, idempotency_key="k-1")
    assert caught.value.provider_code == "idempotency_key_reused"


def test_connection_reset_on_a_post_is_an_unknown_outcome(tmp_path: Path) -> None:
    client, _ = make(tmp_path, faults="reset=1.0")
    with pytest.raises(errors.UnknownOutcomeError) as caught:
        client.request("POST", "bookings/add", json_body=add_body())
    assert caught.value.exit_code == errors.EXIT_UNREACHABLE
    with pytest.raises(errors.UnreachableError):
        client.get_json("products")


def test_unreachable_host(tmp_path: Path) -> None:
    client = ApiClient(ClientConfig(base_url="http://127.0.0.1:9/x", connect_timeout=0.5))
    with pytest.raises(errors.UnreachableError) as caught:
        client.get_json("products")
    assert "cannot reach" in caught.value.message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"message": "Nope.", "code": "sold_out"}, ("Nope.", "sold_out")),
        ({"message": "Bad.", "errors": {"x": ["Bad."]}}, ("Bad.", None)),
        ({"message": "Bad.", "errors": {"x": ["too big"]}}, ("Bad. (x: too big)", None)),
        ({"error": {"message": "Locked", "type": "invalid_state"}}, ("Locked", "invalid_state")),
        ({"error": "denied"}, ("denied", None)),
        ("plain text", ("plain text", None)),
        ([1, 2], (None, None)),
    ],
)
def test_extract_error(body: Any, expected: tuple[str | None, str | None]) -> None:
    assert extract_error(body) == expected


def test_error_json_shape() -> None:
    err = errors.ApiRefusedError("Sold out", status=409, provider_code="sold_out", hint="later")
    assert json.loads(json.dumps(err.to_json())) == {
        "error": {
            "code": "refused",
            "message": "Sold out",
            "hint": "later",
            "status": 409,
            "provider_code": "sold_out",
        }
    }
