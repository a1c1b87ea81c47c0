"""Every local file bookctl reads fails clearly: exit 2, the path, how to repair it, never exit 1.

Issue 12, failure 2: non-UTF-8 config and credentials, a session of the wrong shape, JSON
nested 1,000 deep, non-UTF-8 option files, timeouts that are not numbers of seconds; and
failure 8's `profile add` order (the key only after its profile).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bookctl.providers import CATALOGUE
from tests.conftest import Cli

DEEP = "[" * 1000 + "]" * 1000
LATIN1 = "Zoë".encode("latin-1")  # b"Zo\xeb": not UTF-8


def assert_clear(result: object, *needles: str) -> None:
    exit_code = result.exit_code  # type: ignore[attr-defined]
    stderr: str = result.stderr  # type: ignore[attr-defined]
    assert exit_code == 2, result
    assert "Traceback" not in stderr
    assert stderr.startswith("error: "), stderr
    for needle in needles:
        assert needle in stderr, (needle, stderr)


def add_profile(cli: Cli) -> None:
    result = cli(
        "profile", "add", "mine", "--provider", "bookinglayer",
        "--base-url", "http://127.0.0.1:9/bookinglayer/api/pub/v2", "--api-key-stdin",
        stdin="k-123456789\n",
    )  # fmt: skip
    assert result.exit_code == 0, result


@pytest.mark.parametrize("name", ["config.toml", "credentials.toml"])
@pytest.mark.parametrize("command", [("profile", "list"), ("-p", "mine", "products")])
def test_non_utf8_config_files_name_the_file_and_byte(
    cli: Cli, isolated: dict[str, Path], name: str, command: tuple[str, ...]
) -> None:
    add_profile(cli)
    path = isolated["config"] / name
    content = path.read_bytes() + b"# " + LATIN1 + b"\n"
    path.write_bytes(content)
    result = cli(*command)
    offset = content.index(b"\xeb")
    assert_clear(result, str(path), f"byte {offset}", "not UTF-8")
    assert path.read_bytes() == content


def test_toml_nested_too_deeply_is_a_clear_error(cli: Cli, isolated: dict[str, Path]) -> None:
    path = isolated["config"] / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("x = " + DEEP + "\n")
    assert_clear(cli("profile", "list"), str(path))


@pytest.mark.parametrize(
    "setting", ["read_timeout = -1.0", "read_timeout = nan", "connect_timeout = inf"]
)
def test_a_timeout_in_config_must_be_seconds(
    cli: Cli, isolated: dict[str, Path], setting: str
) -> None:
    add_profile(cli)
    path = isolated["config"] / "config.toml"
    path.write_text(path.read_text().replace('provider = "bookinglayer"', "provider = "
                                              '"bookinglayer"\n' + setting))  # fmt: skip
    assert_clear(cli("-p", "mine", "products"), str(path), "mine", "timeout")


@pytest.mark.parametrize(
    "flags",
    [("--read-timeout", "nan"), ("--read-timeout", "inf"), ("--connect-timeout", "nan"),
     ("--read-timeout", "0"), ("--connect-timeout", "-5")],
)  # fmt: skip
def test_timeout_flags_must_be_seconds(cli: Cli, flags: tuple[str, str]) -> None:
    assert_clear(cli(*flags, "products"), "timeout")


def test_a_timeout_flag_is_checked_before_profile_add_writes(
    cli: Cli, isolated: dict[str, Path]
) -> None:
    result = cli(
        "--read-timeout", "nan", "profile", "add", "mine", "--provider", "bookinglayer",
        "--base-url", "http://127.0.0.1:9/x", "--api-key-stdin", stdin="k-123456789\n",
    )  # fmt: skip
    assert_clear(result, "timeout")
    assert not (isolated["config"] / "config.toml").exists()
    assert not (isolated["config"] / "credentials.toml").exists()


def write_session(isolated: dict[str, Path], data: object | str) -> Path:
    path = isolated["state"] / "sessions" / "sandbox.json"
    path.parent.mkdir(parents=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


SESSION = {
    "version": 1,
    "profile": "sandbox",
    "provider": "bookinglayer",
    "cart_id": "abc",
    "created_at": "2027-03-10T09:00:00+00:00",
}


@pytest.mark.parametrize(
    "data",
    [
        {**SESSION, "tokens": "x"},
        {**SESSION, "lines": {"a": 1}},
        {**SESSION, "cart_id": 7},
        {**SESSION, "tokens": {"Auth-Token": 5}},
        '{"version": 1, "x": ' + DEEP + "}",
        b"\xff\xfe{}".decode("latin-1"),
    ],
)
def test_a_session_of_the_wrong_shape_names_the_file(
    cli: Cli, isolated: dict[str, Path], data: object
) -> None:
    path = write_session(isolated, data)
    before = path.read_bytes()
    for command in (("cart", "show"), ("checkout", "--accept-terms")):
        assert_clear(cli(*command), str(path), "corrupt", "remove")
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "args",
    [
        ("--cart", "123", "checkout", "--accept-terms", "--customer-file"),
        ("basket", "add", "--file"),
        ("-p", "sandbox-wix", "basket", "add", "--service-id", "s1", "--session-id", "x1",
         "--contact-file"),
    ],
)  # fmt: skip
def test_option_files_that_are_not_utf8_or_too_deep(
    cli: Cli, tmp_path: Path, args: tuple[str, ...]
) -> None:
    if args[0] == "--cart":  # --cart is an option of checkout
        args = ("checkout", "--cart", "123", *args[3:])
    flag = args[-1]
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"first_name": "' + LATIN1 + b'"}')
    offset = bad.read_bytes().index(b"\xeb")
    assert_clear(cli(*args, str(bad)), flag, str(bad), f"byte {offset}", "not UTF-8")
    deep = tmp_path / "deep.json"
    deep.write_text('{"a": ' + DEEP + "}")
    assert_clear(cli(*args, str(deep)), flag, str(deep), "nested")


def test_a_bom_in_an_option_file_is_accepted(cli: Cli, tmp_path: Path) -> None:
    body = tmp_path / "customer.json"
    body.write_bytes(b"\xef\xbb\xbf" + b'{"first_name": "Ann"}')
    result = cli("checkout", "--cart", "123", "--accept-terms", "--customer-file", str(body))
    assert "not valid JSON" not in result.stderr, result


def test_profile_add_never_leaves_a_key_without_its_profile(
    cli: Cli, isolated: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write of config.toml that fails (a kill, a full disk) must not leave the key behind."""
    from bookctl.core import config

    real = config._write_toml

    def failing(path: Path, data: dict[str, object]) -> None:
        if path.name == "config.toml":
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(config, "_write_toml", failing)
    with pytest.raises(OSError):
        config.ConfigStore(catalogue=CATALOGUE).add(
            config.Profile(name="mine", provider="bookinglayer", base_url="http://127.0.0.1:9"),
            "k-123456789",
        )
    assert not (isolated["config"] / "credentials.toml").exists()


