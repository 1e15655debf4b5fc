"""A Prefect API that cannot be reached is an outage, not the submission's fault: the submission goes
back to the queue (with growing pauses) and runs once the executor is back; it fails with a clear
one-line error only after ``INTAKE_API_EXECUTOR_RETRIES`` tries."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("prefect")

from pipeline.app.api.executors import ExecutorUnavailable, PrefectExecutor
from pipeline.app.wiring import build_runner
from pipeline.config import Settings
from tests.api_support import api_client, bearer, case_bytes

REPO = Path(__file__).resolve().parents[1]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Counting:
    """Counts the calls of the real executor (the test's only addition)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls = 0

    def run_submission(self, sub: Any, folder: Path) -> Any:
        self.calls += 1
        return self.inner.run_submission(sub, folder)

    def close(self) -> None:
        self.inner.close()


class DownThenUp:
    """The executor is unreachable for its first ``down`` calls, then runs the case for real."""

    def __init__(self, settings: Settings, down: int) -> None:
        self.runner = build_runner(settings, pool=False)
        self.down = down
        self.calls = 0

    def run_submission(self, sub: Any, folder: Path) -> Any:
        self.calls += 1
        if self.calls <= self.down:
            raise ExecutorUnavailable("the Prefect API cannot be reached (ConnectError)")
        return self.runner.run(folder).to_json()

    def close(self) -> None:
        self.runner.close()


def _submit(c: Any, key: str) -> str:
    r = c.post(
        "/v1/submissions",
        headers=bearer(key),
        files={"case": ("case.json", case_bytes("UNREACH-1"), "application/json")},
    )
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def _wait(c: Any, key: str, sid: str, timeout: float = 60) -> dict[str, Any]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        body = c.get(f"/v1/submissions/{sid}?wait=5", headers=bearer(key)).json()
        if body["status"] in ("done", "failed"):
            return dict(body)
    raise AssertionError("the submission did not end")


def test_an_unreachable_prefect_api_requeues_then_fails_with_one_line(tmp_path: Path) -> None:
    """The real PrefectExecutor against a closed port, in a process whose Prefect settings say so
    (Prefect reads them at import)."""
    env = {
        **os.environ,
        "PREFECT_API_URL": f"http://127.0.0.1:{_closed_port()}/api",
        "PREFECT_CLIENT_MAX_RETRIES": "0",
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    code = f"import sys; sys.path.insert(0, {str(REPO)!r}); from tests.test_api_executor_unavailable import _unreachable_prefect; _unreachable_prefect(__import__('pathlib').Path({str(tmp_path)!r}))"
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-3000:]
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got["status"] == "failed"
    assert "cannot be reached" in got["error"] and "\n" not in got["error"]
    assert got["calls"] == 3  # the first try and two retries
    assert got["attempts"] == 1  # an outage is not counted as a run of the case


def _unreachable_prefect(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, workers=1, storage_root=tmp_path / "storage")
    settings = settings.model_copy(update={"api_prefect_deployment": "process-case/on-demand"})
    runner = Counting(PrefectExecutor(settings))
    with api_client(
        tmp_path, runner, api_executor="prefect", api_prefect_deployment="process-case/on-demand",
        api_executor_retries=2, api_executor_retry_backoff=0.05,
    ) as (c, store, _):  # fmt: skip
        _, key, _ = store.add_client("portal")
        sid = _submit(c, key)
        body = _wait(c, key, sid)
    sub = store.get_submission(sid)
    assert sub is not None
    print(
        json.dumps(
            {
                "status": body["status"],
                "error": body.get("error"),
                "calls": runner.calls,
                "attempts": sub.attempts,
            }
        )
    )


def test_a_submission_waits_out_an_outage_and_gets_exactly_one_report(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, workers=1)
    runner = DownThenUp(settings, down=2)
    with api_client(tmp_path, runner, api_executor_retries=5, api_executor_retry_backoff=0.05) as (
        c,
        store,
        _,
    ):
        _, key, _ = store.add_client("portal")
        sid = _submit(c, key)
        body = _wait(c, key, sid)
        sub = store.get_submission(sid)
    assert body["status"] == "done" and body["report"]["decision"]
    assert runner.calls == 3
    assert sub is not None and sub.reports_written == 1 and sub.attempts == 1
