"""The web app under load: every public API route, a force's page and its JSON twin, and three signed-in pages (the
force page, kept per session from page data kept per version; the ledger overview, kept whole per ledger version,
which it reads on every request, and per session; and the analysts' list of the forces' returns, read from the
ledger and rendered on every request: no cache at all), on `peel serve`, with 200 idle connections held open
meanwhile. Each address is listed with what the server keeps for it (peelkit.web.caching), so a figure says what
it measures.

Usage: PEEL_DATA_DIR=../shared/data python benchmarks/web.py [--duration 30] [--connections 50] [--idle 200]
       [--workers 1 2]
Builds a scratch PEEL_HOME like benchmarks/publish.py (official data, synthetic demo returns, public grades,
demo file review; not timed), publishes peel-effectiveness-2017 (`peel publication set --state published`), adds
an analyst account, starts `peel serve` with 1 and then 2 worker processes, opens `--idle` connections that send
nothing (re-opened whenever the server drops one, as idle clients would), warms the server, then loads each
address with 50 concurrent keep-alive clients on loopback for 30 s. The load comes from `wrk` (a C load
generator: a Python one would take a core from the server) when it is installed, else from an asyncio httpx
client. Targets: p95 under 50 ms with 0 errors for every public page and API route; under 150 ms for the
signed-in pages.
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
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _results import machine, update_section  # noqa: E402

from publish import PEEL, prepare  # noqa: E402

PUBLICATION = "peel-effectiveness-2017"
API = f"/api/v1/publications/{PUBLICATION}"
WHOLE = "whole response kept per version"
BODY = "serialised body kept per version"
# Name -> (address, what the server keeps for it between requests).
ADDRESSES = {
    "force page": (f"/publications/{PUBLICATION}/forces/warwickshire", WHOLE),
    "force page JSON": (f"/publications/{PUBLICATION}/forces/warwickshire.json", WHOLE),
    "API publications": ("/api/v1/publications", BODY),
    "API publication": (API, BODY),
    "API forces": (f"{API}/forces", BODY),
    "API force": (f"{API}/forces/warwickshire", BODY),
    "API indicators": (f"{API}/indicators", BODY),
    "API indicator": (f"{API}/indicators/crimes_per_1000", BODY),
    "signed-in force page": (f"/publications/{PUBLICATION}/forces/warwickshire",
                             "page data kept per version, role and force; HTML kept per version and session"),
    "signed-in ledger page": (f"/ledger/{PUBLICATION}/forces/warwickshire",
                              "whole page kept per ledger version (read on every request) and session"),
    "signed-in returns list": ("/returns",
                              "nothing: read from the ledger and rendered on every request"),
}
PAGES = {name: path for name, (path, _kept) in ADDRESSES.items()}
# Asked with an analyst's session cookie.
SIGNED_IN = {"signed-in force page", "signed-in ledger page", "signed-in returns list"}
BENCH_USER, BENCH_PASSWORD = "bench-analyst", "benchmark password for the scratch home only"
TARGET_P95_MS = 50.0
TARGET_SIGNED_IN_P95_MS = 150.0
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
    error_kinds: str = ""  # e.g. "status 2, timeout 1": what wrk counted

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


class IdleConnections:
    """`count` connections that send nothing, held open while the load runs (a thread re-opens any the server
    closes, as idle clients keep coming back); `open_share` is the share of the time-averaged target held."""

    def __init__(self, host: str, port: int, count: int) -> None:
        self.address, self.count = (host, port), count
        self.sockets: list[socket.socket] = []
        self.samples: list[int] = []
        self.reopened = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._keep, name="idle-connections", daemon=True)

    def __enter__(self) -> IdleConnections:
        self.sockets = [socket.create_connection(self.address) for _ in range(self.count)]
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()

    def _keep(self) -> None:
        while not self._stop.wait(0.25):
            kept = []
            for sock in self.sockets:
                try:
                    closed = sock.recv(1, socket.MSG_DONTWAIT | socket.MSG_PEEK) == b""
                except BlockingIOError:
                    closed = False
                except OSError:
                    closed = True
                if closed:
                    sock.close()
                    self.reopened += 1
                    try:
                        sock = socket.create_connection(self.address, timeout=5)
                    except OSError:
                        continue
                kept.append(sock)
            self.sockets = kept
            self.samples.append(len(kept))

    @property
    def open_share(self) -> float:
        return statistics.mean(self.samples) / self.count if self.samples and self.count else 1.0


def sign_in(base: str) -> str:
    """The analyst's session cookie (signing in as a browser does: the form's CSRF token, then POST /login)."""
    import re

    import httpx

    with httpx.Client(base_url=base, timeout=30) as browser:
        token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text)
        assert token, "no sign-in form"
        answer = browser.post("/login", data={"name": BENCH_USER, "password": BENCH_PASSWORD, "next": "/account",
                                              "csrf_token": token.group(1)})
        if answer.status_code != 303:
            raise SystemExit(f"signing in failed: {answer.status_code}")
        return f"peel_session={browser.cookies['peel_session']}"


def warm(base: str, workers: int, cookie: str) -> None:
    """Every worker builds its page data and cached responses before the clock starts: a few concurrent
    rounds, so each worker process answers some."""
    async def rounds() -> None:
        import httpx

        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            for _ in range(5):
                answers = await asyncio.gather(*(
                    client.get(path, headers={"Cookie": cookie} if name in SIGNED_IN else None)
                    for name, path in PAGES.items() for _ in range(10 * workers)))
                bad = [a.status_code for a in answers if a.status_code != 200]
                if bad:
                    raise SystemExit(f"warming up got {bad[:5]}")

    asyncio.run(rounds())


def with_wrk(url: str, connections: int, seconds: int, threads: int, script: Path, cookie: str | None) -> Load:
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    out = subprocess.run(["wrk", "--latency", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
                          "-s", str(script), *headers, url], check=True, capture_output=True, text=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK-RESULT "))
    found = json.loads(line.removeprefix("WRK-RESULT "))
    kinds = {k: found[k] for k in ("connect", "read", "write", "status", "timeout") if found[k]}
    return Load(found["requests"], found["duration_us"] / 1e6, sum(kinds.values()), found["p50_us"] / 1e3,
                found["p95_us"] / 1e3, found["p99_us"] / 1e3, found["max_us"] / 1e3,
                found["bytes"] / max(found["requests"], 1), ", ".join(f"{k} {n}" for k, n in kinds.items()))


def with_httpx(url: str, connections: int, seconds: int, cookie: str | None) -> Load:
    """The fallback without wrk: it shares the machine's cores with the server, so it understates throughput."""
    import httpx

    headers = {"Cookie": cookie} if cookie else {}

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
        async with httpx.AsyncClient(limits=limits, timeout=30, headers=headers) as session:
            started = time.perf_counter()
            await asyncio.gather(*(client(session, started + seconds) for _ in range(connections)))
            return time.perf_counter() - started

    elapsed = asyncio.run(run())
    cuts = statistics.quantiles(latencies, n=100)
    return Load(len(latencies), elapsed, errors, cuts[49] * 1e3, cuts[94] * 1e3, cuts[98] * 1e3,
                max(latencies) * 1e3, float(size))


