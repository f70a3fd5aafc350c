"""`fundtrack serve` really serves: the README's run command ends in it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_on_the_given_port(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}
    cli = Path(sys.executable).with_name("fundtrack")
    server = subprocess.Popen(
        [str(cli), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                    status = r.status
                    page = r.read().decode()
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.3)
        assert status == 200, server.stdout.read() if server.poll() is not None else "no answer"
        assert 'name="email"' in page
        assert 'name="password"' in page
    finally:
        server.terminate()
        server.wait(timeout=10)
