"""Paired ratios of bookctl against a reference, one row per goal of the performance issue.

Usage: python benchmarks/paired.py [--pairs N] [--batch-pairs N] [--rows N] [--validate-rows N]
       python benchmarks/paired.py --only help,served   (a subset of rows, by key)

Every row times a command A (bookctl) and a reference B, alternating A and B in each pair so
that the load of a shared machine hits both alike, and prints the median of the per-pair ratios
A/B with their spread (25th..75th percentile), next to the median seconds of A and B. Each
command is a new process, as a user's shell runs it. See benchmarks/README.md for the goals.

Set-up: httpie (the reference ``http``) is installed into this interpreter's environment with
``pip install httpie`` when it is missing. Config and state live in temporary directories, a
sandbox is served on a free loopback port, and a near-zero-cost stub server (this file run with
``--stub``) answers the batch requests with canned bodies recorded from that sandbox.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.util
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

KEY = "sandbox-key"
API = "/bookinglayer/api/pub/v2"
HEADER = (
    "id,package,start_date,end_date,guest_first_name,guest_last_name,guest_gender,guest_email,"
    "customer_first_name,customer_last_name,customer_email,customer_phone,accept_terms\n"
)
ROWS = {
    "help": ("`bookctl --help`", "`http --version`", 0.40),
    "served": ("`products --json`, served", "`http GET` same URL", 0.60),
    "embedded": ("`products --json`, embedded", "same, served", 1.15),
    "flow": ("add + show + checkout, 3 processes", "httpie x3 + jq", 0.80),
    "batch-served": ("`batch run` -c 8, served", "same, stub server", 1.50),
    "batch-stub": ("`batch run` -c 8, stub", "bare httpx.AsyncClient loop", 1.10),
    "sandbox": ("bare httpx loop -c 8, served", "same, stub server", 1.50),
    "validate": ("`batch validate`", "bare csv.reader", 5.0),
}


# -- set-up -------------------------------------------------------------------------------


def venv_bin(name: str) -> Path:
    return Path(sys.executable).with_name(name)


def ensure_httpie() -> None:
    """The references at their best: httpie, and sniffio, which httpcore's async pool (the
    bare httpx loop) looks for on every request and is a third slower without."""
    missing = [] if venv_bin("http").exists() else ["httpie"]
    if importlib.util.find_spec("sniffio") is None:
        missing.append("sniffio")
    if not missing:
        return
    print(f"setting up: pip install {' '.join(missing)}", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early: {url}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)
    raise SystemExit(f"no answer from {url}")


def call(method: str, url: str, body: object = None) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Bearer {KEY}")
    request.add_header("Content-Type", "application/json")
    request.add_header("Idempotency-Key", f"bench-{time.monotonic_ns()}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def day(n: int) -> dt.date:
    return dt.date.today() + dt.timedelta(days=3 + n % 330)


def add_body(n: int) -> dict[str, object]:
    d = day(n)
    guest = {
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
    return {"guests": [guest], "currency": "EUR"}


def checkout_body(n: int) -> dict[str, object]:
    customer = {
        "first_name": "Ann",
        "last_name": "Lee",
        "email": f"ann{n}@example.com",
        "phone": "403 201 767",
    }
    return {"terms_accepted": True, "newsletter_opt_in": False, "customer": customer}


def write_csv(path: Path, rows: int) -> None:
    with path.open("w") as handle:
        handle.write(HEADER)
        for n in range(rows):
            d = day(n)
            handle.write(
                f"r{n},450,{d},{d + dt.timedelta(days=1)},Ann,Lee{n},f,ann{n}@example.com,"
                f"Ann,Lee,ann{n}@example.com,403 201 767,yes\n"
            )


# -- the stub server and the floor loop (run as child processes of this script) -------------


def run_stub(port: int, canned_file: Path) -> None:
    """Answer every request from canned ``{"METHOD path-regex": [status, body]}``, keep-alive."""
    canned = [
        (method, re.compile(pattern), status, body.encode())
        for key, (status, body) in json.loads(canned_file.read_text()).items()
        for method, pattern in [key.split(" ", 1)]
    ]
    reasons = {200: "OK", 201: "Created", 404: "Not Found"}

    def answer(method: str, path: str) -> bytes:
        status, body = 404, b'{"message":"not stubbed"}'
        for m, pattern, code, content in canned:
            if m == method and pattern.search(path):
                status, body = code, content
                break
        head = (
            f"HTTP/1.1 {status} {reasons.get(status, 'OK')}\r\ncontent-type: application/json"
            f"\r\ncontent-length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                length = 0
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                if length:
                    await reader.readexactly(length)
                writer.write(answer(method, target.split("?", 1)[0]))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=256)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


def run_floor(base: str, rows: int, concurrency: int) -> None:
    """The same requests as ``batch run`` from a bare ``httpx.AsyncClient`` loop."""
    import httpx

    async def main() -> None:
        queue = list(range(rows))
        headers = {"Authorization": f"Bearer {KEY}"}

        async def worker(client: httpx.AsyncClient) -> None:
            while queue:
                n = queue.pop()
                add = await client.post(
                    "bookings/add", json=add_body(n), headers={"Idempotency-Key": f"f{n}:a"}
                )
                cart = add.raise_for_status().json()["cart_id"]
                done = await client.post(
                    f"carts/{cart}/checkout",
                    json=checkout_body(n),
                    headers={"Idempotency-Key": f"f{n}:c"},
                )
                done.raise_for_status()

        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
            await client.get("settings")
            await asyncio.gather(*(worker(client) for _ in range(concurrency)))

    asyncio.run(main())


# -- timing ---------------------------------------------------------------------------------


def timed(args: list[str], env: dict[str, str], stdin: str = "") -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(args, input=stdin, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return elapsed, proc.stdout


def child_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a running process so far, from /proc (0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_note(name_a: str, a: list[float], name_b: str, b: list[float]) -> str:
    """CPU time of both sides: on a loaded machine it moves far less than wall time."""
    ratio = statistics.median(x / y for x, y in zip(a, b, strict=True))
    return (
        f"CPU (user + system) of {name_a}: median {statistics.median(a):.2f} s; of {name_b}: "
        f"{statistics.median(b):.2f} s; paired ratio {ratio:.2f}"
    )


@dataclass
class Row:
    key: str
    a: list[float]
    b: list[float]

    @property
    def ratios(self) -> list[float]:
        return [x / y for x, y in zip(self.a, self.b, strict=True)]

    def line(self) -> str:
        name_a, name_b, goal = ROWS[self.key]
        ratios = self.ratios
        mid = statistics.median(ratios)
        if len(ratios) >= 2:
            q = statistics.quantiles(ratios, n=4, method="inclusive")
            spread = f"{q[0]:.2f}..{q[2]:.2f}"
        else:
            spread = "-"
        verdict = "met" if mid <= goal else "NOT met"
        return (
            f"| {name_a} | {statistics.median(self.a):.3f} s | {name_b} | "
            f"{statistics.median(self.b):.3f} s | {mid:.2f} | {spread} | <= {goal:.2f} "
            f"| {verdict} |"
        )


def paired(
    key: str, a: Callable[[int], float], b: Callable[[int], float], pairs: int, *, warm: bool
) -> Row:
    if warm:
        a(-1)
        b(-1)
    row = Row(key, [], [])
    for n in range(pairs):
        # Alternate which one goes first, so neither always runs on a warmer machine.
        if n % 2:
            row.b.append(b(n))
            row.a.append(a(n))
        else:
            row.a.append(a(n))
            row.b.append(b(n))
    return row


# -- the benchmark --------------------------------------------------------------------------


class Bench:
    def __init__(self, tmp: Path, options: argparse.Namespace) -> None:
        self.tmp = tmp
        self.options = options
        self.bookctl = [str(venv_bin("bookctl"))]
        self.http = [str(venv_bin("http"))]
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKCTL_")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        env["BOOKCTL_CONFIG_DIR"] = str(tmp / "config")
        env["BOOKCTL_STATE_DIR"] = str(tmp / "state")
        env["NO_COLOR"] = "1"
        self.env = env
        self.children: list[subprocess.Popen[bytes]] = []
        self.booking = 0  # a new day per booking of the flow rows, so capacity never runs out
        self.batch_cpu = ""

    def spawn(self, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.children.append(proc)
        return proc

    def stop(self) -> None:
        # The background sandbox the embedded row started (none if it did not run).
        subprocess.run(
            [*self.bookctl, "sandbox", "stop"], env=self.env, capture_output=True, check=False
        )
        for proc in self.children:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def start(self) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        server_env = {**self.env, "BOOKCTL_STATE_DIR": str(self.tmp / "server")}
        db = str(self.tmp / "sandbox.db")
        proc = self.spawn(
            [*self.bookctl, "sandbox", "serve", "--port", str(port), "--db", db], server_env
        )
        wait_http(f"{self.url}/_sandbox/health", proc)
        self.add_profile("bench", self.url + API)
        # Canned answers for the stub, recorded from the sandbox.
        canned: dict[str, tuple[int, str]] = {}
        status, settings = call("GET", f"{self.url}{API}/settings")
        canned[r"GET /settings$"] = (status, settings.decode())
        status, added = call("POST", f"{self.url}{API}/bookings/add", add_body(10**6))
        canned[r"POST /bookings/add$"] = (status, added.decode())
        cart = json.loads(added)["cart_id"]
        status, done = call("POST", f"{self.url}{API}/carts/{cart}/checkout", checkout_body(1))
        canned[r"POST /carts/[^/]+/checkout$"] = (status, done.decode())
        canned_file = self.tmp / "canned.json"
        canned_file.write_text(json.dumps(canned))
        stub_port = free_port()
        self.stub_url = f"http://127.0.0.1:{stub_port}"
        proc = self.spawn(
            [sys.executable, __file__, "--stub", str(stub_port), str(canned_file)], self.env
        )
        wait_http(f"{self.stub_url}/", proc)
        self.add_profile("stub", self.stub_url + API)

    def add_profile(self, name: str, base_url: str) -> None:
        timed(
            [
                *self.bookctl,
                "profile",
                "add",
                name,
                "--provider",
                "bookinglayer",
                "--base-url",
                base_url,
                "--api-key-stdin",
            ],
            self.env,
            KEY + "\n",
        )

    def reset(self) -> None:
        status, _ = call("POST", f"{self.url}/_sandbox/reset")
        assert status == 200, status

    def cmd(self, *args: str) -> Callable[[int], float]:
        return lambda _n: timed([*self.bookctl, *args], self.env)[0]

    # -- rows

    def row_help(self, pairs: int) -> Row:
        http = self.http
        return paired(
            "help",
            self.cmd("--help"),
            lambda _n: timed([*http, "--version"], self.env)[0],
            pairs,
            warm=True,
        )

    def row_served(self, pairs: int) -> Row:
        url = f"{self.url}{API}/products"
        http = [*self.http, "GET", url, f"Authorization:Bearer {KEY}"]
        return paired(
            "served",
            self.cmd("-p", "bench", "products", "--json"),
            lambda _n: timed(http, self.env)[0],
            pairs,
            warm=True,
        )

    def row_embedded(self, pairs: int) -> Row:
        embedded = self.cmd("-p", "sandbox", "products", "--json")

        def warm_embedded(n: int) -> float:
            # The warm-up run starts the background sandbox; the timed runs find it up.
            elapsed = embedded(n)
            if n < 0:
                self.wait_background_sandbox()
            return elapsed

        return paired(
            "embedded",
            warm_embedded,
            self.cmd("-p", "bench", "products", "--json"),
            pairs,
            warm=True,
        )

    def wait_background_sandbox(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            _, out = timed([*self.bookctl, "sandbox", "status", "--json"], self.env)
            status = json.loads(out)
            if (status["running"] and status["current"]) or not status["autostart"]:
                return
            time.sleep(0.1)
        raise SystemExit("the background sandbox did not start in 60 s")

    def flow_bookctl(self, _n: int) -> float:
        self.booking += 1
        n = self.booking
        d = day(n)
        total = 0.0
        for args in (
            [
                "basket",
                "add",
                "--new-cart",
                "--package",
                "450",
                "--start-date",
                d.isoformat(),
                "--end-date",
                str(d + dt.timedelta(days=1)),
                "--guest",
                f"Ann,Lee{n},f,ann{n}@example.com",
            ],
            ["cart", "show"],
            [
                "checkout",
                "--accept-terms",
                "--first-name",
                "Ann",
                "--last-name",
                "Lee",
                "--email",
                f"ann{n}@example.com",
                "--phone",
                "403 201 767",
            ],
        ):
            total += timed([*self.bookctl, "-p", "bench", "--json", *args], self.env)[0]
        return total

    def flow_httpie(self, _n: int) -> float:
        self.booking += 1
        n = self.booking
        base = f"{self.url}{API}"
        auth = f"Authorization:Bearer {KEY}"
        spent, added = timed(
            [
                *self.http,
                "--ignore-stdin",
                "POST",
                f"{base}/bookings/add",
                auth,
                f"Idempotency-Key:h{n}a",
                f"guests:={json.dumps(add_body(n)['guests'])}",
                "currency=EUR",
            ],
            self.env,
        )
        took, cart = timed(["jq", "-r", ".cart_id"], self.env, added)
        spent += took
        cart = cart.strip()
        spent += timed([*self.http, "GET", f"{base}/carts/{cart}", auth], self.env)[0]
        body = checkout_body(n)
        spent += timed(
            [
                *self.http,
                "--ignore-stdin",
                "POST",
                f"{base}/carts/{cart}/checkout",
                auth,
                f"Idempotency-Key:h{n}c",
                "terms_accepted:=true",
                "newsletter_opt_in:=false",
                f"customer:={json.dumps(body['customer'])}",
            ],
            self.env,
        )[0]
        return spent

    def row_flow(self, pairs: int) -> Row:
        return paired("flow", self.flow_bookctl, self.flow_httpie, pairs, warm=True)

    def batch_rows(self, pairs: int, *, served_too: bool = True) -> tuple[Row, Row]:
        """The batch-served and batch-stub rows (without ``served_too``, the served runs are
        left out and its row stays empty)."""
        rows = self.options.rows
        csv_file = self.tmp / "rows.csv"
        write_csv(csv_file, rows)
        runs = 0

        def batch(profile: str) -> float:
            nonlocal runs
            runs += 1
            if profile == "bench":
                self.reset()
            journal = self.tmp / f"journal{runs}.jsonl"
            return timed(
                [
                    *self.bookctl,
                    "-p",
                    profile,
                    "-q",
                    "batch",
                    "run",
                    str(csv_file),
                    "--concurrency",
                    "8",
                    "--journal",
                    str(journal),
                ],
                self.env,
            )[0]

        def floor() -> float:
            return timed(
                [sys.executable, __file__, "--floor", self.stub_url + API + "/", str(rows)],
                self.env,
            )[0]

        served = Row("batch-served", [], [])
        stub = Row("batch-stub", [], [])
        cpu: dict[str, list[float]] = {"stub": [], "floor": []}
        batch("stub")  # warm-up
        for n in range(pairs):
            order = ("served", "stub", "floor") if n % 2 == 0 else ("floor", "stub", "served")
            took: dict[str, float] = {}
            for what in order:
                if what == "served" and not served_too:
                    continue
                spent = child_cpu()
                took[what] = (
                    floor() if what == "floor" else batch("bench" if what == "served" else "stub")
                )
                if what in cpu:
                    cpu[what].append(child_cpu() - spent)
            if served_too:
                served.a.append(took["served"])
                served.b.append(took["stub"])
            stub.a.append(took["stub"])
            stub.b.append(took["floor"])
        self.batch_cpu = cpu_note(
            "`batch run` -c 8, stub", cpu["stub"], "the bare httpx loop", cpu["floor"]
        )
        return served, stub

    def row_sandbox(self, pairs: int) -> tuple[Row, str]:
        """What the served sandbox adds per booking, with no bookctl client in the way.

        Also the CPU time (user + system) of each side, the server's process and the loop's
        together: on a loaded machine it moves far less than wall time.
        """
        rows = self.options.rows
        servers = {
            self.url: next(p.pid for p in self.children if "serve" in p.args),
            self.stub_url: next(p.pid for p in self.children if "--stub" in p.args),
        }
        cpu: dict[str, list[float]] = {self.url: [], self.stub_url: []}
        server_cpu: dict[str, list[float]] = {self.url: [], self.stub_url: []}

        def floor(url: str) -> Callable[[int], float]:
            def run(n: int) -> float:
                if url == self.url:
                    self.reset()
                args = [sys.executable, __file__, "--floor", url + API + "/", str(rows)]
                loop, server = child_cpu(), process_cpu(servers[url])
                took = timed(args, self.env)[0]
                if n >= 0:  # not the warm-up
                    server = process_cpu(servers[url]) - server
                    server_cpu[url].append(server)
                    cpu[url].append(child_cpu() - loop + server)
                return took

            return run

        row = paired("sandbox", floor(self.url), floor(self.stub_url), pairs, warm=True)
        note = cpu_note(
            "the httpx loop + served sandbox",
            cpu[self.url],
            "the httpx loop + stub server",
            cpu[self.stub_url],
        )
        served, stub = (statistics.median(server_cpu[u]) for u in (self.url, self.stub_url))
        note += f" (the servers alone: sandbox {served:.2f} s, stub {stub:.2f} s)"
        return row, note

    def row_validate(self, pairs: int) -> tuple[Row, str]:
        rows = self.options.validate_rows
        big = self.tmp / "big.csv"
        write_csv(big, rows)
        code = (
            "import csv, sys\nwith open(sys.argv[1], newline='') as f:\n"
            " for r in csv.reader(f): pass"
        )
        cpu: tuple[list[float], list[float]] = ([], [])

        def metered(run: Callable[[int], float], into: list[float]) -> Callable[[int], float]:
            def measure(n: int) -> float:
                spent = child_cpu()
                took = run(n)
                if n >= 0:  # not the warm-up
                    into.append(child_cpu() - spent)
                return took

            return measure

        row = paired(
            "validate",
            metered(self.cmd("-q", "batch", "validate", str(big)), cpu[0]),
            metered(lambda _n: timed([sys.executable, "-c", code, str(big)], self.env)[0], cpu[1]),
            pairs,
            warm=True,
        )
        small = self.tmp / "small.csv"
        write_csv(small, 1000)
        memory = [
            f"{self.peak_rss(small):.0f} MB at 1,000 rows",
            f"{self.peak_rss(big):.0f} MB at {rows:,} rows",
        ]
        return row, "\n\n".join(
            [
                "peak RSS of `batch validate`: " + ", ".join(memory),
                cpu_note("`batch validate`", cpu[0], "bare csv.reader", cpu[1]),
            ]
        )

    def peak_rss(self, path: Path) -> float:
        probe = (
            "import resource, runpy, sys\nsys.argv = ['bookctl', *sys.argv[1:]]\ntry:\n"
            " runpy.run_module('bookctl', run_name='__main__')\nexcept SystemExit:\n pass\n"
            "rss = max(resource.getrusage(who).ru_maxrss for who in "
            "(resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))\n"
            "sys.stderr.write(f'RSS {rss}\\n')"
        )
        proc = subprocess.run(
            [sys.executable, "-c", probe, "-q", "batch", "validate", str(path)],
            env=self.env,
            capture_output=True,
            text=True,
        )
        kb = next(x for x in proc.stderr.splitlines() if x.startswith("RSS ")).split()[1]
        return int(kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=11, help="pairs per quick row (default 11)")
    parser.add_argument("--batch-pairs", type=int, default=3, help="pairs per batch row (3)")
    parser.add_argument("--rows", type=int, default=1000, help="rows of a batch run (1000)")
    parser.add_argument("--validate-rows", type=int, default=100_000, help="(default 100000)")
    parser.add_argument("--only", default=",".join(ROWS), help="rows to run, comma-separated")
    parser.add_argument("--stub", nargs=2, metavar=("PORT", "CANNED"), help=argparse.SUPPRESS)
    parser.add_argument("--floor", nargs=2, metavar=("BASE", "ROWS"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.stub:
        run_stub(int(options.stub[0]), Path(options.stub[1]))
        return
    if options.floor:
        run_floor(options.floor[0], int(options.floor[1]), 8)
        return
    if not venv_bin("bookctl").exists():
        parser.error(
            f"no bookctl next to {sys.executable}: run this with the Python of the virtual "
            "environment bookctl is installed in"
        )
    only = set(options.only.split(","))
    if unknown := only - set(ROWS):
        parser.error(f"unknown rows: {', '.join(sorted(unknown))}")
    if shutil.which("jq") is None and "flow" in only:
        parser.error("the flow row needs jq on PATH")
    ensure_httpie()

    lines: list[str] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bookctl-paired-") as tmp_name:
        bench = Bench(Path(tmp_name), options)
        try:
            bench.start()
            for key, method in (
                ("help", bench.row_help),
                ("served", bench.row_served),
                ("embedded", bench.row_embedded),
                ("flow", bench.row_flow),
            ):
                if key in only:
                    print(f"measuring {key} ...", file=sys.stderr)
                    lines.append(method(options.pairs).line())
            if only & {"batch-served", "batch-stub"}:
                print("measuring batch ...", file=sys.stderr)
                served, stub = bench.batch_rows(
                    options.batch_pairs, served_too="batch-served" in only
                )
                lines += [r.line() for r in (served, stub) if r.key in only]
                if "batch-stub" in only:
                    notes.append(bench.batch_cpu)
            if "sandbox" in only:
                print("measuring sandbox ...", file=sys.stderr)
                row, note = bench.row_sandbox(options.batch_pairs)
                lines.append(row.line())
                notes.append(note)
            if "validate" in only:
                print("measuring validate ...", file=sys.stderr)
                row, note = bench.row_validate(max(3, options.pairs // 2))
                lines.append(row.line())
                notes.append(note)
        finally:
            bench.stop()

    print(
        f"bookctl paired ratios ({os.cpu_count()} cores, {sys.implementation.name} "
        f"{sys.version.split()[0]}; {options.pairs} pairs, batch {options.batch_pairs} pairs "
        f"of {options.rows} rows)"
    )
    print()
    print("| A: bookctl | A median | B: reference | B median | ratio A/B | spread | goal | |")
    print("|---|---|---|---|---|---|---|---|")
    for line in lines:
        print(line)
    for note in notes:
        print()
        print(note)


if __name__ == "__main__":
    main()
