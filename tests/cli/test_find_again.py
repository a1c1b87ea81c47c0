"""Finding things again: ``orders``, ``order show``, ``cart list``, and what --new-cart does."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pytest

from tests.conftest import Cli, Result

GUEST = ["--email", "ann@example.com", "--first-name", "Ann", "--last-name", "Lee"]
CHECKOUT = ["checkout", "--accept-terms", *GUEST, "--phone", "403 201 767"]


def add(cli: Cli, days: int, *extra: str) -> dict[str, object]:
    args = ["basket", "add", "--package", "450", "--start-date", f"+{days}d"]
    added = cli(*args, "--end-date", f"+{days + 1}d", "--guest", "Ann,Lee,f", *extra, "--json")
    assert added.exit_code == 0, added
    return dict(added.json)


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result
    return result


def test_orders_lists_the_profiles_checkouts_newest_first(cli: Cli) -> None:
    empty = ok(cli("orders", "--json"))
    assert empty.json == []
    assert "no orders yet" in empty.stderr
    add(cli, 3)
    first = ok(cli(*CHECKOUT, "--json")).json
    add(cli, 5)
    second = ok(cli(*CHECKOUT, "--json")).json
    listed = ok(cli("orders", "--json")).json
    assert [o["id"] for o in listed] == [second["id"], first["id"]]
    assert listed[0] == second
    assert {o["state"] for o in listed} == {"confirmed"}
    rows = list(csv.reader(io.StringIO(ok(cli("orders", "-o", "csv")).stdout)))
    assert rows[0] == ["ORDER", "STATE", "TOTAL", "CURRENCY", "WHEN", "CART"]
    assert rows[1][:4] == [second["id"], "confirmed", second["total"], "EUR"]
    assert rows[1][4] == second["completed_at"]
    # Another profile has its own history.
    assert ok(cli("-p", "sandbox-wix", "orders", "--json")).json == []


def test_order_show_reads_back_or_shows_what_checkout_answered(cli: Cli) -> None:
    add(cli, 3)
    order = ok(cli(*CHECKOUT, "--json")).json
    shown = ok(cli("order", "show", order["id"], "--json"))
    assert shown.json == order
    assert "no order to read back" in shown.stderr
    missing = cli("order", "show", "424242")
    assert missing.exit_code == 3, missing
    assert "'bookctl orders'" in missing.stderr


def test_an_asynchronous_order_is_listed_while_it_settles_and_read_back(
    cli: Cli, tmp_path: Path
) -> None:
    gm = ["-p", "sandbox-guestmanager"]
    ok(cli(*gm, "basket", "add", "--ticket-type", "601"))
    answers = tmp_path / "answers.json"
    answers.write_text(
        '{"bill_address": {"address1": "1 Main St", "city": "Anytown", "zipcode": "92109",'
        ' "state_code": "WA", "country_code": "AU"}}'
    )
    args = ["--answers-file", str(answers), "--payment-token", "tok_visa", "--json"]
    order = ok(cli(*gm, "checkout", *GUEST, *args)).json
    assert order["state"] == "processing"
    listed = ok(cli(*gm, "orders", "--json")).json
    assert [(o["id"], o["state"]) for o in listed] == [(order["id"], "processing")]
    ok(cli("sandbox", "clock", "advance", "1m"))
    shown = ok(cli(*gm, "order", "show", order["id"], "--json")).json
    assert (shown["id"], shown["state"]) == (order["id"], "complete")


def test_new_cart_sets_a_full_cart_aside_and_cart_list_shows_both(cli: Cli) -> None:
    assert ok(cli("cart", "list", "--json")).json == []
    first = add(cli, 3)
    second = add(cli, 5, "--new-cart")
    listed = ok(cli("cart", "list", "--json")).json
    assert [(c["id"], c["current"]) for c in listed] == [(second["id"], True), (first["id"], False)]
    assert listed[1]["state"] == "open" and listed[1]["total"] == first["total"]
    # The first still holds its place until abandoned.
    assert ok(cli("cart", "show", "--cart", str(first["id"]), "--json")).json["state"] == "open"
    ok(cli("cart", "abandon", "--cart", str(first["id"]), "--yes"))
    assert [c["id"] for c in ok(cli("cart", "list", "--json")).json] == [second["id"]]
    ok(cli(*CHECKOUT))
    assert ok(cli("cart", "list", "--json")).json == []
    assert [o["cart_id"] for o in ok(cli("orders", "--json")).json] == [second["id"]]


def test_new_cart_says_where_the_previous_cart_went(cli: Cli) -> None:
    first = add(cli, 3)
    result = cli(
        "-p",
        "sandbox",
        "basket",
        "add",
        "--package",
        "450",
        "--start-date",
        "+5d",
        "--end-date",
        "+6d",
        "--guest",
        "Ann,Lee,f",
        "--new-cart",
    )
    ok(result)
    assert f"cart {first['id']} set aside" in result.stderr
    assert "'bookctl cart list'" in result.stderr


def test_new_cart_forgets_an_expired_cart(cli: Cli) -> None:
    add(cli, 3)
    ok(cli("sandbox", "clock", "advance", "11m"))
    second = add(cli, 5, "--new-cart")
    assert [c["id"] for c in ok(cli("cart", "list", "--json")).json] == [second["id"]]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_new_cart_at_a_terminal_asks_and_abandons_the_previous_cart(
    cli: Cli, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bookctl.cli.app import main

    first = add(cli, 3)
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", Terminal("y\n"))
    args = ["basket", "add", "--package", "450", "--start-date", "+5d", "--end-date", "+6d"]
    with pytest.raises(SystemExit) as done:
        main([*args, "--guest", "Bob,Lee,m", "--new-cart", "-q"])
    assert done.value.code in (0, None)
    assert f"Cart {first['id']} still holds 1 line(s), " in capsys.readouterr().err
    shown = ok(cli("cart", "show", "--cart", str(first["id"]), "--json")).json
    assert shown["state"] == "abandoned"
    assert len(ok(cli("cart", "list", "--json")).json) == 1
