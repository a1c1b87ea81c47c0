"""Batch booking throughput, and the memory of validating a large file.

Usage: python benchmarks/batch.py [--rows N] [--cli-rows N] [--validate-rows N]

Against a sandbox this script serves on a free loopback port (reset before each mode), books
N day-pass bookings (add + checkout, spread over many days so capacity never runs out):

- ``bookctl batch run`` at concurrency 1, 4 and 8 (one process, wall time of the command);
- ``--cli-rows`` of them as separate ``bookctl basket add`` + ``bookctl checkout`` processes
  (what a shell loop does; extrapolated to bookings per second);
- the same requests from a bare ``httpx.AsyncClient`` loop at concurrency 8: the floor.

Each mode's bookings are checked against ``/_sandbox/stats``. Then ``bookctl batch validate``
of a generated ``--validate-rows`` CSV: wall time and peak RSS of the process. Config and state
live in temporary directories.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

HEADER = (
    "id,package,start_date,end_date,guest_first_name,guest_last_name,guest_gender,guest_email,"
    "customer_first_name,customer_last_name,customer_email,customer_phone,accept_terms\n"
)
KEY = "sandbox-key"


def day(n: int) -> dt.date:
    return dt.date.today() + dt.timedelta(days=2 + n % 300)


def write_csv(path: Path, rows: int) -> None:
    with path.open("w") as handle:
        handle.write(HEADER)
        for n in range(rows):
            d = day(n)
            handle.write(
                f"r{n},450,{d},{d + dt.timedelta(days=1)},Ann,Lee{n},f,ann{n}@example.com,"
                f"Ann,Lee,ann{n}@example.com,403 201 767,yes\n"
            )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bookctl(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bookctl", *args],
        env=env,
        capture_output=True,
        text=True,
        input=stdin,
    )


def stats(url: str) -> dict[str, int]:
    data: dict[str, int] = httpx.get(f"{url}/_sandbox/stats").json()["bookinglayer"]
    return data


def reset(url: str) -> None:
    httpx.post(f"{url}/_sandbox/reset").raise_for_status()


async def floor(url: str, rows: int, concurrency: int) -> None:
    base = f"{url}/bookinglayer/api/pub/v2/"
    headers = {"Authorization": f"Bearer {KEY}"}
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(rows):
        queue.put_nowait(n)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            n = queue.get_nowait()
            d = day(n)
            body = {
                "currency": "EUR",
                "guests": [
                    {
                        "first_name": "Ann",
                        "last_name": f"Lee{n}",
                        "gender": "f",
                        "email": f"ann{n}@example.com",
                        "package": {
                            "id": 450,
                            "start_date": d.isoformat(),
                            "end_date": (d + dt.timedelta(days=1)).isoformat(),
                            "items": [],
                        },
                    }
                ],
            }
            add = await client.post(
                "bookings/add", json=body, headers={"Idempotency-Key": f"f{n}:add"}
            )
            cart = add.json()["cart_id"]
            checkout = {
                "terms_accepted": True,
                "newsletter_opt_in": False,
                "customer": {
                    "first_name": "Ann",
                    "last_name": "Lee",
                    "email": f"ann{n}@example.com",
                    "phone": "403 201 767",
                },
            }
            done = await client.post(
                f"carts/{cart}/checkout", json=checkout, headers={"Idempotency-Key": f"f{n}:co"}
            )
            done.raise_for_status()

    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))


@contextlib.contextmanager
def served_profile(*serve_args: str) -> Iterator[tuple[Path, dict[str, str], str]]:
    """A temp dir, an environment isolated in it, and a served sandbox with a profile 'bench'."""
    tmp = Path(tempfile.mkdtemp(prefix="bookctl-bench-"))
    env = {
        **os.environ,
        "BOOKCTL_CONFIG_DIR": str(tmp / "config"),
        "BOOKCTL_STATE_DIR": str(tmp / "state"),
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "bookctl", "sandbox", "serve", "--port", str(port),
         "--db", str(tmp / "bench.db"), *serve_args],
        env={**env, "BOOKCTL_STATE_DIR": str(tmp / "server")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{url}/_sandbox/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        added = bookctl(
            "profile", "add", "bench", "--provider", "bookinglayer",
            "--base-url", f"{url}/bookinglayer/api/pub/v2", "--api-key-stdin",
            env=env, stdin=KEY + "\n",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        yield tmp, env, url
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--cli-rows", type=int, default=1000)
    parser.add_argument("--validate-rows", type=int, default=100_000)
    args = parser.parse_args()

    with served_profile() as (tmp, env, url):
        rows_csv = tmp / "rows.csv"
        write_csv(rows_csv, args.rows)
        results: list[tuple[str, int, float]] = []

        reset(url)
        started = time.perf_counter()
        asyncio.run(floor(url, args.rows, 8))
        results.append(("httpx.AsyncClient loop, 8 at a time (floor)", args.rows,
                        time.perf_counter() - started))  # fmt: skip
        assert stats(url)["bookings"] == args.rows

        for concurrency in (1, 4, 8):
            reset(url)
            journal = tmp / f"j{concurrency}.jsonl"
            started = time.perf_counter()
            run = bookctl(
                "-p", "bench", "batch", "run", str(rows_csv), "--concurrency", str(concurrency),
                "--journal", str(journal), "-q", env=env,
            )  # fmt: skip
            elapsed = time.perf_counter() - started
            assert run.returncode == 0, run.stderr
            assert stats(url)["bookings"] == args.rows
            results.append((f"bookctl batch run --concurrency {concurrency}", args.rows, elapsed))

        reset(url)
        started = time.perf_counter()
        for n in range(args.cli_rows):
            d = day(n)
            add = bookctl(
                "-p", "bench", "basket", "add", "--new-cart", "--package", "450",
                "--start-date", d.isoformat(), "--end-date", str(d + dt.timedelta(days=1)),
                "--guest", f"Ann,Lee{n},f,ann{n}@example.com", "-q", env=env,
            )  # fmt: skip
            assert add.returncode == 0, add.stderr
            out = bookctl(
                "-p", "bench", "checkout", "--accept-terms", "--first-name", "Ann",
                "--last-name", "Lee", "--email", f"ann{n}@example.com", "--phone", "403 201 767",
                "-q", env=env,
            )  # fmt: skip
            assert out.returncode == 0, out.stderr
        results.append(("bookctl basket add + checkout per booking (processes)", args.cli_rows,
                        time.perf_counter() - started))  # fmt: skip
        assert stats(url)["bookings"] == args.cli_rows

    floor_rate = results[0][1] / results[0][2]
    print(f"{'mode':58} {'bookings':>8} {'seconds':>8} {'per s':>8} {'/ floor':>8}")
    for name, rows, seconds in results:
        rate = rows / seconds
        print(f"{name:58} {rows:8d} {seconds:8.2f} {rate:8.1f} {rate / floor_rate:8.2f}")

    for count in (1000, args.validate_rows):
        big = tmp / f"big{count}.csv"
        write_csv(big, count)
        started = time.perf_counter()
        check = subprocess.run(
            [sys.executable, "-c", _MEASURE, "batch", "validate", str(big), "-q"],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        elapsed = time.perf_counter() - started
        peak_kb = int(check.stderr.strip().splitlines()[-1])
        assert check.returncode == 0, check.stderr
        size = big.stat().st_size / 1e6
        print(
            f"batch validate {count} rows ({size:.1f} MB): {elapsed:.2f} s, "
            f"peak RSS {peak_kb / 1024:.1f} MB"
        )


# Runs bookctl in this process and prints its own peak RSS (KiB on Linux) last on stderr.
_MEASURE = """
import resource, runpy, sys
sys.argv = ["bookctl", *sys.argv[1:]]
try:
    runpy.run_module("bookctl", run_name="__main__")
finally:
    sys.stderr.write(f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n")
"""

if __name__ == "__main__":
    main()
