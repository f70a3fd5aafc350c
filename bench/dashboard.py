"""Benchmark of the dashboard ``/`` (issue 6): latency and throughput of one worker.

For the large demo (and the small one) it starts the app under gunicorn with one
sync worker on 127.0.0.1, logs in as a manager created through
``services.accounts.create_user``, then measures

* p50 / p99 of sequential requests to ``/`` (uncached: every request builds the
  snapshot; a couple of warm-up requests first), goal p50 <= 50 ms, and the p50 of
  each part the worker reports in its Server-Timing header (snapshot, charts, render);
* requests per second of that one worker under a bounded Python thread-pool load
  generator (a few keep-alive connections on 127.0.0.1, bounded in time and count),
  goal >= 20 req/s per worker;
* the peer: the same worker serving a static file (gunicorn and Flask's own cost per
  request), and the dashboard's p50 as a multiple of it.

    .venv/bin/python bench/dashboard.py [--db URL] [--small-db URL] [--requests 30]
        [--seconds 10] [--connections 4] [--only large|small] [--as-of 2026-09-30]

Without ``--db`` the large demo is built into a temporary SQLite file (~15-40 s).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from fundtrack.ledger.db import Database
from fundtrack.ledger.errors import LedgerError
from fundtrack.services.accounts import create_user
from fundtrack.services.database import init_database
from fundtrack.services.demo import load_demo

ROOT = Path(__file__).resolve().parents[1]
EMAIL = "bench-manager@example.com"
PASSWORD = "bench-" + "manager-password"  # a throwaway account in a benchmark database
P50_GOAL_MS = 50.0
RATE_GOAL = 20.0
MAX_LOAD_REQUESTS = 5000
PEER = "/static/app.css"


def prepare(url: str | None, size: str, folder: Path) -> str:
    """The database URL holding the ``size`` demo (built when none is given) and a manager."""
    if url is None:
        url = f"sqlite:///{folder / f'{size}.db'}"
        db = Database(url)
        init_database(db)
        started = time.perf_counter()
        load_demo(db, size=size, progress=lambda _m: None)
        print(f"  built the {size} demo in {time.perf_counter() - started:.1f} s")
    else:
        db = Database(url)
        init_database(db)  # brings a reused database to the latest schema
    with contextlib.suppress(LedgerError):  # already there from an earlier run
        create_user(db, email=EMAIL, role="manager", password=PASSWORD, actor="bench")
    db.engine.dispose()
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(url: str) -> Iterator[int]:
    """gunicorn, one sync worker, on 127.0.0.1; stopped (by its own pid) on exit."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=secrets.token_hex(32))
    env.pop("FUNDTRACK_ENV", None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if process.poll() is not None:
                raise RuntimeError("gunicorn exited at start-up")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Client:
    """One keep-alive connection carrying the session cookie."""

    def __init__(self, port: int, cookie: str = ""):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie = cookie
        #: The parts of each response's Server-Timing header: {part: [ms, ...]}.
        self.parts: dict[str, list[float]] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
            if header.lower() == "server-timing":
                for part in value.split(","):
                    name, _, duration = part.strip().partition(";dur=")
                    self.parts.setdefault(name, []).append(float(duration))
        return response.status, text

    def login(self) -> str:
        status, page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        if status != 200 or not token:
            raise RuntimeError(f"no login form (HTTP {status})")
        form = urlencode({"csrf_token": token.group(1), "email": EMAIL, "password": PASSWORD})
        status, _ = self.request("POST", "/login", form)
        if status != 302:
            raise RuntimeError(f"login refused (HTTP {status})")
        return self.cookie

    def timed_get(self, path: str, marker: str = 'id="kpis"') -> float:
        started = time.perf_counter()
        status, page = self.request("GET", path)
        took = time.perf_counter() - started
        if status != 200 or marker not in page:
            raise RuntimeError(f"GET {path}: HTTP {status} without {marker!r}")
        return took

    def close(self) -> None:
        self.conn.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def load(port: int, cookie: str, path: str, connections: int, seconds: float) -> tuple[int, float]:
    """Requests completed by ``connections`` clients in ``seconds`` (at most MAX_LOAD_REQUESTS)."""
    stop = time.monotonic() + seconds
    lock = threading.Lock()
    done = [0]

    def worker() -> None:
        client = Client(port, cookie)
        try:
            while time.monotonic() < stop:
                with lock:
                    if done[0] >= MAX_LOAD_REQUESTS:
                        return
                client.timed_get(path)
                with lock:
                    done[0] += 1
        finally:
            client.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        for future in [pool.submit(worker) for _ in range(connections)]:
            future.result()
    return done[0], time.perf_counter() - started


def measure(label: str, url: str, args: argparse.Namespace) -> None:
    path = "/" + (f"?as_of={args.as_of}" if args.as_of else "")
    with server(url) as port:
        client = Client(port)
        cookie = client.login()
        for _ in range(2):
            client.timed_get(path)  # warm-up: imports, templates, the first connection
        client.parts.clear()
        times = [client.timed_get(path) * 1000 for _ in range(args.requests)]
        parts = {name: statistics.median(values) for name, values in client.parts.items()}
        # The peer: the same worker, session and connection serving the stylesheet, i.e.
        # what gunicorn and Flask cost a request before the dashboard does any work.
        floor = [client.timed_get(PEER, "{") * 1000 for _ in range(args.requests)]
        client.close()
        count, took = load(port, cookie, path, args.connections, args.seconds)
    p50, p99 = statistics.median(times), percentile(times, 0.99)
    peer = statistics.median(floor)
    rate = count / took
    print(f"{label}: GET {path}, gunicorn 1 sync worker")
    print(
        f"  sequential, uncached, {len(times)} requests: p50 {p50:.0f} ms, p99 {p99:.0f} ms, "
        f"min {min(times):.0f} ms  (goal p50 <= {P50_GOAL_MS:.0f} ms: "
        f"{'met' if p50 <= P50_GOAL_MS else 'NOT met'})"
    )
    if parts:
        print(
            "  of which, by the worker's Server-Timing (p50): "
            + ", ".join(f"{name} {ms:.1f} ms" for name, ms in parts.items())
        )
    print(
        f"  peer, GET {PEER} on the same worker: p50 {peer:.1f} ms; "
        f"the dashboard takes {p50 / peer:.0f}x the framework's floor"
    )
    print(
        f"  load, {args.connections} connections for {took:.1f} s: {count} requests, "
        f"{rate:.1f} req/s per worker  (goal >= {RATE_GOAL:.0f}: "
        f"{'met' if rate >= RATE_GOAL else 'NOT met'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="URL of a database holding the large demo (reused)")
    parser.add_argument("--small-db", help="URL of a database holding the small demo")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--only", choices=("large", "small"))
    parser.add_argument("--as-of", type=dt.date.fromisoformat, help="default: today")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"load: {os.getloadavg()[0]:.1f} (1-min load average; {os.cpu_count()} CPUs)")
        for size, url in (("large", args.db), ("small", args.small_db)):
            if args.only and args.only != size:
                continue
            measure(f"{size} demo", prepare(url, size, folder), args)


if __name__ == "__main__":
    main()
