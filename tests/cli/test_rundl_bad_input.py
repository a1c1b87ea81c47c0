"""Rundl bad input: the DESIGN.md exit code, one clear line, no local change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_bad_input import assert_clean_error, snapshot
from tests.conftest import Cli, ServedSandbox

RD = ["-p", "sandbox-rundl"]
SERVICE = "30798101"


def add(*args: str) -> list[str]:
    return [*RD, "basket", "add", *args]


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (add(), 2, "--service and at least one --product"),
        (add("--service", SERVICE), 2, "--product"),
        (add("--product", "30798132"), 2, "--service"),
        (add("--service", SERVICE, "--product", "30798132", "--qty", "0"), 2, "--qty"),
        (add("--service", SERVICE, "--product", "30798132", "--qty", "-2"), 2, "--qty"),
        (add("--service", SERVICE, "--product", "x"), 2, "not a Rundl id"),
        (add("--service", SERVICE, "--product", "99999"), 3, "Product 99999"),
        (add("--service", "99999", "--product", "30798132"), 3, "Service 99999"),
        (add("--service", SERVICE, "--product", "30798231"), 2, "not a product of service"),
        (add("--service", SERVICE, "--product", "30798132", "--event-id", "1"), 2, "bookingbug"),
        ([*RD, "products", "--service", "99999"], 3, "Service 99999"),
        ([*RD, "product", "show", "99999"], 3, "Product 99999"),
        ([*RD, "availability", "30798132"], 2, "availability"),
        ([*RD, "checkout"], 3, "no open cart"),
        ([*RD, "checkout", "--take-from-wallet"], 2, "bookingbug"),
        ([*RD, "cart", "show", "--cart", "123"], 3, "Checkout 123"),
    ],
)
def test_bad_input_is_refused_cleanly(
    cli: Cli, isolated: dict[str, Path], args: list[str], code: int, needle: str
) -> None:
    before = snapshot(isolated["config"]) | snapshot(isolated["state"])
    result = cli(*args)
    assert_clean_error(result, code, needle)
    assert snapshot(isolated["config"]) | snapshot(isolated["state"]) == before


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"service": 30798101}, "'checkout' object"),
        ({"checkout": {"service": 30798101}}, "'items' list"),
        (
            {
                "checkout": {
                    "service": 30798101,
                    "items": [{"product": {"id": 30798132}, "quantity": 0}],
                }
            },
            "quantity",
        ),
        (
            {
                "checkout": {
                    "service": 30798101,
                    "items": [{"product": {"id": 30798132}, "quantity": "2"}],
                }
            },
            "quantity",
        ),
        ({"checkout": {"service": 30798101, "items": [{"quantity": 1}]}}, "product"),
        ({"checkout": {"items": [{"product": {"id": 30798132}, "quantity": 1}]}}, "service"),
    ],
)
def test_bad_file_bodies(
    cli: Cli, isolated: dict[str, Path], tmp_path: Path, body: object, needle: str
) -> None:
    path = tmp_path / "body.json"
    path.write_text(json.dumps(body))
    before = snapshot(isolated["state"])
    assert_clean_error(cli(*add("--file", str(path))), 2, needle)
    assert snapshot(isolated["state"]) == before


def test_file_and_options_together(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "body.json"
    path.write_text("{}")
    result = cli(*add("--file", str(path), "--service", SERVICE))
    assert_clean_error(result, 2, "not both")


def test_stages_rundl_lacks_and_a_second_add(cli: Cli, isolated: dict[str, Path]) -> None:
    assert cli(*add("--service", SERVICE, "--product", "30798132")).exit_code == 0
    before = snapshot(isolated["state"])
    assert_clean_error(cli(*RD, "cart", "extend"), 2, "rundl has no 'cart extend' step")
    assert_clean_error(cli(*RD, "cart", "abandon", "--yes"), 2, "cart abandon")
    assert_clean_error(cli(*add("--service", SERVICE, "--product", "30798133")), 2, "--new-cart")
    assert snapshot(isolated["state"]) == before
    fresh = cli(*add("--service", SERVICE, "--product", "30798133", "--new-cart"))
    assert fresh.exit_code == 0, fresh


def test_profile_without_account(cli: Cli, isolated: dict[str, Path]) -> None:
    added = cli(
        "profile",
        "add",
        "noaccount",
        "--provider",
        "rundl",
        "--base-url",
        "http://127.0.0.1:9/rundl/api",
        "--account",
        "17357980",
        "--api-key-stdin",
        stdin="k\n",
    )
    assert added.exit_code == 0, added
    # profile add insists on --account; a hand-edited config.toml may still lack it.
    config = isolated["config"] / "config.toml"
    edited = config.read_text().replace('account = "17357980"\n', "")
    assert edited != config.read_text()
    config.write_text(edited)
    before = snapshot(isolated["state"])
    for args in (["products"], ["basket", "add", "--service", SERVICE, "--product", "1"]):
        assert_clean_error(cli("-p", "noaccount", *args), 2, "no account")
    assert snapshot(isolated["state"]) == before


def test_wrong_token_and_unknown_account(cli: Cli, served: ServedSandbox) -> None:
    for name, account, key in (("badkey", "17357980", "nope"), ("badacct", "1", "sandbox-key")):
        added = cli(
            "profile",
            "add",
            name,
            "--provider",
            "rundl",
            "--base-url",
            f"{served.url}/rundl/api",
            "--account",
            account,
            "--api-key-stdin",
            stdin=f"{key}\n",
        )
        assert added.exit_code == 0, added
    assert_clean_error(cli("-p", "badkey", "products"), 5, "OAuth")
    assert_clean_error(cli("-p", "badacct", "products"), 3, "Account 1")
