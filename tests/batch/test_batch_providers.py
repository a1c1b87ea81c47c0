"""``batch validate`` and ``batch run`` on BookingBug, Wix, Guest Manager and Rundl: each
provider's columns and JSON rows, its invalid rows by line, the order state of every row, and
carts extended only where the provider extends them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.batch.helpers import (
    CSV_HEADERS,
    PROFILE_ARGS,
    PROVIDERS,
    WIX_YOGA,
    expected_counts,
    journal_records,
    provider_counts,
    provider_csv_row,
    provider_json_row,
    wix_session,
    write_provider_csv,
    write_provider_jsonl,
)
from tests.batch.test_exactly_once import kill_after
from tests.conftest import Cli, ServedSandbox, run_bookctl


def add_profile(cli: Cli, provider: str, served: ServedSandbox) -> str:
    args = [a.format(url=served.url) for a in PROFILE_ARGS[provider]]
    result = cli(
        "profile", "add", "mine", "--provider", provider, *args, "--api-key-stdin",
        stdin="sandbox-key\n",
    )  # fmt: skip
    assert result.exit_code == 0, result
    return "mine"


def nothing_booked(provider: str, served: ServedSandbox) -> bool:
    counts = provider_counts(provider, served.admin("GET", "stats")[provider])
    return all(value == 0 for value in counts.values())


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_validate_a_good_file(cli: Cli, tmp_path: Path, provider: str, fmt: str) -> None:
    if fmt == "csv":
        path = write_provider_csv(tmp_path / "rows.csv", provider, 5)
    else:
        path = write_provider_jsonl(tmp_path / "rows.jsonl", provider, 5)
    result = cli("-p", f"sandbox-{provider}", "batch", "validate", str(path), "--json")
    assert result.exit_code == 0, result
    assert result.json["provider"] == provider and result.json["format"] == fmt
    assert (result.json["rows"], result.json["valid"], result.json["invalid"]) == (5, 5, [])


SESSION = wix_session(0)
#: One bad row per provider and what is wrong with it: a missing required value, a value of
#: the wrong kind, a malformed email.
BAD_ROWS = {
    "bookingbug": [
        ("bad-b1,7001,1003,maybe", "take_from_wallet: 'maybe' is not true or false"),
        ("bad-b2,7001,,no", "missing member_id"),
        ("bad-b3,x,1003,no", "'x' is not a BookingBug id"),
    ],
    "wix": [
        (
            f"bad-w1,{WIX_YOGA},{SESSION},x,,Ann,ann@example.com",
            "qty: 'x' is not a whole number",
        ),
        (
            f"bad-w2,{WIX_YOGA},{SESSION},1,,Ann,ann.example.com",
            "contact_email: 'ann.example.com' is not an email address",
        ),
        (f"bad-w3,{WIX_YOGA},{SESSION},1,,,ann@example.com", "missing contact_first_name"),
    ],
    "guestmanager": [
        ("bad-g1,610,x,ann@example.com,Ann,Lee,,", "qty: 'x' is not a whole number"),
        (
            "bad-g2,610,1,ann.example.com,Ann,Lee,,",
            "email: 'ann.example.com' is not an email address",
        ),
        ("bad-g3,610,1,ann@example.com,,Lee,,", "missing first_name"),
        ("bad-g4,610,1,ann@example.com,Ann,Lee,,{oops", "answers: not JSON"),
    ],
    "rundl": [
        ("bad-d1,30798101,30798132,x", "qty: 'x' is not a whole number"),
        ("bad-d2,30798101,,1", "missing product"),
        ("bad-d3,abc,30798132,1", "'abc' is not a Rundl id"),
    ],
}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_invalid_rows_are_reported_by_line_and_nothing_is_booked(
    cli: Cli, tmp_path: Path, served: ServedSandbox, provider: str
) -> None:
    bad = {2 + 2 * n: line for n, (line, _) in enumerate(BAD_ROWS[provider])}
    path = write_provider_csv(tmp_path / "rows.csv", provider, 9, bad=bad)
    checked = cli("-p", f"sandbox-{provider}", "batch", "validate", str(path), "--json")
    assert checked.exit_code == 2, checked
    assert checked.json["valid"] == 9 - len(bad)
    invalid = {i["line"]: (i["id"], i["reason"]) for i in checked.json["invalid"]}
    # Row n is on line n + 2 (after the header); its id is the line's first cell.
    assert sorted(invalid) == [n + 2 for n in sorted(bad)]
    for n, (line, reason) in zip(sorted(bad), BAD_ROWS[provider], strict=True):
        row_id, said = invalid[n + 2]
        assert row_id == line.split(",")[0]
        assert reason in said, (line, said)

    profile = add_profile(cli, provider, served)
    journal = tmp_path / "j.jsonl"
    run = cli("-p", profile, "batch", "run", str(path), "--journal", str(journal))
    assert run.exit_code == 2, run
    row_id, reason = BAD_ROWS[provider][0][0].split(",")[0], BAD_ROWS[provider][0][1]
    assert f"line 4 ({row_id}): " in run.stderr and reason in run.stderr, run
    assert f"{len(bad)} of 9 rows are invalid; nothing was booked" in run.stderr
    assert not journal.exists()
    assert nothing_booked(provider, served)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_invalid_json_rows_are_reported_by_line(cli: Cli, tmp_path: Path, provider: str) -> None:
    unknown = provider_json_row(provider, 1)
    unknown["add"] = {**unknown["add"], "shoe_size": 42}
    no_add = {k: v for k, v in provider_json_row(provider, 2).items() if k != "add"}
    rows = [provider_json_row(provider, 0), unknown, no_add]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = cli("-p", f"sandbox-{provider}", "batch", "validate", str(path), "--json")
    assert result.exit_code == 2, result
    invalid = [(i["line"], i["id"], i["reason"]) for i in result.json["invalid"]]
    assert invalid == [
        (2, "j1", f"add.shoe_size is not a {provider} option"),
        (3, "j2", "'add' must be an object of the basket add request's fields"),
    ]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_unknown_or_missing_columns_are_usage_errors(
    cli: Cli, tmp_path: Path, provider: str
) -> None:
    header = CSV_HEADERS[provider]
    unknown = tmp_path / "unknown.csv"
    unknown.write_text(f"{header},shoe_size\n{provider_csv_row(provider, 0)},42\n")
    result = cli("-p", f"sandbox-{provider}", "batch", "validate", str(unknown))
    assert result.exit_code == 2, result
    assert result.stderr.startswith("error: ")
    assert "unknown column(s) 'shoe_size' in the header" in result.stderr
    assert "Traceback" not in result.stderr

    # Without a column every row needs, each row says what it misses.
    required = {
        "bookingbug": "member_id",
        "wix": "contact_email",
        "guestmanager": "email",
        "rundl": "product",
    }[provider]
    names = header.split(",")
    at = names.index(required)
    missing = tmp_path / "missing.csv"
    rows = [provider_csv_row(provider, n).split(",") for n in range(2)]
    missing.write_text(
        "\n".join(",".join(c for i, c in enumerate(cells) if i != at) for cells in [names, *rows])
        + "\n"
    )
    result = cli("-p", f"sandbox-{provider}", "batch", "validate", str(missing), "--json")
    assert result.exit_code == 2, result
    reasons = [(i["line"], i["reason"]) for i in result.json["invalid"]]
    assert [line for line, _ in reasons] == [2, 3]
    assert all(re.match(rf"missing .*\b{required}\b", reason) for _, reason in reasons), reasons


#: The state each provider's rows end in when the run does not follow them (--wait-timeout 0):
#: BookingBug's purchases are final at once, free Wix bookings are confirmed at once, Guest
#: Manager's free pass completes at once while its paid tickets are processing, and every
#: Rundl product order is processing for a while.
UNFOLLOWED = {
    "bookingbug": {"b0": "pending_payment", "b1": "pending_payment", "b2": "pending_payment"},
    "wix": {"w0": "CONFIRMED", "w1": "CONFIRMED", "w2": "CONFIRMED"},
    "guestmanager": {"g0": "complete", "g1": "processing", "g2": "processing"},
    "rundl": {"d0": "processing", "d1": "processing", "d2": "processing"},
}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_report_and_summary_show_each_rows_order_state(
    cli: Cli, tmp_path: Path, served: ServedSandbox, provider: str
) -> None:
    profile = add_profile(cli, provider, served)
    path = write_provider_csv(tmp_path / "rows.csv", provider, 3)
    report = tmp_path / "report.json"
    result = cli(
        "-p", profile, "batch", "run", str(path), "--journal", str(tmp_path / "j.jsonl"),
        "--report", str(report), "--wait-timeout", "0", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result
    expected = UNFOLLOWED[provider]  # the rows of write_provider_csv
    rows = json.loads(report.read_text())["rows"]
    assert {r["id"]: r["order_state"] for r in rows} == expected
    assert all(r["state"] == "booked" and r["order_id"] for r in rows)
    by_state: dict[str, int] = {}
    for state in expected.values():
        by_state[state] = by_state.get(state, 0) + 1
    assert result.json["by_order_state"] == by_state
    assert json.loads(report.read_text())["summary"]["by_order_state"] == by_state


def requests_sent(stderr: str) -> list[tuple[str, str]]:
    """``(method, path)`` of every request in a ``--verbose`` trace."""
    return re.findall(r"^> ([A-Z]+) https?://[^/\s]+(/\S*?)(?:\?\S*)?$", stderr, re.M)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_resumed_cart_is_extended_only_where_the_provider_extends_carts(
    cli: Cli, tmp_path: Path, served: ServedSandbox, provider: str
) -> None:
    profile = add_profile(cli, provider, served)
    path = write_provider_csv(tmp_path / "rows.csv", provider, 1)
    journal = tmp_path / "j.jsonl"
    args = ["-p", profile, "batch", "run", str(path), "--journal", str(journal), "--quiet"]
    # One request every 5 s: the run is killed between the row's add and its checkout.
    kill_after([*args, "--rate", "0.2", "--wait-timeout", "0"], journal, 3)
    assert journal_records(journal)[-1]["step"] == "added"
    # A resumed cart's age is unknown: the run extends it before the checkout where the
    # provider extends carts (Guest Manager), and sends nothing of the kind elsewhere.
    resumed = run_bookctl("--verbose", *args, "--wait-timeout", "0")
    assert resumed.exit_code == 0, resumed
    sent = requests_sent(resumed.stderr)
    writes = [(method, p) for method, p in sent if method != "GET"]
    if provider == "guestmanager":
        extends = [p for method, p in writes if method == "PATCH" and p.endswith("/resume")]
        assert len(extends) == 1, sent
    else:
        # The checkout alone changes anything (BookingBug re-arms a basket with each add,
        # Wix bookings and Rundl checkouts do not expire before their checkout).
        assert len(writes) == 1 and writes[0][1].endswith(("/checkout", "/purchase")), sent
    assert journal_records(journal)[-1]["step"] == "booked"
    stats = served.admin("GET", "stats")[provider]
    assert provider_counts(provider, stats) == expected_counts(provider, 1)