def explain_errors(load: Load, log: Path) -> None:
    """What the errors were: wrk's kinds, and the server's own error lines (a 5xx leaves a traceback there)."""
    print(f"    errors: {load.error_kinds or 'of a kind the client did not name'}", flush=True)
    lines = [line for line in log.read_text(errors="replace").splitlines()
             if "error" in line.lower() or "Traceback" in line]
    for line in lines[-10:]:
        print(f"    server: {line[:200]}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds of load per address")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--idle", type=int, default=200, help="idle connections held open meanwhile")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--no-results", action="store_true")
    parser.add_argument("--only", nargs="+", choices=sorted(ADDRESSES), metavar="ADDRESS",
                        help="measure only these addresses (implies --no-results): " + ", ".join(ADDRESSES))
    options = parser.parse_args()
    data = Path(os.environ.get("PEEL_DATA_DIR", "../shared/data")).resolve()
    tool = "wrk" if shutil.which("wrk") else "httpx"
    rows: list[tuple[int, str, Load, float]] = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as scratch:
        print("preparing a scratch PEEL_HOME with the real data (not timed)...", flush=True)
        env = prepare(Path(scratch) / "home", data)
        subprocess.run([PEEL, "publication", "set", PUBLICATION, "--state", "published", "--by", "benchmark",
                        "--override", "benchmark: synthetic returns"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([PEEL, "users", "add", BENCH_USER, "--role", "analyst", "--password-stdin", "--by",
                        "benchmark"], env=env, check=True, input=BENCH_PASSWORD.encode(), stdout=subprocess.DEVNULL)
        script = Path(scratch) / "report.lua"
        script.write_text(WRK_SCRIPT)
        for workers in options.workers:
            server, base = start_server(env, workers, Path(scratch) / f"serve-{workers}.log")
            try:
                cookie = sign_in(base)
                warm(base, workers, cookie)
                port = int(base.rsplit(":", 1)[1])
                for name, path in PAGES.items():
                    if options.only and name not in options.only:
                        continue
                    with IdleConnections("127.0.0.1", port, options.idle) as idle:
                        header = cookie if name in SIGNED_IN else None
                        if tool == "wrk":
                            load = with_wrk(base + path, options.connections, options.duration,
                                            options.wrk_threads, script, header)
                        else:
                            load = with_httpx(base + path, options.connections, options.duration, header)
                    rows.append((workers, name, load, idle.open_share))
                    print(f"--workers {workers} {name:<21} {load.per_second:7.0f} req/s  p50 {load.p50_ms:6.1f} ms  "
                          f"p95 {load.p95_ms:6.1f} ms  p99 {load.p99_ms:6.1f} ms  max {load.max_ms:7.1f} ms  "
                          f"errors {load.errors}  ({load.requests} requests, {load.bytes_per_response / 1024:.1f} "
                          f"KiB each; {options.idle} idle held {idle.open_share:.0%}, re-opened {idle.reopened})",
                          flush=True)
                    if load.errors:
                        explain_errors(load, Path(scratch) / f"serve-{workers}.log")
            finally:
                stop_server(server)
    public = [(w, name, load) for w, name, load, _held in rows if name not in SIGNED_IN]
    met = all(load.p95_ms <= TARGET_P95_MS and load.errors == 0 for _, _, load in public)
    slow = sorted({name for _, name, load, _held in rows
                   if name in SIGNED_IN and (load.p95_ms > TARGET_SIGNED_IN_P95_MS or load.errors)})
    verdict = ("met" if met else "NOT met") + "; signed-in pages under " \
        f"{TARGET_SIGNED_IN_P95_MS:.0f} ms: " + (f"NOT met by {', '.join(slow)}" if slow else "met")
    print(f"target: p95 at most {TARGET_P95_MS:.0f} ms with 0 errors, every public page and API route: {verdict}")
    if not options.no_results and not options.only:
        update_section("web", results_section(options, tool, rows, verdict,
                                              f"{load_before:.1f}, {os.getloadavg()[0]:.1f}"))


def results_section(options: argparse.Namespace, tool: str, rows: list[tuple[int, str, Load, float]],
                    verdict: str, load: str) -> str:
    return "\n".join([
        "## The web app under load (`benchmarks/web.py`)",
        "",
        f"`peel serve` on loopback, {options.connections} concurrent keep-alive clients for {options.duration} s"
        f" per address while {options.idle} idle connections are held open, load from {tool}"
        + (f" ({options.wrk_threads} threads) on the same machine" if tool == "wrk" else " on the same machine")
        + f"; publication `{PUBLICATION}` published, scratch PEEL_HOME with all of `PEEL_DATA_DIR`, the"
        " synthetic demo returns, the public grades and the demo file review; warmed before timing. The"
        " signed-in pages are asked with an analyst's session cookie (never answered from the anonymous cache)."
        f" Load average (1 min) before the first and after the last address: {load}.",
        "",
        "What the server keeps for each address (peelkit.web.caching; everything is dropped when the ledger's"
        " change counter or the warehouse's import stamp moves):",
        "",
        *(f"- {name}: {kept}" for name, (_path, kept) in ADDRESSES.items()),
        "",
        "| machine | |",
        "| --- | --- |",
        *(f"| {k} | {v} |" for k, v in machine().items()),
        "",
        "| workers | address | requests/s | p50 | p95 | p99 | max | errors | size | idle held |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *(f"| {w} | {name} | {load.per_second:.0f} | {load.p50_ms:.1f} ms | {load.p95_ms:.1f} ms | "
          f"{load.p99_ms:.1f} ms | {load.max_ms:.0f} ms | {load.errors} | "
          f"{load.bytes_per_response / 1024:.1f} KiB | {held:.0%} |" for w, name, load, held in rows),
        "",
        f"Target: p95 at most {TARGET_P95_MS:.0f} ms with 0 errors for every public page and API route: {verdict}.",
    ])


if __name__ == "__main__":
    main()
