"""What a rate-limiting provider costs a batch: 10% of requests answered 429 with Retry-After 1.

Usage: python benchmarks/pacing.py [--rows N] [--pairs N] [--concurrency N] [--rate-429 R]

Against a sandbox this script serves on a free loopback port, it runs ``bookctl batch run`` of
N day-pass bookings twice per pair: once clean and once with the sandbox fault ``429=R``
(every provider request answered 429 with ``Retry-After: 1`` at rate R). Each run starts from
a reset sandbox and a new journal; every run must book all N rows. It prints each pair's wall
times and their ratio (faulty / clean), the median ratio and the median of the seconds the
429s added. The shared pacer waits what Retry-After says and then goes back to full speed,
instead of halving the rate on every 429. The target was a ratio of at most 3 when a clean run
took a second or more; now that one takes about half a second, the seconds added are what to
judge: no run can end before its last rows have waited out their Retry-After (one second, two
for a row told twice). Pairs alternate which run goes first, so a machine getting busier does
not favour one side.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import httpx

from batch import bookctl, reset, served_profile, stats, write_csv


def timed_run(url: str, rows_csv: Path, journal: Path, concurrency: int, spec: str,
              env: dict[str, str], rows: int) -> float:  # fmt: skip
    reset(url)
    httpx.put(f"{url}/_sandbox/faults", json={"spec": spec}).raise_for_status()
    started = time.perf_counter()
    run = bookctl(
        "-p", "bench", "batch", "run", str(rows_csv), "--concurrency", str(concurrency),
        "--journal", str(journal), "-q", env=env,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    httpx.put(f"{url}/_sandbox/faults", json={"spec": ""}).raise_for_status()
    assert run.returncode == 0, run.stderr
    assert stats(url)["bookings"] == rows, stats(url)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rate-429", type=float, default=0.1)
    args = parser.parse_args()

    with served_profile("--seed", "7") as (tmp, env, url):
        rows_csv = tmp / "rows.csv"
        write_csv(rows_csv, args.rows)
        ratios: list[float] = []
        added: list[float] = []
        print(f"{args.rows} rows, concurrency {args.concurrency}, 429 at rate {args.rate_429}")
        print(f"{'pair':>4} {'clean s':>8} {'429 s':>8} {'ratio':>6}")
        for pair in range(args.pairs):
            runs: dict[str, float] = {}
            order = ("clean", "429") if pair % 2 == 0 else ("429", "clean")
            for kind in order:
                spec = "" if kind == "clean" else f"429={args.rate_429}"
                journal = tmp / f"j{pair}-{kind}.jsonl"
                runs[kind] = timed_run(
                    url, rows_csv, journal, args.concurrency, spec, env, args.rows
                )
            ratio = runs["429"] / runs["clean"]
            ratios.append(ratio)
            added.append(runs["429"] - runs["clean"])
            print(f"{pair + 1:4d} {runs['clean']:8.2f} {runs['429']:8.2f} {ratio:6.2f}")
        print(
            f"median ratio {statistics.median(ratios):.2f}; the 429s added a median of "
            f"{statistics.median(added):.2f} s (the Retry-After waits of the last rows)"
        )


if __name__ == "__main__":
    main()
