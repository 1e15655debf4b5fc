"""Crash test: ``intake serve`` killed with -9 while submissions are queued, running and still being
uploaded; restarted; every case completes exactly once (one submission per idempotency key, one
report, one delivered callback event)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
import httpx
from sqlalchemy import create_engine, text

from pipeline.config import Settings
from pipeline.stores.cases import open_cases
from tests.api_support import case_bytes, invoice_pdf

REPO = Path(__file__).resolve().parents[1]
N = 24


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(home: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "INTAKE_HOME": str(home),
        "INTAKE_WORKERS": "1",
        "INTAKE_API_LEASE_SECONDS": "2",
        "INTAKE_API_CALLBACK_BACKOFF": "0.2",
        "INTAKE_API_CALLBACK_ALLOW": "127.0.0.1",  # the receiver; loopback is refused by default
    }
    cmd = [sys.executable, "-c", "from pipeline.app.cli import app; app()", "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log.open("ab"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        assert proc.poll() is None, log.read_text()[-2000:]
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not start")


class Receiver:
    def __init__(self) -> None:
        self.events: dict[str, set[str]] = defaultdict(set)  # submission id -> delivery ids
        self.posts = 0
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.posts += 1
                outer.events[body["submission_id"]].add(body["delivery_id"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *a: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_kill_9_with_submissions_in_flight_then_every_one_completes_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    log = tmp_path / "server.log"
    recv = Receiver()
    settings = Settings(home=home)
    _, key, _ = open_cases(settings).add_client("portal", callback_url=recv.url)
    headers = {"Authorization": f"Bearer {key}"}
    pdf = invoice_pdf(tmp_path / "invoice.pdf")
    mats = [{"file": "invoice.pdf", "declared_type": "medical_invoice"}]

    def body(i: int) -> list[Any]:
        # every third case has a text-layer PDF (about a second of checks), the others no file
        if i % 3:
            return [("case", ("case.json", case_bytes(f"CRASH-{i:03d}"), "application/json"))]
        return [
            ("case", ("case.json", case_bytes(f"CRASH-{i:03d}", mats), "application/json")),
            ("files", ("invoice.pdf", pdf, "application/pdf")),
        ]

    bodies = {f"CRASH-{i:03d}": body(i) for i in range(N)}
    engine = create_engine(f"sqlite:///{home / 'cases.sqlite'}")
    port = _port()
    proc = _start(home, port, log)
    url = f"http://127.0.0.1:{port}/v1/submissions"
    accepted: dict[str, str] = {}
    failed_posts: list[str] = []
    lock = threading.Lock()

    def submit(case_id: str) -> None:
        try:
            r = httpx.post(
                url, headers={**headers, "Idempotency-Key": case_id}, files=bodies[case_id], timeout=10
            )
            # 202 for a new submission; 200 when this is the replay (same key) of one that reached the
            # server before the connection broke and has finished since
            assert r.status_code == 202 or (r.status_code == 200 and r.headers.get("idempotent-replayed")), (
                r.text
            )
            with lock:
                accepted[case_id] = r.json()["id"]
        except httpx.TransportError:
            with lock:
                failed_posts.append(case_id)

    # submit from 4 threads; kill -9 once some are accepted and one is running
    killed_at: dict[str, int] = {}
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(submit, cid) for cid in bodies]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                rows = dict(
                    conn.execute(text("SELECT status, count(*) FROM submissions GROUP BY status")).all()
                )
            if rows.get("running", 0) >= 1 and sum(rows.values()) >= 6:
                os.kill(proc.pid, signal.SIGKILL)
                killed_at = {str(k): int(v) for k, v in rows.items()}
                break
            time.sleep(0.01)
        for f in futures:
            f.result()
    proc.wait(10)
    assert killed_at, "never saw a running submission"
    with engine.connect() as conn:
        at_kill = dict(conn.execute(text("SELECT status, count(*) FROM submissions GROUP BY status")).all())
    pending_at_kill = at_kill.get("queued", 0) + at_kill.get("running", 0)
    assert at_kill.get("running", 0) >= 1 and pending_at_kill >= 1

    proc = _start(home, port, log)
    try:
        # the portal retries what it could not submit, and what it submitted, with the same keys
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(submit, sorted(set(bodies))))
        assert not failed_posts or all(cid in accepted for cid in failed_posts)
        assert set(accepted) == set(bodies)
        for cid, sid in accepted.items():
            r = httpx.get(f"{url}/{sid}", params={"wait": 60}, headers=headers, timeout=70)
            assert r.json()["status"] == "done", (cid, r.text)
        deadline = time.monotonic() + 30
        while len(recv.events) < N and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        recv.server.shutdown()

    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT idempotency_key, status, reports_written, attempts, case_id FROM submissions")
        ).all()
        deliveries = conn.execute(text("SELECT submission_id, status FROM callback_deliveries")).all()
    assert len(rows) == N and len({r[0] for r in rows}) == N  # one submission per case: none duplicated
    assert all(r[1] == "done" and r[2] == 1 for r in rows)  # each finished with exactly one report
    resumed = sum(1 for r in rows if r[3] > 1)
    assert resumed >= 1  # the running one(s) were taken over after the lease ran out
    assert len(deliveries) == N and all(d[1] == "delivered" for d in deliveries)
    assert len(recv.events) == N and all(len(v) == 1 for v in recv.events.values())
    print(
        f"\ncrash test: {N} cases; at kill {dict(at_kill)}; {len(failed_posts)} POSTs refused or cut off, retried with the same key; "
        f"{resumed} resumed after the lease; {N}/{N} done with one report; {recv.posts} callback POSTs "
        f"for {len(recv.events)} submissions"
    )
