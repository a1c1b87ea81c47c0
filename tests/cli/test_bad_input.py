"""Bad input of the foundation: a clear one-line error, the right exit code, nothing changed."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from tests.cli.test_flow import WEDNESDAY, add_args, next_weekday
from tests.conftest import TODAY, Cli, ServedSandbox


def snapshot(root: Path) -> dict[str, str]:
    """Every local file under ``root`` with a digest of its bytes (lock files aside)."""
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock") and not p.name.startswith("sandbox.db")
    }


def assert_clean_error(result: object, code: int, *needles: str) -> None:
    from tests.conftest import Result

    assert isinstance(result, Result)
    assert result.exit_code == code, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)


START = next_weekday(WEDNESDAY)
END = START + dt.timedelta(days=7)
PAST = TODAY - dt.timedelta(days=3)
GUEST = "Oliver,Nicholson,m,ollie@example.com"


def basket(*changes: str) -> list[str]:
    base = {
        "--package": "384",
        "--start-date": START.isoformat(),
        "--end-date": END.isoformat(),
        "--accommodation": "392",
        "--guest": GUEST,
    }
    pairs = list(zip(changes[::2], changes[1::2], strict=True))
    for flag, value in pairs:
        base[flag] = value
    args = ["basket", "add"]
    for flag, value in base.items():
        if value != "":
            args += [flag, value]
    return args


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (basket("--start-date", "2026-13-01"), 2, "--start-date"),
        (basket("--start-date", "next week"), 2, "YYYY-MM-DD"),
        (basket("--start-date", PAST.isoformat()), 2, "in the past"),
        (basket("--end-date", (START - dt.timedelta(days=1)).isoformat()), 2, "before"),
        (basket("--guest", "Oliver,Nicholson"), 2, "FIRST,LAST,GENDER"),
        (basket("--guest", "Oliver,Nicholson,x,o@example.com"), 2, "gender"),
        (basket("--guest", "Oliver,Nicholson,m,not-an-email"), 2, "email"),
        (basket("--guest", ""), 2, "--guest"),
        (basket("--package", ""), 2, "--package"),
        (["availability", "384", "--start-date", "01/12/2026"], 2, "--start-date"),
        (["availability", "384", "--start-date", PAST.isoformat()], 2, "past"),
        (
            [
                "availability",
                "384",
                "--start-date",
                END.isoformat(),
                "--end-date",
                START.isoformat(),
            ],
            2,
            "before",
        ),
        (["availability"], 2, "product id"),
        (["products", "--type", "castle"], 2, "--type"),
        (["products", "--language", "eng"], 2, "--language"),
        (["product", "show", "99999"], 3, "not found"),
        (["product", "show", "abc"], 2, "not a Bookinglayer id"),
        (["availability", "99999"], 3, ""),
        (["basket", "add", "--nope"], 2, "--nope"),
        (["checkout", "--accept-terms", "--first-name", "A"], 3, "no open cart"),
        (["--output", "yaml", "products"], 2, "--output"),
        (["sandbox", "clock", "advance", "soon"], 2, "duration"),
    ],
)
def test_bad_input_is_refused_cleanly(
    cli: Cli, isolated: dict[str, Path], args: list[str], code: int, needle: str
) -> None:
    before = snapshot(isolated["config"]) | snapshot(isolated["state"])
    result = cli(*args)
    assert_clean_error(result, code, needle)
    assert snapshot(isolated["config"]) | snapshot(isolated["state"]) == before


def test_errors_are_json_under_json(cli: Cli) -> None:
    result = cli("product", "show", "99999", "--json")
    assert result.exit_code == 3
    error = result.json["error"]
    assert error["code"] == "not_found"
    assert error["message"] and error["hint"]


def test_unknown_package_and_accommodation(cli: Cli) -> None:
    assert_clean_error(cli(*basket("--package", "99999")), 3)
    assert_clean_error(cli(*basket("--accommodation", "99999")), 3)


def test_duplicate_guest_emails(cli: Cli, isolated: dict[str, Path]) -> None:
    args = [*add_args(START), "--guest", "Ann,Lee,f,ollie@example.com"]
    assert_clean_error(cli(*args), 2, "same email")
    assert not (isolated["state"] / "sessions" / "sandbox.json").exists()


def test_duplicate_email_across_adds_to_one_cart(cli: Cli, isolated: dict[str, Path]) -> None:
    assert cli(*add_args(START)).exit_code == 0
    session = isolated["state"] / "sessions" / "sandbox.json"
    before = session.read_bytes()
    result = cli(*add_args(START, guest="Ann,Lee,f,ollie@example.com"))
    assert_clean_error(result, 2)
    assert session.read_bytes() == before


def test_checkout_needs_terms_and_customer(cli: Cli, isolated: dict[str, Path]) -> None:
    assert cli(*add_args(START)).exit_code == 0
    before = snapshot(isolated["state"])
    customer = ["--first-name", "O", "--last-name", "N", "--email", "o@example.com", "--phone", "1"]
    assert_clean_error(cli("checkout", *customer), 2, "--accept-terms")
    assert_clean_error(cli("checkout", "--accept-terms", "--first-name", "O"), 2, "last name")
    assert_clean_error(
        cli("checkout", "--accept-terms", *customer[:4], "--email", "nope", "--phone", "1"),
        2,
        "email",
    )
    missing = isolated["state"] / "nothing.json"
    assert_clean_error(
        cli("checkout", "--accept-terms", "--customer-file", str(missing)), 2, str(missing)
    )
    broken = isolated["state"] / "broken.json"
    broken.write_text("{not json")
    assert_clean_error(
        cli("checkout", "--accept-terms", "--customer-file", str(broken)), 2, "not valid JSON"
    )
    broken.unlink()
    assert snapshot(isolated["state"]) == before


def test_phone_is_required_by_the_business_settings(cli: Cli) -> None:
    assert cli(*add_args(START)).exit_code == 0
    result = cli(
        "checkout",
        "--accept-terms",
        "--first-name",
        "O",
        "--last-name",
        "N",
        "--email",
        "o@example.com",
    )
    assert_clean_error(result, 2, "phone")


def test_unknown_profile(cli: Cli) -> None:
    assert_clean_error(cli("-p", "nope", "products"), 3, "nope")
    assert_clean_error(cli("profile", "use", "nope"), 3)


def test_wrong_api_key(cli: Cli, served: ServedSandbox, isolated: dict[str, Path]) -> None:
    url = f"{served.url}/bookinglayer/api/pub/v2"
    added = cli(
        "profile",
        "add",
        "bad",
        "--provider",
        "bookinglayer",
        "--base-url",
        url,
        "--api-key-stdin",
        stdin="wrong-key-123\n",
    )
    assert added.exit_code == 0, added
    result = cli("-p", "bad", "products")
    assert_clean_error(result, 5, "API key")
    assert "wrong-key-123" not in result.stderr + result.stdout
    verbose = cli("-p", "bad", "products", "-v")
    assert "wrong-key-123" not in verbose.stderr + verbose.stdout
    assert "authorization: Bearer ***" in verbose.stderr


def test_option_of_another_provider(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKCTL_API_KEY", "k")
    added = cli(
        "profile",
        "add",
        "wixy",
        "--provider",
        "wix",
        "--base-url",
        "https://www.wixapis.com/bookings/v1",
    )
    assert added.exit_code == 0, added
    result = cli("-p", "wixy", *basket())
    assert_clean_error(result, 2, "--package", "bookinglayer")


def test_unreachable_base_url(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKCTL_API_KEY", "k")
    cli(
        "profile",
        "add",
        "down",
        "--provider",
        "bookinglayer",
        "--base-url",
        "http://127.0.0.1:9/bookinglayer/api/pub/v2",
    )
    result = cli("-p", "down", "products", "--connect-timeout", "0.5")
    assert_clean_error(result, 6, "cannot reach")


def test_plain_http_to_a_remote_host_is_refused(cli: Cli, isolated: dict[str, Path]) -> None:
    result = cli(
        "profile",
        "add",
        "far",
        "--provider",
        "bookinglayer",
        "--base-url",
        "http://api.example.com/v2",
        stdin="k\n",
    )
    assert_clean_error(result, 2, "--insecure-http")
    assert not (isolated["config"] / "config.toml").exists()
    ok = cli(
        "profile",
        "add",
        "far",
        "--provider",
        "bookinglayer",
        "--base-url",
        "http://api.example.com/v2",
        "--insecure-http",
    )
    assert ok.exit_code == 0, ok


def test_corrupt_config_is_named_and_left_alone(cli: Cli, isolated: dict[str, Path]) -> None:
    config = isolated["config"] / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[profiles\nbroken = ")
    before = config.read_bytes()
    for args in (["products"], ["profile", "list"], ["profile", "use", "sandbox"]):
        assert_clean_error(cli(*args), 2, str(config))
    assert config.read_bytes() == before


def test_corrupt_session_is_named_and_left_alone(cli: Cli, isolated: dict[str, Path]) -> None:
    session = isolated["state"] / "sessions" / "sandbox.json"
    session.parent.mkdir(parents=True)
    session.write_text('{"version": 1, "cart_id": ')
    before = session.read_bytes()
    for args in (["cart", "show"], add_args(START), ["checkout", "--accept-terms"]):
        assert_clean_error(cli(*args), 2, str(session))
    assert session.read_bytes() == before


def test_session_from_the_future_is_refused(cli: Cli, isolated: dict[str, Path]) -> None:
    session = isolated["state"] / "sessions" / "sandbox.json"
    session.parent.mkdir(parents=True)
    session.write_text(json.dumps({"version": 99, "cart_id": "x"}))
    assert_clean_error(cli("cart", "show"), 2, "version")