def test_a_file_where_a_directory_goes_is_a_clear_error(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a directory")
    batch = tmp_path / "rows.csv"
    batch.write_text("id,package\nr1,450\n")
    journal = blocker / "j.jsonl"
    assert_clear(cli("batch", "run", str(batch), "--journal", str(journal)), str(blocker))
    monkeypatch.setenv("BOOKCTL_STATE_DIR", str(blocker))
    assert_clear(cli("products"), str(blocker))
    assert blocker.read_text() == "a file, not a directory"


@pytest.mark.parametrize(
    "flags", [("--interval", "nan"), ("--timeout", "nan"), ("--timeout", "inf")]
)
def test_poll_waits_a_finite_number_of_seconds(cli: Cli, flags: tuple[str, str]) -> None:
    assert_clear(cli("-p", "sandbox-wix", "poll", "x1", *flags), flags[0], "finite")


def test_appends_queued_during_a_sync_share_the_next_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Group commit: one fsync covers every record queued while the previous one synced."""
    import os
    import threading
    import time

    from bookctl.core import fs

    path = tmp_path / "log" / "a.jsonl"
    real_fsync = os.fsync
    syncs: list[int] = []
    first_sync = threading.Event()
    release = threading.Event()

    def gated_fsync(fd: int) -> None:
        syncs.append(fd)
        if len(syncs) == 1:
            first_sync.set()
            release.wait(30)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", gated_fsync)
    others = 7
    with fs.DurableAppender(path) as log:
        first = threading.Thread(target=log.append, args=(b"first\n",))
        first.start()
        assert first_sync.wait(30)
        rest = [
            threading.Thread(target=log.append, args=(f"r{n}\n".encode(),)) for n in range(others)
        ]
        for thread in rest:
            thread.start()
        deadline = time.monotonic() + 30
        while log._queued < 1 + others and time.monotonic() < deadline:
            time.sleep(0.001)
        release.set()
        for thread in [first, *rest]:
            thread.join()
    lines = path.read_bytes().splitlines()
    assert lines[0] == b"first"
    assert sorted(lines[1:]) == sorted(f"r{n}".encode() for n in range(others))
    assert len(syncs) == 2
    assert os.stat(path).st_mode & 0o777 == 0o600
