"""One way to make a cart session from a cart: used by ``basket add``/``cart show`` and smoke."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bookctl.core.models import Cart, CartLine
from bookctl.core.session import CartSession, SessionStore, session_from_cart
from tests.conftest import TODAY


def _cart(cart_id: str = "c1", tokens: dict[str, str] | None = None) -> Cart:
    return Cart(
        id=cart_id,
        provider="bookingbug",
        state="open",
        expires_at="2027-03-10T09:20:00+00:00",
        currency="GBP",
        total="14.00",
        lines=[
            CartLine(product_id="7", title="Yoga", quantity=2, dates=["2027-03-11"], amount="14.00")
        ],
        session_tokens=tokens or {},
    )


def test_a_new_session_holds_what_the_cart_says() -> None:
    session = session_from_cart("p", _cart(tokens={"auth_token": "t1"}))
    assert (session.profile, session.provider, session.cart_id) == ("p", "bookingbug", "c1")
    assert (session.state, session.currency, session.total) == ("open", "GBP", "14.00")
    assert session.expires_at == "2027-03-10T09:20:00+00:00"
    assert session.tokens == {"auth_token": "t1"}
    assert session.lines == [
        {
            "product_id": "7",
            "title": "Yoga",
            "quantity": 2,
            "dates": ["2027-03-11"],
            "amount": "14.00",
            "guest": None,
            "kind": None,
        }
    ]
    assert session.order_id is None
    # Made now, on the pinned day.
    assert dt.datetime.fromisoformat(session.created_at).date() == TODAY
    assert session.updated_at == session.created_at


def test_the_same_cart_keeps_its_creation_time_and_tokens() -> None:
    previous = CartSession(
        profile="p",
        provider="bookingbug",
        cart_id="c1",
        created_at="2027-03-01T08:00:00+00:00",
        tokens={"auth_token": "old", "member": "m1"},
    )
    session = session_from_cart("p", _cart(tokens={"auth_token": "new"}), previous)
    assert session.created_at == "2027-03-01T08:00:00+00:00"
    assert session.updated_at != session.created_at
    assert session.tokens == {"auth_token": "new", "member": "m1"}


def test_another_cart_starts_afresh() -> None:
    previous = CartSession(
        profile="p",
        provider="bookingbug",
        cart_id="c0",
        created_at="2027-03-01T08:00:00+00:00",
        tokens={"member": "m1"},
    )
    session = session_from_cart("p", _cart("c1"), previous)
    assert session.created_at != previous.created_at
    assert session.tokens == {}


def test_it_saves_and_loads_back(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    session = session_from_cart("p", _cart(tokens={"auth_token": "t1"}))
    store.save(session)
    assert store.load("p") == session
