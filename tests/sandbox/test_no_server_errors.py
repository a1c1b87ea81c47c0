"""No request makes the sandbox fail with a 500: ids past SQLite's range, and a property test.

The property test walks every route of the app's own OpenAPI schema with values hypothesis
draws (path ids, query parameters, JSON bodies) and asserts that the answer is never a 5xx.
"""

from __future__ import annotations

import base64
import os
import re
import warnings
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from bookctl.sandbox.app import DEFAULT_API_KEY, create_app

HUGE = "99999999999999999999999999"
AUTH_BY_PREFIX = {
    "/bookinglayer": {"Authorization": f"Bearer {DEFAULT_API_KEY}"},
    "/bookingbug": {"App-Id": "bookctl-sandbox", "App-Key": DEFAULT_API_KEY},
    "/wix": {"Authorization": DEFAULT_API_KEY},
    "/guestmanager": {"Authorization": f"Token {DEFAULT_API_KEY}"},
    "/rundl": {"Authorization": "OAuth " + base64.b64encode(DEFAULT_API_KEY.encode()).decode()},
}
# The query parameters the five documents name (the routes read them from the request).
QUERY_NAMES = (
    "account",
    "attachment_id",
    "backoffice_category_id",
    "bulk_purchase_id",
    "currency",
    "date",
    "deal_id",
    "duration",
    "duration_unit",
    "end_date",
    "event_chain_id",
    "event_id",
    "from",
    "language",
    "location",
    "member_id",
    "package_id",
    "pax",
    "product_id",
    "qty",
    "service_id",
    "start_date",
    "state",
    "take_from_wallet",
    "to",
    "type",
)
MUTATING = {"post", "put", "patch", "delete"}


def _headers(path: str) -> dict[str, str]:
    for prefix, headers in AUTH_BY_PREFIX.items():
        if path.startswith(prefix):
            return headers
    return {}


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("fuzz") / "s.db"
    with TestClient(create_app(db), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def routes(app_client: TestClient) -> list[tuple[str, str]]:
    schema: dict[str, Any] = app_client.app.openapi()  # type: ignore[attr-defined]
    return [
        (method, path)
        for path, operations in schema["paths"].items()
        if path != "/_sandbox/reset"
        for method in operations
    ]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/rundl/api/checkouts/{HUGE}?account=17357980", None),
        ("POST", f"/rundl/api/checkouts/{HUGE}/purchase?account=17357980", {}),
        ("GET", f"/rundl/api/product_orders/{HUGE}?account=17357980", None),
        ("GET", f"/rundl/api/products/{HUGE}?account=17357980", None),
        ("GET", f"/_sandbox/bookingbug/wallets/{HUGE}", None),
        ("POST", f"/_sandbox/bookingbug/wallets/{HUGE}", {"amount": 100}),
        ("GET", f"/bookingbug/api/v1/{HUGE}/company", None),
        ("GET", f"/bookingbug/api/v1/purchases/{HUGE}", None),
        ("GET", f"/bookingbug/api/v1/37000/client/{HUGE}", None),
        ("GET", f"/guestmanager/orders/{HUGE}", None),
        ("GET", f"/wix/bookings/v1/bookings/{HUGE}", None),
        ("GET", f"/bookinglayer/api/pub/v2/carts/{HUGE}", None),
    ],
)
def test_an_id_past_sqlites_range_is_a_4xx(
    app_client: TestClient, method: str, path: str, body: Any
) -> None:
    response = app_client.request(method, path, json=body, headers=_headers(path))
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    if method == "GET":  # nothing can have that id
        assert response.status_code == 404, (response.status_code, response.text)
    assert isinstance(response.json(), dict)


_ids = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from([HUGE, "-" + HUGE, "0", "1", "384", "37000", "17357980", "nan", "1e400"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
)
_values = st.one_of(
    _ids,
    st.dates().map(str),
    st.sampled_from(["true", "false", "", "2027-02-30", "inf", "-1", "1.5"]),
)
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from([*QUERY_NAMES, "id", "guests", "items"]), children)
    ),
    max_leaves=12,
)


#: CI runs a fixed, bounded set; ``BOOKCTL_FUZZ_EXAMPLES=5000`` runs a longer random one.
LONG_RUN = int(os.environ.get("BOOKCTL_FUZZ_EXAMPLES", "0"))


@settings(
    derandomize=not LONG_RUN,
    max_examples=LONG_RUN or 300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_route_answers_a_server_error(
    app_client: TestClient, routes: list[tuple[str, str]], data: st.DataObject
) -> None:
    method, template = data.draw(st.sampled_from(routes), label="route")
    path = re.sub(
        r"\{[^}]+\}", lambda _: quote(data.draw(_ids, label="id"), safe="") or "x", template
    )
    query = data.draw(st.dictionaries(st.sampled_from(QUERY_NAMES), _values, max_size=4))
    body = data.draw(_json, label="body") if method in MUTATING else None
    response = app_client.request(
        method.upper(),
        path,
        params=query,
        json=body,
        headers={**_headers(path), "Idempotency-Key": data.draw(st.uuids()).hex},
    )
    assert response.status_code < 500, (method, path, query, body, response.text[:300])
