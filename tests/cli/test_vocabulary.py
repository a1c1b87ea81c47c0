"""One vocabulary: --service, --product, --package, --qty, --session on every provider that has
the notion; the documents' own names stay as aliases; a foreign option says what to use."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Cli

RUNDL = ["-p", "sandbox-rundl"]


def lines(cli: Cli, *args: str) -> list[dict[str, Any]]:
    added = cli(*args, "--new-cart", "--json")
    assert added.exit_code == 0, added
    return [{k: v for k, v in line.items() if k != "guest"} for line in added.json["lines"]]


def test_rundl_takes_the_shared_words_and_the_aliases_alike(cli: Cli) -> None:
    shared = lines(cli, *RUNDL, "basket", "add", "--service", "30798101", "--product", "30798132",
                   "--qty", "3")  # fmt: skip
    aliased = lines(cli, *RUNDL, "basket", "add", "--service-id", "30798101", "--product-id",
                    "30798132", "--participants", "3")  # fmt: skip
    assert shared == aliased
    assert shared[0]["quantity"] == 3


def test_bookingbug_takes_product_and_package(cli: Cli) -> None:
    bb = ["-p", "sandbox-bookingbug", "basket", "add"]
    assert cli(*bb, "--product", "9001", "--json").exit_code == 0
    assert cli(*bb, "--event-id", "7101", "--package", "8001", "--new-cart").exit_code == 0


@pytest.mark.parametrize(
    ("profile", "args", "needles"),
    [
        ("sandbox", ["--service", "1"], ["bookingbug, rundl, wix", "takes", "--package"]),
        ("sandbox-rundl", ["--session", "x"], ["it is for wix", "--service", "--qty"]),
        ("sandbox-wix", ["--ticket-type", "602"], ["guestmanager", "wix takes", "--session"]),
        ("sandbox-guestmanager", ["--event-id", "7001"], ["bookingbug", "--ticket-type"]),
    ],
)
def test_a_foreign_option_names_what_to_use_instead(
    cli: Cli, profile: str, args: list[str], needles: list[str]
) -> None:
    refused = cli("-p", profile, "basket", "add", *args)
    assert refused.exit_code == 2, refused
    for needle in needles:
        assert needle in refused.stderr, (needle, refused.stderr)


def test_checkout_wait_follows_a_rundl_order_until_it_settles(cli: Cli) -> None:
    import json
    import os
    import subprocess
    import sys

    added = cli(*RUNDL, "basket", "add", "--service", "30798101", "--product", "30798132")
    assert added.exit_code == 0, added
    proc = subprocess.Popen(
        [sys.executable, "-m", "bookctl", *RUNDL, "checkout", "--wait", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert proc.stderr is not None and proc.stdout is not None
    seen = []
    for line in proc.stderr:  # the order is processing: now move the sandbox's clock
        seen.append(line)
        if "skips ahead" in line:
            break
    assert cli("sandbox", "clock", "advance", "1m").exit_code == 0
    out = proc.stdout.read()
    seen += proc.stderr.readlines()
    assert proc.wait(timeout=60) == 0, seen
    proc.stdout.close()
    proc.stderr.close()
    assert json.loads(out)["state"] == "invoiced", seen
