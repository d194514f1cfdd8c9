"""Latency and throughput of the busiest page, a force's page, and its JSON twin, on `peel serve`.

Usage: PEEL_DATA_DIR=../shared/data python benchmarks/web.py [--duration 30] [--connections 50] [--workers 1 2]
Builds a scratch PEEL_HOME like benchmarks/publish.py (official data, synthetic demo returns, public grades,
demo file review; not timed), publishes peel-effectiveness-2017 (`peel publication set --state published`),
starts `peel serve` with 1 and then 2 worker processes, warms it, then loads each address with 50 concurrent
keep-alive clients on loopback for 30 s. The load comes from `wrk` (a C load generator: a Python one would
take a core from the server) when it is installed, else from an asyncio httpx client. Target: p95 under
50 ms with 0 errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _results import machine, update_section  # noqa: E402

from publish import PEEL, prepare  # noqa: E402

PUBLICATION = "peel-effectiveness-2017"
PAGES = {"force page": f"/publications/{PUBLICATION}/forces/warwickshire",
         "force page JSON": f"/publications/{PUBLICATION}/forces/warwickshire.json"}
TARGET_P95_MS = 50.0
# wrk prints percentiles 50/75/90/99 only; this prints what we report, as one JSON line.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK-RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, '
    .. '"read": %d, "write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
    .. '"max_us": %d}\\n', summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    bytes_per_response: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        return int(response.status)


def start_server(env: dict[str, str], workers: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    handle = log.open("wb")
    server = subprocess.Popen([PEEL, "serve", "--port", str(port), "--workers", str(workers)], env=env,
                              stdout=handle, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if _get(base + "/api/v1/publications") == 200:
                return server, base
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise SystemExit(f"peel serve did not start; see {log}")
        time.sleep(0.2)


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def warm(base: str, workers: int) -> None:
    """Every worker builds its page data and cached responses before the clock starts: a few concurrent
    rounds, so each worker process answers some."""
    async def rounds() -> None:
        import httpx

        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            for _ in range(5):
                answers = await asyncio.gather(*(client.get(path) for path in PAGES.values()
                                                 for _ in range(10 * workers)))
                bad = [a.status_code for a in answers if a.status_code != 200]
                if bad:
                    raise SystemExit(f"warming up got {bad[:5]}")

    asyncio.run(rounds())


def with_wrk(url: str, connections: int, seconds: int, threads: int, script: Path) -> Load:
    out = subprocess.run(["wrk", "--latency", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
                          "-s", str(script), url], check=True, capture_output=True, text=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK-RESULT "))
    found = json.loads(line.removeprefix("WRK-RESULT "))
    errors = sum(found[k] for k in ("connect", "read", "write", "status", "timeout"))
    return Load(found["requests"], found["duration_us"] / 1e6, errors, found["p50_us"] / 1e3,
                found["p95_us"] / 1e3, found["p99_us"] / 1e3, found["max_us"] / 1e3,
                found["bytes"] / max(found["requests"], 1))


def with_httpx(url: str, connections: int, seconds: int) -> Load:
    """The fallback without wrk: it shares the machine's cores with the server, so it understates throughput."""
    import httpx

    latencies: list[float] = []
    errors = 0
    size = 0

    async def client(session: httpx.AsyncClient, stop: float) -> None:
        nonlocal errors, size
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                response = await session.get(url)
                size = len(response.content)
                if response.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - started)

    async def run() -> float:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(limits=limits, timeout=30) as session:
            started = time.perf_counter()
            await asyncio.gather(*(client(session, started + seconds) for _ in range(connections)))
            return time.perf_counter() - started

    elapsed = asyncio.run(run())
    cuts = statistics.quantiles(latencies, n=100)
    return Load(len(latencies), elapsed, errors, cuts[49] * 1e3, cuts[94] * 1e3, cuts[98] * 1e3,
                max(latencies) * 1e3, float(size))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds of load per address")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--no-results", action="store_true")
    options = parser.parse_args()
    data = Path(os.environ.get("PEEL_DATA_DIR", "../shared/data")).resolve()
    tool = "wrk" if shutil.which("wrk") else "httpx"
    rows: list[tuple[int, str, Load]] = []
    with tempfile.TemporaryDirectory() as scratch:
        print("preparing a scratch PEEL_HOME with the real data (not timed)...", flush=True)
        env = prepare(Path(scratch) / "home", data)
        subprocess.run([PEEL, "publication", "set", PUBLICATION, "--state", "published", "--by", "benchmark",
                        "--override", "benchmark: synthetic returns"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        script = Path(scratch) / "report.lua"
        script.write_text(WRK_SCRIPT)
        for workers in options.workers:
            server, base = start_server(env, workers, Path(scratch) / f"serve-{workers}.log")
            try:
                warm(base, workers)
                for name, path in PAGES.items():
                    if tool == "wrk":
                        load = with_wrk(base + path, options.connections, options.duration, options.wrk_threads,
                                        script)
                    else:
                        load = with_httpx(base + path, options.connections, options.duration)
                    rows.append((workers, name, load))
                    print(f"--workers {workers} {name:<16} {load.per_second:8.0f} req/s  p50 {load.p50_ms:6.1f} ms  "
                          f"p95 {load.p95_ms:6.1f} ms  p99 {load.p99_ms:6.1f} ms  max {load.max_ms:7.1f} ms  "
                          f"errors {load.errors}  ({load.requests} requests, {load.bytes_per_response / 1024:.1f} "
                          f"KiB each)", flush=True)
            finally:
                stop_server(server)
    met = all(load.p95_ms < TARGET_P95_MS and load.errors == 0 for _, _, load in rows)
    verdict = "met" if met else "NOT met"
    print(f"target: p95 under {TARGET_P95_MS:.0f} ms with 0 errors, every row: {verdict}")
    if not options.no_results:
        update_section("web", "\n".join([
            "## The web app's force page (`benchmarks/web.py`)",
            "",
            f"`peel serve` on loopback, {options.connections} concurrent keep-alive clients for {options.duration} s"
            f" per address, load from {tool}"
            + (f" ({options.wrk_threads} threads) on the same machine" if tool == "wrk" else " on the same machine")
            + f"; publication `{PUBLICATION}` published, scratch PEEL_HOME with all of `PEEL_DATA_DIR`, the"
            " synthetic demo returns, the public grades and the demo file review; warmed before timing.",
            "",
            "| machine | |",
            "| --- | --- |",
            *(f"| {k} | {v} |" for k, v in machine().items()),
            "",
            "| workers | address | requests/s | p50 | p95 | p99 | max | errors | size |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
            *(f"| {w} | {name} | {load.per_second:.0f} | {load.p50_ms:.1f} ms | {load.p95_ms:.1f} ms | "
              f"{load.p99_ms:.1f} ms | {load.max_ms:.0f} ms | {load.errors} | "
              f"{load.bytes_per_response / 1024:.1f} KiB |" for w, name, load in rows),
            "",
            f"Target: p95 under {TARGET_P95_MS:.0f} ms with 0 errors: {verdict}.",
        ]))


if __name__ == "__main__":
    main()
