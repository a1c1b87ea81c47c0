"""Exactly once on BookingBug, Wix, Guest Manager and Rundl against a served sandbox: SIGKILL
and resume, lost answers and 503s, and orders followed to the state they settle in."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.batch.helpers import (
    FINAL_STATES,
    PROFILE_ARGS,
    PROVIDERS,
    WIX_YOGA,
    booked_rows,
    expected_counts,
    journal_records,
    provider_counts,
    wix_session,
    write_provider_csv,
)
from tests.batch.test_exactly_once import kill_after
from tests.conftest import Cli, ServedSandbox, run_bookctl, start_sandbox

#: Rows per run: enough for several kill points, few enough for two shared cores.
ROWS = 40


def add_profile(cli: Cli, provider: str, url: str) -> str:
    args = [a.format(url=url) for a in PROFILE_ARGS[provider]]
    result = cli(
        "profile", "add", "mine", "--provider", provider, *args, "--api-key-stdin",
        stdin="sandbox-key\n",
    )  # fmt: skip
    assert result.exit_code == 0, result
    return "mine"


def run_args(path: Path, journal: Path, *extra: str) -> list[str]:
    return ["-p", "mine", "batch", "run", str(path), "--journal", str(journal), *extra]


def kill_while_settling(
    served: ServedSandbox, args: list[str], provider: str, counter: str
) -> None:
    """Run ``args`` following orders, and SIGKILL it once the sandbox counts one order whose
    payment is settling (stats ``counter``): after the checkout, before the row is booked."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bookctl", *args, "--wait-timeout", "120"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if served.admin("GET", "stats")[provider][counter] == 1:
                break
            time.sleep(0.01)
    finally:
        proc.kill()
        proc.wait()


def check_exactly_once(provider: str, served: ServedSandbox, journal: Path, rows: int) -> None:
    booked = booked_rows(journal)  # fails on a row journalled as booked twice
    assert len(booked) == rows
    assert len(set(booked.values())) == rows  # one order per row, none shared
    stats = served.admin("GET", "stats")[provider]
    assert provider_counts(provider, stats) == expected_counts(provider, rows), stats


@pytest.mark.parametrize("provider", PROVIDERS)
def test_sigkill_at_several_points_then_resume(cli: Cli, tmp_path: Path, provider: str) -> None:
    served = start_sandbox(tmp_path)
    try:
        add_profile(cli, provider, served.url)
        path = write_provider_csv(tmp_path / "rows.csv", provider, ROWS)
        journal = tmp_path / "j.jsonl"
        # Orders are not followed here (the test below follows them): a row is done when
        # its checkout is.
        args = run_args(path, journal, "--concurrency", "8", "--quiet", "--wait-timeout", "0")
        seen = [kill_after(args, journal, n) for n in (10, 50, 90)]
        assert seen == sorted(seen) and seen[0] >= 10
        done = run_bookctl(*args, "--json")
        assert done.exit_code == 0, done
        check_exactly_once(provider, served, journal, ROWS)
        # The final run only finished what the killed ones left: the journal agrees.
        assert done.json["booked"] + done.json["already_booked"] == ROWS
        assert done.json["already_booked"] > 0
    finally:
        served.stop()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_lost_answers_and_503s_still_book_each_row_once(
    cli: Cli, tmp_path: Path, provider: str
) -> None:
    served = start_sandbox(tmp_path, "--faults", "503=0.1,drop-after-commit=0.2", "--seed", "6")
    try:
        add_profile(cli, provider, served.url)
        path = write_provider_csv(tmp_path / "rows.csv", provider, ROWS)
        journal = tmp_path / "j.jsonl"
        args = run_args(path, journal, "--concurrency", "8", "--json", "--wait-timeout", "0")
        result = run_bookctl(*args)
        assert result.exit_code == 0, result
        assert result.json["booked"] == ROWS
        served.admin("PUT", "faults", json={"spec": ""})
        check_exactly_once(provider, served, journal, ROWS)
        stats = served.admin("GET", "stats")[provider]
        if "idempotent_replays" in stats:  # the emulators that count them
            assert stats["idempotent_replays"] > 0  # lost answers were recovered by replays
    finally:
        served.stop()


