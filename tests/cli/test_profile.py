"""Profiles: add/list/show/use/remove, files and modes, precedence flag > env > profile."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest

from tests.conftest import Cli, ServedSandbox


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_builtin_sandbox_is_active_with_nothing_configured(cli: Cli) -> None:
    result = cli("profile", "list", "--json")
    assert result.exit_code == 0, result
    by_name = {p["name"]: p for p in result.json}
    assert set(by_name) == {
        "sandbox",
        "sandbox-bookingbug",
        "sandbox-wix",
        "sandbox-guestmanager",
        "sandbox-rundl",
    }
    assert by_name["sandbox"]["active"] is True
    assert by_name["sandbox"]["provider"] == "bookinglayer"
    assert by_name["sandbox-rundl"]["account"]
    assert by_name["sandbox-bookingbug"]["company_id"]


def test_add_show_use_remove(cli: Cli, isolated: dict[str, Path], served: ServedSandbox) -> None:
    url = f"{served.url}/bookinglayer/api/pub/v2"
    added = cli(
        "profile",
        "add",
        "mine",
        "--provider",
        "bookinglayer",
        "--base-url",
        url,
        "--api-key-stdin",
        stdin="sandbox-key\n",
    )
    assert added.exit_code == 0, added
    config = isolated["config"] / "config.toml"
    creds = isolated["config"] / "credentials.toml"
    assert mode(creds) == 0o600 and mode(config) == 0o600
    assert mode(isolated["config"]) == 0o700
    assert "sandbox-key" not in config.read_text()
    assert tomllib.loads(creds.read_text())["mine"]["api_key"] == "sandbox-key"

    shown = cli("profile", "show", "mine", "--json")
    assert shown.json["base_url"] == url
    assert shown.json["api_key"] == "****-key"  # the last four only
    assert "sandbox-key" not in shown.stdout

    assert cli("profile", "use", "mine").exit_code == 0
    assert tomllib.loads(config.read_text())["active"] == "mine"
    products = cli("products", "--json")  # now via the served sandbox
    assert products.exit_code == 0, products
    stats = served.admin("GET", "stats")
    assert stats["requests"] >= 1

    duplicate = cli("profile", "add", "mine", "--provider", "bookinglayer", "--base-url", url)
    assert duplicate.exit_code == 2 and "already exists" in duplicate.stderr

    assert cli("profile", "remove", "mine", "--yes").exit_code == 0
    assert "mine" not in tomllib.loads(creds.read_text())
    assert "active" not in tomllib.loads(config.read_text())
    assert cli("profile", "remove", "mine").exit_code == 3


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["profile", "add", "x", "--provider", "expedia", "--base-url", "https://a.b"], "provider"),
        (["profile", "add", "x", "--provider", "bookinglayer", "--base-url", "ftp://a.b"], "URL"),
        (["profile", "add", "bad name", "--provider", "wix", "--base-url", "https://a.b"], "name"),
        (
            ["profile", "add", "sandbox", "--provider", "wix", "--base-url", "https://a.b"],
            "built-in",
        ),
        (["profile", "add", "x", "--provider", "rundl", "--base-url", "https://a.b"], "--account"),
        (
            [
                "profile",
                "add",
                "x",
                "--provider",
                "wix",
                "--base-url",
                "https://a.b",
                "--company-id",
                "1",
            ],
            "bookingbug",
        ),
        (
            ["profile", "add", "x", "--provider", "wix", "--base-url", "https://k@a.b"],
            "credentials",
        ),
        (["profile", "remove", "sandbox"], "built-in"),
    ],
)
def test_profile_add_refuses(
    cli: Cli, isolated: dict[str, Path], args: list[str], needle: str
) -> None:
    result = cli(*args)
    assert result.exit_code == 2, result
    assert needle in result.stderr
    assert not (isolated["config"] / "config.toml").exists()


def test_empty_stdin_key_is_refused(cli: Cli, isolated: dict[str, Path]) -> None:
    result = cli(
        "profile",
        "add",
        "x",
        "--provider",
        "wix",
        "--base-url",
        "https://a.b",
        "--api-key-stdin",
        stdin="\n",
    )
    assert result.exit_code == 2 and "no key" in result.stderr
    assert not (isolated["config"] / "config.toml").exists()


def test_precedence_flag_over_env_over_config(
    cli: Cli, served: ServedSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"{served.url}/bookinglayer/api/pub/v2"
    for name in ("a", "b"):
        cli(
            "profile",
            "add",
            name,
            "--provider",
            "bookinglayer",
            "--base-url",
            url,
            "--api-key-stdin",
            stdin="sandbox-key\n",
        )
    cli("profile", "use", "a")
    assert cli("profile", "show", "--json").json["name"] == "a"
    monkeypatch.setenv("BOOKCTL_PROFILE", "b")
    assert cli("profile", "show", "--json").json["name"] == "b"
    assert cli("-p", "sandbox", "profile", "show", "--json").json["name"] == "sandbox"
    assert cli("profile", "show", "-p", "sandbox", "--json").json["name"] == "sandbox"
    monkeypatch.setenv("BOOKCTL_OUTPUT", "json")
    assert cli("profile", "show").json["name"] == "b"
    assert cli("profile", "show", "-o", "csv").stdout.startswith("FIELD,VALUE")
    monkeypatch.setenv("BOOKCTL_API_KEY", "from-env")
    denied = cli("-p", "a", "products")
    assert denied.exit_code == 5  # the env key beats the stored one


def test_served_sandbox_with_its_own_key(cli: Cli, tmp_path: Path) -> None:
    from tests.conftest import start_sandbox

    served = start_sandbox(tmp_path, api_key="s3cret-key")
    try:
        url = f"{served.url}/bookinglayer/api/pub/v2"
        cli(
            "profile",
            "add",
            "k",
            "--provider",
            "bookinglayer",
            "--base-url",
            url,
            "--api-key-stdin",
            stdin="s3cret-key\n",
        )
        assert cli("-p", "k", "products").exit_code == 0
        cli(
            "profile",
            "add",
            "d",
            "--provider",
            "bookinglayer",
            "--base-url",
            url,
            "--api-key-stdin",
            stdin="sandbox-key\n",
        )
        assert cli("-p", "d", "products").exit_code == 5
    finally:
        served.stop()


def test_a_real_key_in_the_environment_never_reaches_the_embedded_sandbox(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOOKCTL_API_KEY", "live-key-0001")
    result = cli("products", "-v", "--json")
    assert result.exit_code == 0, result
    assert "live-key-0001" not in result.stderr + result.stdout
    assert cli("demo", "-q").exit_code == 0


def test_timeouts_are_kept_per_profile_and_flags_win(cli: Cli, isolated: dict[str, Path]) -> None:
    added = cli(
        "profile",
        "add",
        "slow",
        "--provider",
        "bookinglayer",
        "--base-url",
        "https://api2.bookinglayer.io/api/pub/v2",
        "--read-timeout",
        "90",
        "--connect-timeout",
        "2.5",
    )
    assert added.exit_code == 0, added
    stored = tomllib.loads((isolated["config"] / "config.toml").read_text())["profiles"]["slow"]
    assert stored["read_timeout"] == 90 and stored["connect_timeout"] == 2.5
    shown = cli("profile", "show", "slow", "--json").json
    assert shown["read_timeout"] == 90.0
    bad = cli(
        "profile",
        "add",
        "x",
        "--provider",
        "wix",
        "--base-url",
        "https://a.b",
        "--read-timeout",
        "0",
    )
    assert bad.exit_code == 2, bad
