"""Callbacks to a real HTTP receiver on 127.0.0.1 (allow-listed: INTAKE_API_CALLBACK_ALLOW, since
loopback is refused by default): signed, retried with backoff, then marked failed."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from pipeline.app.api.worker import sign, verify_signature
from tests.api_support import api_client, bearer, case_bytes

LOOPBACK = "127.0.0.0/8"  # the receivers below listen on 127.0.0.1


class Receiver:
    def __init__(self, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.headers = headers or {}
        self.got: list[tuple[dict[str, str], bytes, float]] = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                outer.got.append(({k.lower(): v for k, v in self.headers.items()}, body, time.monotonic()))
                self.send_response(outer.status)
                for k, v in outer.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _wait_for(cond: Any, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_signature_helpers() -> None:
    ts = str(int(time.time()))
    sig = sign("s3cret", ts, b"{}")
    assert sig.startswith("sha256=") and verify_signature("s3cret", ts, b"{}", sig)
    assert not verify_signature("other", ts, b"{}", sig)
    assert not verify_signature("s3cret", ts, b"{ }", sig)
    assert not verify_signature(
        "s3cret", str(int(time.time()) - 3600), b"{}", sign("s3cret", str(int(time.time()) - 3600), b"{}")
    )


def test_client_callback_is_signed_and_logged(tmp_path: Path, receiver: Receiver) -> None:
    with api_client(tmp_path / "h", api_callback_allow=LOOPBACK) as (c, store, _):
        _, key, secret = store.add_client("portal", callback_url=receiver.url)
        r = c.post(
            "/v1/submissions",
            params={"wait": 30},
            headers=bearer(key),
            files={"case": (None, case_bytes("CB-1"))},
        )
        sid = r.json()["id"]
        _wait_for(lambda: receiver.got)
        headers, body, _ = receiver.got[0]
        assert verify_signature(secret, headers["x-intake-timestamp"], body, headers["x-intake-signature"])
        event = json.loads(body)
        assert event["type"] == "submission.completed" and event["submission_id"] == sid
        assert event["report"]["case_id"] == "CB-1" and event["decision"] == event["report"]["decision"]
        assert headers["x-intake-delivery"] == event["delivery_id"]
        _wait_for(
            lambda: (
                c.get(f"/v1/submissions/{sid}/deliveries", headers=bearer(key)).json()["deliveries"][0][
                    "status"
                ]
                == "delivered"
            )
        )
        (d,) = c.get(f"/v1/submissions/{sid}/deliveries", headers=bearer(key)).json()["deliveries"]
        assert d["attempts"] == 1 and d["last_status_code"] == 200 and d["url"] == receiver.url
        time.sleep(0.3)
        assert len(receiver.got) == 1  # delivered once


def test_per_submission_callback_overrides_and_failing_receiver_is_retried_then_failed(
    tmp_path: Path,
) -> None:
    bad = Receiver(status=500)
    try:
        with api_client(
            tmp_path / "h", api_callback_attempts=3, api_callback_backoff=0.2, api_callback_allow=LOOPBACK
        ) as (c, store, _):
            _, key, secret = store.add_client("portal", callback_url="http://127.0.0.1:9/never")
            r = c.post(
                "/v1/submissions",
                params={"wait": 30},
                headers=bearer(key),
                files={"case": (None, case_bytes("CB-2")), "callback_url": (None, bad.url)},
            )
            sid = r.json()["id"]

            def final() -> bool:
                ds = c.get(f"/v1/submissions/{sid}/deliveries", headers=bearer(key)).json()["deliveries"]
                return bool(ds) and ds[0]["status"] == "failed"

            _wait_for(final)
            (d,) = c.get(f"/v1/submissions/{sid}/deliveries", headers=bearer(key)).json()["deliveries"]
            assert d["attempts"] == 3 and d["last_status_code"] == 500 and d["last_error"] == "HTTP 500"
            assert len(bad.got) == 3
            for headers, body, _ in bad.got:
                assert verify_signature(
                    secret, headers["x-intake-timestamp"], body, headers["x-intake-signature"]
                )
            gaps = [b[2] - a[2] for a, b in zip(bad.got, bad.got[1:], strict=False)]
            assert gaps[0] >= 0.15 and gaps[1] >= 0.35  # 0.2 s, then 0.4 s
    finally:
        bad.close()


def test_unreachable_receiver_is_marked_failed(tmp_path: Path) -> None:
    with api_client(tmp_path / "h", api_callback_attempts=2, api_callback_allow=LOOPBACK) as (c, store, _):
        _, key, _ = store.add_client("portal", callback_url="http://127.0.0.1:9/closed")
        r = c.post(
            "/v1/submissions",
            params={"wait": 30},
            headers=bearer(key),
            files={"case": (None, case_bytes("CB-3"))},
        )
        sid = r.json()["id"]
        _wait_for(
            lambda: (
                c.get(f"/v1/submissions/{sid}/deliveries", headers=bearer(key)).json()["deliveries"][0][
                    "status"
                ]
                == "failed"
            )
        )
        (d,) = c.get(f"/v1/submissions/{sid}/deliveries", headers=bearer(key)).json()["deliveries"]
        assert d["attempts"] == 2 and d["last_status_code"] is None and d["last_error"] == "ConnectError"
