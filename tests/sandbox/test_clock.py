"""The sandbox clock's timestamp formats."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bookctl.sandbox import clock

# From before the year 1000 (where glibc's %Y stops padding) to the year 9999.
_times = st.one_of(
    st.floats(min_value=-31_000_000_000, max_value=253_402_300_799),
    # a hair below a whole second, where datetime rounds to the microsecond
    st.builds(
        lambda whole, frac: whole + frac,
        st.integers(min_value=0, max_value=4_000_000_000),
        st.sampled_from([0.0, 0.5, 0.999999, 0.9999994, 0.9999995, 0.9999996, 0.99999999]),
    ),
)


@given(_times)
def test_timestamps_read_as_strftime_writes_them(ts: float) -> None:
    moment = datetime.fromtimestamp(ts, UTC)
    assert clock.iso(ts) == moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert clock.bookinglayer_iso(ts) == moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def test_examples() -> None:
    assert clock.iso(0) == "1970-01-01T00:00:00Z"
    assert clock.bookinglayer_iso(1_568_923_550.25) == "2019-09-19T20:05:50+0000"
