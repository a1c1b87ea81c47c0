"""Start-up speed of bookctl: wall time of short commands and what ``--help`` imports.

Usage: python benchmarks/startup.py [--runs N]

Times N runs (default 20) of each command as a user's shell runs it (a new process each time)
and prints the median, p90 and fastest run; then, from ``python -X importtime``, how many
modules ``bookctl --help`` and the served ``products --json`` import, in how long, and the ten
slowest of each. ``products --json`` is timed against a sandbox that this script
serves on a free loopback port (a real HTTP round trip) and against the embedded sandbox.
Config and state live in temporary directories, so the user's own profiles are never touched.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Timing:
    name: str
    seconds: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p90_ms(self) -> float:
        if len(self.seconds) < 2:
            return self.seconds[0] * 1000
        return statistics.quantiles(self.seconds, n=10, method="inclusive")[8] * 1000

    @property
    def min_ms(self) -> float:
        return min(self.seconds) * 1000


def bookctl_command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m bookctl``."""
    script = Path(sys.executable).with_name("bookctl")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bookctl"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def isolated_env(tmp: Path, name: str) -> dict[str, str]:
    """Temporary config and state dirs, and byte-code cached as an installed package has it.

    PYTHONDONTWRITEBYTECODE would make every run compile bookctl from source; the cache goes to
    a temporary prefix so the source tree gets no ``__pycache__`` directories.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKCTL_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    env["BOOKCTL_CONFIG_DIR"] = str(tmp / name / "config")
    env["BOOKCTL_STATE_DIR"] = str(tmp / name / "state")
    env["NO_COLOR"] = "1"
    return env


def serve_sandbox(tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    args = [*bookctl_command(), "sandbox", "serve", "--port", str(port), "--db", str(tmp / "s.db")]
    server = subprocess.Popen(
        args, env=isolated_env(tmp, "server"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            err = server.stderr.read().decode() if server.stderr else ""
            raise SystemExit(f"sandbox serve exited early: {err}")
        try:
            url = f"http://127.0.0.1:{port}/_sandbox/health"
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return server, port
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)
    stop(server)
    raise SystemExit("sandbox serve did not answer /_sandbox/health within 30 s")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def run(
    args: list[str], env: dict[str, str], stdin: str = "", *, program: list[str] | None = None
) -> float:
    started = time.perf_counter()
    proc = subprocess.run(
        [*(program or bookctl_command()), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
    )
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return elapsed


def time_command(
    name: str, args: list[str], env: dict[str, str], runs: int, *, program: list[str] | None = None
) -> Timing:
    run(args, env, program=program)  # warm-up: disk cache, .pyc files, the sandbox's database
    return Timing(name, [run(args, env, program=program) for _ in range(runs)])


@dataclass
class Imports:
    """What one command imports, from ``python -X importtime``."""

    args: list[str]
    rows: list[tuple[str, int, int]]  # (module, self us, cumulative us)

    @property
    def total_ms(self) -> float:
        return sum(self_us for _, self_us, _ in self.rows) / 1000

    def slowest(self, top: int = 10) -> list[tuple[str, int, int]]:
        return sorted(self.rows, key=lambda row: row[1], reverse=True)[:top]


def import_times(env: dict[str, str], args: list[str]) -> Imports:
    """Every import of ``bookctl ARGS`` with its self and cumulative time."""
    command = [sys.executable, "-X", "importtime", "-m", "bookctl", *args]
    subprocess.run(command, capture_output=True, env=env)  # fill the byte-code cache
    proc = subprocess.run(command, capture_output=True, text=True, env=env)
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, module = line.removeprefix("import time:").split("|")
        rows.append((module.strip(), int(self_us), int(cumulative_us)))
    return Imports(args, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs per command (default 20)")
    options = parser.parse_args()
    if options.runs < 1:
        parser.error("--runs must be at least 1")

    with tempfile.TemporaryDirectory(prefix="bookctl-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = isolated_env(tmp, "client")
        server, port = serve_sandbox(tmp)
        try:
            base_url = f"http://127.0.0.1:{port}/bookinglayer/api/pub/v2"
            run(
                [
                    "profile",
                    "add",
                    "bench",
                    "--provider",
                    "bookinglayer",
                    "--base-url",
                    base_url,
                    "--api-key-stdin",
                ],
                env,
                stdin="sandbox-key\n",
            )
            timings = [
                time_command(
                    "python -c pass (baseline)",
                    ["-c", "pass"],
                    env,
                    options.runs,
                    program=[sys.executable],
                ),
                time_command("bookctl --version", ["--version"], env, options.runs),
                time_command("bookctl --help", ["--help"], env, options.runs),
                time_command(
                    "products --json (served)",
                    ["-p", "bench", "products", "--json"],
                    env,
                    options.runs,
                ),
                time_command(
                    "products --json (embedded)",
                    ["-p", "sandbox", "products", "--json"],
                    env,
                    options.runs,
                ),
            ]
            served_imports = import_times(env, ["-p", "bench", "products", "--json"])
        finally:
            stop(server)
        imports = [import_times(env, ["--help"]), served_imports]

    print(
        f"bookctl start-up, {options.runs} runs each ({sys.implementation.name} "
        f"{sys.version.split()[0]}, {sys.platform})"
    )
    print()
    print(f"{'command':<28} {'median ms':>10} {'p90 ms':>10} {'min ms':>10}")
    for timing in timings:
        print(
            f"{timing.name:<28} {timing.median_ms:>10.1f} {timing.p90_ms:>10.1f} "
            f"{timing.min_ms:>10.1f}"
        )
    for imported in imports:
        command = " ".join(["bookctl", *imported.args])
        print()
        print(
            f"'{command}' imports {len(imported.rows)} modules in {imported.total_ms:.0f} ms "
            "(python -X importtime, sum of self times); the slowest:"
        )
        print(f"{'module':<40} {'self ms':>10} {'cumul. ms':>10}")
        for module, self_us, cumulative_us in imported.slowest():
            print(f"{module:<40} {self_us / 1000:>10.1f} {cumulative_us / 1000:>10.1f}")


if __name__ == "__main__":
    main()
