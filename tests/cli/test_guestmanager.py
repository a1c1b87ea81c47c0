"""Guest Manager from the CLI: catalogue, orders, every checkout step and state, expiry, poll."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cli.targets import Target, make_target
from tests.conftest import Cli, start_sandbox

GUEST = ["--email", "ann@example.com", "--first-name", "Ann", "--last-name", "Lee"]
BILL = {
    "address1": "123 Main Street",
    "city": "Anytown",
    "zipcode": "92109",
    "state_id": 162,
    "country_id": 14,
}

FORM = {"company": "Acme", "9002": "L"}


@pytest.fixture(params=["embedded", "served"])
def gm(request: pytest.FixtureRequest, cli: Cli) -> Target:
    return make_target(request, cli, "guestmanager")


@pytest.fixture
def gm_embedded(cli: Cli) -> Target:
    return Target(cli, ["-p", "sandbox-guestmanager"], None)


def answers(tmp_path: Path, **data: Any) -> str:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(data))
    return str(path)


def test_products_show_sale_status_and_restrictions(gm: Target) -> None:
    products = {p["id"]: p for p in gm.ok("products")}
    assert products["601"]["title"] == "Summer Jazz Night: General Admission"
    assert products["601"]["price_from"] == {"amount": "25.00", "currency": "USD"}
    assert products["601"]["details"]["status"] == "on sale"
    assert products["607"]["details"]["status"] == "sold out (can request)"
    assert products["608"]["details"]["status"] == "not on sale (can reserve)"
    assert "password protected" in products["605"]["details"]["restrictions"]
    assert "invitation only" in products["606"]["details"]["restrictions"]
    assert "form" in products["603"]["details"]["restrictions"]
    assert "shipping" in products["609"]["details"]["restrictions"]
    table = gm("products")
    assert "sold out (can request)" in table.stdout
    shown = gm.ok("product", "show", "602")
    assert shown["details"]["event"] == "Summer Jazz Night"


def test_full_checkout_through_every_step_then_poll(gm: Target, tmp_path: Path) -> None:
    cart = gm.ok("basket", "add", "--ticket-type", "602", "--qty", "2")
    assert cart["state"] == "cart"
    assert cart["links"]["checkout"].endswith("/checkout")
    cart = gm.ok("basket", "add", "--ticket-type", "603")
    assert cart["total"] == "359.00"
    assert len(cart["lines"]) == 2
    shown = gm("cart", "show")
    assert cart["links"]["cart"] in shown.stdout
    file = answers(
        tmp_path,
        tickets=[{"keep": True}, {"name": "Bizzy Bone", "email": "b@example.com"}, {"name": "Lay"}],
        bill_address=BILL,
        form={"Company": "Acme", "T-shirt size": "M", "Dietary needs": "Vegan"},
    )
    done = gm("checkout", *GUEST, "--answers-file", file, "--payment-token", "tok_visa", "--json")
    assert done.exit_code == 0, done
    assert done.json["state"] == "processing"
    assert "bookctl poll" in done.stderr
    raw = gm.ok("cart", "show", "--raw")["raw"]
    assert raw["tickets"][1]["name"] == "Bizzy Bone"
    assert raw["ship_address"] is None and raw["bill_address"]["state_code"] == "WA"
    assert [a["value"] for a in raw["form_responses"][0]["answers"]] == ["Acme", "592", "792"]

    early = gm("poll", "--interval", "0.05", "--timeout", "0.3")
    assert early.exit_code == 8, early
    assert "still processing" in early.stderr
    gm.advance("1m")
    settled = gm("poll", done.json["id"], "--interval", "0.05", "--json")
    assert settled.exit_code == 0, settled
    order = settled.json
    assert order["state"] == "complete"
    assert order["payment_state"] == "paid"
    assert order["completed_at"] is not None
    assert "complete" in settled.stderr
    gone = gm("cart", "show")
    assert gone.exit_code == 3  # the settled order retired the cart session


def test_step_by_step_with_password(gm: Target, tmp_path: Path) -> None:
    gm.ok("basket", "add", "--ticket-type", "605")
    first = gm.ok("checkout", "--step", *GUEST)
    assert first["state"] == "password"
    wrong = gm("checkout", "--step", "--answers-file", answers(tmp_path, password="nope"))
    assert wrong.exit_code == 2, wrong
    assert "Wrong password" in wrong.stderr and "Traceback" not in wrong.stderr
    assert gm.ok("cart", "show")["state"] == "password"
    file = answers(tmp_path, password="opensesame", bill_address=BILL)
    assert gm.ok("checkout", "--step", "--answers-file", file)["state"] == "address"
    assert gm.ok("checkout", "--step", "--answers-file", file)["state"] == "payment"
    paid = gm.ok("checkout", "--step", "--payment-token", "tok_visa")
    assert paid["state"] == "confirm"
    assert gm.ok("checkout", "--step")["state"] == "processing"
    assert gm.ok("cart", "show")["state"] == "processing"  # session kept until settled


def test_invite_and_member_steps(gm: Target, tmp_path: Path) -> None:
    gm.ok("basket", "add", "--ticket-type", "606")
    gm.ok("basket", "add", "--ticket-type", "604", "--qty", "2")
    bad = gm(
        "checkout",
        *GUEST,
        "--answers-file",
        answers(
            tmp_path, invite="INV-0000", member=["M-1001", "M-1002"], bill_address=BILL, form=FORM
        ),
        "--payment-token",
        "tok_visa",
    )
    assert bad.exit_code == 2 and "invitation code" in bad.stderr, bad
    file = answers(
        tmp_path, invite="INV-1234", member=["M-1001", "M-1002"], bill_address=BILL, form=FORM
    )
    done = gm.ok("checkout", "--answers-file", file, "--payment-token", "tok_visa")
    assert done["state"] == "processing"
    raw = gm.ok("cart", "show", "--raw")["raw"]
    assert [t["member_id"] for t in raw["tickets"]] == ["M-1001", "M-1002"]


def test_declined_token_returns_to_payment_then_retry(gm: Target, tmp_path: Path) -> None:
    gm.ok("basket", "add", "--ticket-type", "601")
    file_args = ["--answers-file", answers(tmp_path, bill_address=BILL)]
    assert gm.ok("checkout", *GUEST, *file_args, "--payment-token", "tok_declined")["state"] == (
        "processing"
    )
    gm.advance("1m")
    declined = gm("poll", "--interval", "0.05", "--json")
    assert declined.exit_code == 4, declined
    assert declined.json["state"] == "payment"
    assert declined.json["payment_state"] == "failed"
    assert declined.stderr.strip().splitlines()[-1].startswith("error: order")
    assert gm.ok("checkout", "--payment-token", "tok_visa")["state"] == "processing"
    gm.advance("1m")
    assert gm.ok("poll", "--interval", "0.05")["state"] == "complete"


def test_partial_payment_leaves_a_balance_due(gm_embedded: Target, tmp_path: Path) -> None:
    gm = gm_embedded
    gm.ok("basket", "add", "--ticket-type", "601", "--qty", "2")
    file = answers(tmp_path, bill_address=BILL, payment_amount="20.00")
    gm.ok("checkout", *GUEST, "--answers-file", file, "--payment-token", "tok_visa")
    gm.advance("1m")
    order = gm.ok("poll", "--interval", "0.05")
    assert (order["state"], order["payment_state"]) == ("complete", "balance_due")


@pytest.mark.parametrize(("ticket", "outcome"), [("607", "requested"), ("608", "reserved")])
def test_requested_and_reserved_are_terminal(gm: Target, ticket: str, outcome: str) -> None:
    gm.ok("basket", "add", "--ticket-type", ticket)
    done = gm("checkout", *GUEST, "--json")
    assert done.exit_code == 0, done
    assert done.json["state"] == outcome
    assert done.json["completed_at"] is None
    assert gm("cart", "show").exit_code == 3
    polled = gm.ok("poll", done.json["id"], "--interval", "0.05")
    assert polled["state"] == outcome


def test_free_order_completes_without_payment(gm_embedded: Target) -> None:
    gm_embedded.ok("basket", "add", "--ticket-type", "610")
    order = gm_embedded.ok("checkout", *GUEST)
    assert (order["state"], order["payment_state"]) == ("complete", "paid")


def test_expiry_and_resume(gm: Target) -> None:
    gm.ok("basket", "add", "--ticket-type", "602", "--qty", "8")
    gm.advance("16m")
    assert gm.ok("cart", "show")["state"] == "expired"
    refused = gm("checkout", *GUEST)
    assert refused.exit_code == 4, refused
    assert "expired" in refused.stderr and "cart extend" in refused.stderr
    order_id = gm.ok("cart", "show")["id"]
    # Someone else takes 5 of the 10 VIP tickets meanwhile.
    gm.ok("basket", "add", "--ticket-type", "602", "--qty", "5", "--new-cart")
    resumed = gm("cart", "extend", "--cart", order_id, "--json")
    assert resumed.exit_code == 0, resumed
    assert resumed.json["state"] == "cart"
    assert resumed.json["lines"][0]["quantity"] == 5
    # Read from the order's line items before and after resume (no sandbox-only field).
    assert "warning: Summer Jazz Night - VIP: 5 of 8 ticket(s) could be re-reserved" in (
        resumed.stderr
    )
    products = {p["id"]: p for p in gm.ok("products")}
    assert products["602"]["details"]["available"] == 0


def test_checkout_of_a_processing_order_is_refused_and_of_a_complete_one_reported(
    gm: Target, tmp_path: Path
) -> None:
    gm.ok("basket", "add", "--ticket-type", "601")
    file = answers(tmp_path, bill_address=BILL)
    order = gm.ok("checkout", *GUEST, "--answers-file", file, "--payment-token", "tok_visa")
    again = gm("checkout", "--payment-token", "tok_visa")
    assert again.exit_code == 4, again
    assert "processing" in again.stderr and f"bookctl poll {order['id']}" in again.stderr
    gm.advance("1m")
    gm.ok("poll", "--interval", "0.05")
    # A retry after the purchase went through reports it (it used to exit 4): nothing is sent.
    done = gm("checkout", "--cart", order["id"], "--json")
    assert done.exit_code == 0, done
    assert done.json["state"] == "complete" and done.json["id"] == order["id"]
    assert f"order {order['id']} was already complete" in done.stderr


def test_cart_abandon_releases_tickets(gm_embedded: Target) -> None:
    gm = gm_embedded
    gm.ok("basket", "add", "--ticket-type", "602", "--qty", "10")
    assert {p["id"]: p for p in gm.ok("products")}["602"]["details"]["available"] == 0
    sold_out = gm("basket", "add", "--ticket-type", "602", "--new-cart")
    assert sold_out.exit_code == 4 and "left" in sold_out.stderr
    assert gm("cart", "abandon", "--yes").exit_code == 0
    assert {p["id"]: p for p in gm.ok("products")}["602"]["details"]["available"] == 10


def test_shipping_goes_to_the_billing_address(gm_embedded: Target, tmp_path: Path) -> None:
    gm = gm_embedded
    gm.ok("basket", "add", "--ticket-type", "609")
    file = answers(tmp_path, bill_address={**BILL, "country_id": 999})
    bad = gm("checkout", *GUEST, "--answers-file", file, "--payment-token", "tok_visa")
    # Ids and ISO codes are the platform's to check (no country lookup): the order waits at
    # `address` and the next run picks up from there.
    assert bad.exit_code == 2 and "Unknown country_id 999" in bad.stderr, bad
    bill = {k: v for k, v in BILL.items() if k not in ("state_id", "country_id")}
    file = answers(tmp_path, bill_address={**bill, "country_code": "us", "state_code": "ny"})
    gm.ok("checkout", *GUEST, "--answers-file", file, "--payment-token", "tok_visa")
    raw = gm.ok("cart", "show", "--raw")["raw"]
    assert raw["ship_address"]["country_code"] == "US"
    assert raw["ship_address_id"] is not None


def test_checkout_wait_follows_processing(served_gm_url: str, tmp_path: Path, cli: Cli) -> None:
    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    file = answers(tmp_path, bill_address=BILL)
    base = [sys.executable, "-m", "bookctl", "-p", "mine"]
    cli("basket", "add", "--ticket-type", "601", "-p", "mine")
    args = ["checkout", *GUEST, "--answers-file", file, "--payment-token", "tok_visa", "--wait"]
    proc = subprocess.Popen(
        [*base, *args, "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while proc.poll() is None and time.monotonic() < deadline:
        cli("sandbox", "clock", "advance", "10s", "--url", served_gm_url.rsplit("/", 1)[0])
        time.sleep(0.2)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert json.loads(out)["state"] == "complete"
    assert "order 1: processing" in err and "order 1: complete" in err


@pytest.fixture
def served_gm_url(cli: Cli, served: Any) -> str:
    url = served.url + "/guestmanager"
    added = cli(
        "profile",
        "add",
        "mine",
        "--provider",
        "guestmanager",
        "--base-url",
        url,
        "--api-key-stdin",
        stdin="sandbox-key\n",
    )
    assert added.exit_code == 0, added
    return str(url)


def test_poll_on_bookinglayer_says_it_has_no_poll(cli: Cli) -> None:
    result = cli("poll", "123")
    assert result.exit_code == 2
    assert "bookinglayer has no 'poll' step" in result.stderr


def test_rate_limit_is_retried_then_reported(cli: Cli, served_gm_url: str) -> None:
    served_url = served_gm_url.rsplit("/", 1)[0]
    httpx.put(f"{served_url}/_sandbox/faults", json={"spec": "429=1"}, timeout=5)
    try:
        limited = cli("-p", "mine", "products")
    finally:
        httpx.put(f"{served_url}/_sandbox/faults", json={"spec": ""}, timeout=5)
    assert limited.exit_code == 6, limited
    assert "Too many requests" in limited.stderr
    assert cli("-p", "mine", "products").exit_code == 0


def _seed_for(pattern: list[bool], rate: float) -> int:
    """A sandbox seed whose fault draws hit exactly ``pattern`` (docs/sandbox.md: one draw per
    request from ``random.Random(seed)``, restarted when the fault spec is set)."""
    for seed in range(100_000):
        rng = random.Random(seed)
        if [rng.random() < rate for _ in pattern] == pattern:
            return seed
    raise AssertionError("no seed fits")  # pragma: no cover


def test_a_purchase_whose_answer_is_dropped_is_reported_made(cli: Cli, tmp_path: Path) -> None:
    # The checkout's requests: read the order, guest fields, /next, then `confirm` (3 attempts,
    # each answer dropped after the work is committed), then bookctl reads the order back.
    pattern = [False, False, False, True, True, True, False]
    served = start_sandbox(tmp_path, "--seed", str(_seed_for(pattern, 0.5)))
    try:
        url = served.url + "/guestmanager"
        added = cli(
            "profile", "add", "mine", "--provider", "guestmanager", "--base-url", url,
            "--api-key-stdin", stdin="sandbox-key\n",
        )  # fmt: skip
        assert added.exit_code == 0, added
        gm = Target(cli, ["-p", "mine"], served)
        cart = gm.ok("basket", "add", "--ticket-type", "610")  # free: cart → confirm → complete
        served.admin("PUT", "faults", json={"spec": "drop-after-commit=0.5"})
        done = gm("checkout", *GUEST, "--json")
        served.admin("PUT", "faults", json={"spec": ""})
        assert done.exit_code == 0, done
        assert done.json["state"] == "complete" and done.json["id"] == cart["id"]
        assert "was lost or unreadable" in done.stderr and "read back: complete" in done.stderr
        assert gm("cart", "show").exit_code == 3  # the cart session moved to history
        stats = served.admin("GET", "stats")["guestmanager"]
        assert (stats["complete_orders"], stats["transitions"]) == (1, 1)  # confirmed once
        again = gm("checkout", "--cart", cart["id"], "--json")
        assert again.exit_code == 0, again
        assert "was already complete" in again.stderr
    finally:
        served.stop()