@pytest.mark.parametrize("provider", ["wix", "guestmanager", "rundl"])
def test_orders_settled_later_are_followed_to_their_final_state(
    cli: Cli, tmp_path: Path, provider: str
) -> None:
    served = start_sandbox(tmp_path)
    try:
        add_profile(cli, provider, served.url)
        rows = 6
        path = write_provider_csv(tmp_path / "rows.csv", provider, rows, paid=True)
        journal = tmp_path / "j.jsonl"
        report = tmp_path / "report.json"
        args = run_args(path, journal, "--concurrency", "3", "--json", "--report", str(report))
        proc = subprocess.Popen(
            [sys.executable, "-m", "bookctl", *args, "--wait-timeout", "120"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            # The payments settle in sandbox time: move it on while the run follows them.
            deadline = time.monotonic() + 90
            while proc.poll() is None and time.monotonic() < deadline:
                served.admin("POST", "clock", json={"advance_seconds": 10})
                time.sleep(0.2)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        assert proc.returncode == 0, err
        check_exactly_once(provider, served, journal, rows)
        summary = json.loads(out)
        assert summary["amount_booked"][0]["amount"] != "0.00"  # paid: settled later
        final = FINAL_STATES[provider]
        states = [r["state"] for r in journal_records(journal)[1:] if r["step"] == "booked"]
        assert set(states) <= final, states
        assert set(summary["by_order_state"]) <= final
        assert all(r["order_state"] in final for r in json.loads(report.read_text())["rows"])
    finally:
        served.stop()


#: The stats field counting orders whose payment is still settling, and their state.
SETTLING = {
    "wix": ("pending_payment", "PENDING"),
    "guestmanager": ("processing_orders", "processing"),
    "rundl": ("processing_orders", "processing"),
}


@pytest.mark.parametrize("provider", ["wix", "guestmanager", "rundl"])
def test_a_row_killed_while_its_order_settles_is_booked_on_resume(
    cli: Cli, tmp_path: Path, provider: str
) -> None:
    served = start_sandbox(tmp_path)
    try:
        add_profile(cli, provider, served.url)
        path = write_provider_csv(tmp_path / "rows.csv", provider, 1, paid=True)
        journal = tmp_path / "j.jsonl"
        args = run_args(path, journal, "--quiet")
        # The run follows the order while its payment settles (sandbox seconds flow as real
        # ones): it is killed then, after the checkout and before the row is journalled booked.
        kill_while_settling(served, args, provider, SETTLING[provider][0])
        # Killed while it followed the order, which was journalled before it was followed.
        assert journal_records(journal)[-1]["step"] == "ordered"
        done = run_bookctl(*args, "--wait-timeout", "0", "--json")
        assert done.exit_code == 0, done
        assert done.json["booked"] == 1
        # Still settling, unless the resume itself took longer than the sandbox's settling time
        # (Rundl's is 5 s): either way one booking, in a state the provider can be in by then.
        (state,) = done.json["by_order_state"]
        assert state in {SETTLING[provider][1], *FINAL_STATES[provider]}
        assert done.json["by_order_state"][state] == 1
        check_exactly_once(provider, served, journal, 1)
    finally:
        served.stop()


def test_a_wix_row_whose_payment_was_declined_is_not_booked_again_on_resume(
    cli: Cli, tmp_path: Path
) -> None:
    served = start_sandbox(tmp_path)
    try:
        add_profile(cli, "wix", served.url)
        path = tmp_path / "rows.csv"
        path.write_text(  # the sandbox's card processor declines this contact's payments
            "id,service,session,qty,contact_first_name,contact_email\n"
            f"w0,{WIX_YOGA},{wix_session(0)},1,Dee,declined@example.com\n"
        )
        journal = tmp_path / "j.jsonl"
        args = run_args(path, journal, "--quiet")
        kill_while_settling(served, args, "wix", "pending_payment")
        assert journal_records(journal)[-1]["step"] == "ordered"
        served.admin("POST", "clock", json={"advance_seconds": 60})  # the payment is declined
        done = run_bookctl(*args, "--json")
        assert done.exit_code == 0, done
        assert done.json["by_order_state"] == {"DECLINED": 1}  # as a run not stopped ends it
        stats = served.admin("GET", "stats")["wix"]
        assert (stats["bookings"], stats["checkouts"], stats["declined"]) == (1, 1, 1)
        check_exactly_once("wix", served, journal, 1)
    finally:
        served.stop()


def test_a_guest_manager_row_whose_card_was_declined_is_not_paid_again_on_resume(
    cli: Cli, tmp_path: Path
) -> None:
    """Declined, the order goes back to its ``payment`` step, as if never paid: the resumed
    run follows the order it journalled and does not submit the card again."""
    served = start_sandbox(tmp_path)
    try:
        add_profile(cli, "guestmanager", served.url)
        path = write_provider_csv(tmp_path / "rows.csv", "guestmanager", 1, paid=True)
        path.write_text(path.read_text().replace("tok_visa", "tok_declined"))
        journal = tmp_path / "j.jsonl"
        args = run_args(path, journal, "--quiet")
        kill_while_settling(served, args, "guestmanager", "processing_orders")
        assert journal_records(journal)[-1]["step"] == "ordered"
        served.admin("POST", "clock", json={"advance_seconds": 60})  # the card is declined
        declined = served.admin("GET", "stats")["guestmanager"]
        assert (declined["processing_orders"], declined["open_orders"]) == (0, 1)
        done = run_bookctl(*args, "--json")
        assert done.exit_code == 0, done
        assert done.json["by_order_state"] == {"payment": 1}  # as a run not stopped ends it
        stats = served.admin("GET", "stats")["guestmanager"]
        assert stats["transitions"] == declined["transitions"]  # nothing submitted again
        assert (stats["orders"], stats["processing_orders"]) == (1, 0)
        assert len(booked_rows(journal)) == 1
    finally:
        served.stop()
