"""The retry policy's pure functions, as tables."""

from __future__ import annotations

import email.utils
import random

import pytest

from bookctl.core import retry


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"Retry-After": "3"}, 3.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"Retry-After": "-4"}, 0.0),
        ({"Retry-After": "600"}, retry.RETRY_AFTER_CAP),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "nan"}, None),
    ],
)
def test_parse_retry_after_seconds(headers: dict[str, str], expected: float | None) -> None:
    assert retry.parse_retry_after(headers) == expected


def test_parse_retry_after_http_date() -> None:
    now = 1_800_000_000.0
    stamp = email.utils.formatdate(now + 7, usegmt=True)
    assert retry.parse_retry_after({"Retry-After": stamp}, now=now) == pytest.approx(7, abs=1)


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 10])
def test_backoff_is_full_jitter_under_the_cap(attempt: int) -> None:
    rng = random.Random(attempt)
    ceiling = min(retry.BACKOFF_CAP, retry.BACKOFF_INITIAL * 2 ** (attempt - 1))
    samples = [retry.backoff_delay(attempt, rng=rng) for _ in range(200)]
    assert all(0 <= s <= ceiling for s in samples)
    assert min(samples) < ceiling * 0.2 and max(samples) > ceiling * 0.8


@pytest.mark.parametrize(
    ("method", "keyed", "expected"),
    [
        ("GET", False, True),
        ("PUT", False, True),
        ("DELETE", False, True),
        ("POST", False, False),
        ("PATCH", False, False),
        ("POST", True, True),
        ("PATCH", True, True),
    ],
)
def test_may_retry(method: str, keyed: bool, expected: bool) -> None:
    assert retry.may_retry(method, has_idempotency_key=keyed) is expected


@pytest.mark.parametrize(
    ("attempt", "status", "headers", "expected"),
    [
        (1, 503, {}, "backoff"),
        (1, 502, {}, "backoff"),
        (1, 504, {}, "backoff"),
        (1, 429, {"Retry-After": "2"}, 2.0),
        (1, None, {}, "backoff"),
        (1, 500, {}, None),
        (1, 404, {}, None),
        (1, 422, {}, None),
        (retry.ATTEMPTS, 503, {}, None),
        (retry.ATTEMPTS, 429, {"Retry-After": "1"}, None),
    ],
)
def test_retry_wait(
    attempt: int, status: int | None, headers: dict[str, str], expected: object
) -> None:
    wait = retry.retry_wait(attempt=attempt, status=status, headers=headers, rng=random.Random(0))
    if expected == "backoff":
        assert wait is not None and 0 <= wait <= retry.BACKOFF_CAP
    else:
        assert wait == expected


# -- the one retry loop -----------------------------------------------------------------------


class Flaky:
    """Fails ``failures`` times with ``error``, then answers ``"done"``."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "done"


def test_retrying_sends_again_until_it_succeeds() -> None:
    flaky = Flaky(2, ConnectionError("reset"))
    assert retry.retrying(flaky, on=lambda _e: 0.0, attempts=3) == "done"
    assert flaky.calls == 3


def test_retrying_gives_up_after_the_attempts_with_the_last_error() -> None:
    flaky = Flaky(5, ConnectionError("reset"))
    with pytest.raises(ConnectionError, match="reset"):
        retry.retrying(flaky, on=lambda _e: True, attempts=3, wait_initial=0.0)
    assert flaky.calls == 3


def test_retrying_stops_at_once_when_the_hook_says_no() -> None:
    flaky = Flaky(5, ValueError("refused"))
    seen: list[Exception] = []

    def hook(exc: Exception) -> bool:
        seen.append(exc)
        return False

    with pytest.raises(ValueError, match="refused"):
        retry.retrying(flaky, on=hook, attempts=3)
    assert flaky.calls == 1
    assert seen == [flaky.error]


def test_retrying_counts_a_failure_met_before_as_the_first_attempt() -> None:
    flaky = Flaky(5, ConnectionError("again"))
    first = ConnectionError("first")
    seen: list[Exception] = []

    def hook(exc: Exception) -> float:
        seen.append(exc)
        return 0.0

    with pytest.raises(ConnectionError, match="again"):
        retry.retrying(flaky, on=hook, attempts=3, first=first)
    assert flaky.calls == 2
    assert seen[0] is first
