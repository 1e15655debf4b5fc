"""INTAKE_API_EXECUTOR=prefect: submissions run as ``process-case`` flow runs (under
``prefect_test_harness``), in the API's process or on the ``process-case/on-demand`` deployment served
by ``intake serve-flows``; the report comes back from the storage beside the case."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("prefect")

from flows.storage import LocalStorage
from pipeline.config import get_settings
from pipeline.safety import applicant_view
from tests.api_support import api_client, bearer, case_bytes, invoice_pdf

REPO = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.prefect, pytest.mark.xdist_group("prefect")]


@pytest.fixture(scope="module")
def harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def test_submissions_run_as_process_case_flow_runs(
    harness: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("INTAKE_WORKERS", "1")
    monkeypatch.setenv("INTAKE_HOME", str(tmp_path / "flow-home"))
    get_settings.cache_clear()
    storage_root = tmp_path / "storage"
    try:
        with api_client(tmp_path / "h", api_executor="prefect", storage_root=storage_root) as (c, store, _):
            _, key, _ = store.add_client("portal")
            mats = [{"file": "invoice.pdf", "declared_type": "medical_invoice"}, {"file": "absent.jpg"}]
            r = c.post(
                "/v1/submissions",
                params={"wait": 60},
                headers=bearer(key),
                files=[
                    ("case", (None, case_bytes("PF-1", mats))),
                    ("files", ("invoice.pdf", invoice_pdf(tmp_path / "i.pdf"))),
                ],
            )
            sid = r.json()["id"]
            while r.json()["status"] in ("queued", "running"):
                r = c.get(f"/v1/submissions/{sid}", params={"wait": 60}, headers=bearer(key))
            assert r.json()["status"] == "done", r.text
            report = r.json()["report"]
            assert report["case_id"] == "PF-1" and report["decision"] == "return"
            storage = LocalStorage(storage_root)
            (case_key,) = [k for k in storage.list_cases("api/") if k.endswith(sid)]
            stored = storage.read_report(case_key)  # written by the flow beside the case
            assert stored is not None and applicant_view(stored) == report
            assert storage.read_state(case_key)["status"] == "done"  # type: ignore[index]

            bad = c.post(
                "/v1/submissions",
                params={"wait": 60},
                headers=bearer(key),
                files={"case": (None, case_bytes("PF-2"))},
            )
            assert bad.json()["status"] in ("done", "queued", "running")
    finally:
        get_settings.cache_clear()


def _until_final(c: Any, key: str, sid: str, seconds: float) -> dict[str, Any]:
    """Poll a submission until done/failed; fails the test (never hangs) after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        body: dict[str, Any] = c.get(f"/v1/submissions/{sid}", params={"wait": 5}, headers=bearer(key)).json()
        if body["status"] in ("done", "failed"):
            return body
        assert time.monotonic() < deadline, f"submission still {body['status']} after {seconds} s"


def _flow_runs(deployment: str) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    with get_client(sync_client=True) as client:
        dep = client.read_deployment_by_name(deployment)
        return client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[dep.id])))


@pytest.fixture
def serve_flows(harness: None, tmp_path: Path) -> Iterator[Path]:
    """``intake serve-flows`` in a subprocess on the harness's Prefect server (as in production: the
    deployments' runner polls the server and starts each flow run in a process of its own). Yields the
    storage root the served flows read and write."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    root = tmp_path / "served"
    storage_root = root / "storage"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
        "PREFECT_HOME": str(root / "prefect"),
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "INTAKE_HOME": str(root / "home"),
        "INTAKE_STORAGE": "local",
        "INTAKE_STORAGE_ROOT": str(storage_root),
        "INTAKE_WORKERS": "1",
    }
    log = root / "serve-flows.log"
    root.mkdir()
    cmd = [sys.executable, "-c", "from pipeline.app.cli import app; app()", "serve-flows"]
    proc = subprocess.Popen(cmd, env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    try:
        deadline = time.monotonic() + 90
        with get_client(sync_client=True) as client:
            while True:
                assert proc.poll() is None, log.read_text()[-3000:]
                try:
                    client.read_deployment_by_name("process-case/on-demand")
                    break
                except Exception:
                    assert time.monotonic() < deadline, "serve-flows did not register its deployments"
                    time.sleep(0.5)
        yield storage_root
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.slow  # about 45 s under load (a serve-flows process and a flow-run process start)
def test_submissions_run_on_the_served_deployment_exactly_once(
    serve_flows: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from pipeline.app.api.executors import PrefectExecutor

    storage_root = serve_flows
    monkeypatch.setenv("INTAKE_HOME", str(tmp_path / "flow-home"))
    get_settings.cache_clear()
    try:
        with api_client(
            tmp_path / "h",
            api_executor="prefect",
            api_prefect_deployment="process-case/on-demand",
            storage_root=storage_root,
        ) as (c, store, settings):
            _, key, _ = store.add_client("portal")
            mats = [{"file": "invoice.pdf", "declared_type": "medical_invoice"}, {"file": "absent.jpg"}]
            r = c.post(
                "/v1/submissions",
                headers=bearer(key),
                files=[
                    ("case", (None, case_bytes("PF-D1", mats))),
                    ("files", ("invoice.pdf", invoice_pdf(tmp_path / "i.pdf"))),
                ],
            )
            assert r.status_code == 202, r.text
            sid = r.json()["id"]
            body = _until_final(c, key, sid, 120)
            assert body["status"] == "done", body
            assert body["attempts"] == 1
            report = body["report"]
            assert report["case_id"] == "PF-D1" and report["decision"] == "return"
            assert c.get(f"/v1/submissions/{sid}/report", headers=bearer(key)).json() == report

            storage = LocalStorage(storage_root)
            (case_key,) = [k for k in storage.list_cases("api/") if k.endswith(sid)]
            stored = storage.read_report(case_key)  # written by the served flow, in its own process
            assert stored is not None and applicant_view(stored) == report
            assert storage.read_state(case_key)["status"] == "done"  # type: ignore[index]
            (run,) = _flow_runs("process-case/on-demand")  # exactly one flow run of the deployment
            assert run.state is not None and run.state.is_completed()
            assert run.parameters["key"] == case_key

            # a server that resumes this submission after a crash attaches to the same flow run
            sub = store.get_submission(sid)
            assert sub is not None
            again = PrefectExecutor(settings).run_submission(sub, Path(sub.location))
            assert applicant_view(again) == report
            assert [fr.id for fr in _flow_runs("process-case/on-demand")] == [run.id]
    finally:
        get_settings.cache_clear()


def test_a_missing_or_unserved_deployment_fails_the_submission(
    harness: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No such deployment: the submission fails at once, saying so. A deployment nobody serves: its flow
    run is cancelled after INTAKE_API_PREFECT_START_TIMEOUT and the submission fails (never hangs)."""
    from flows.intake_flows import process_case

    monkeypatch.setenv("INTAKE_HOME", str(tmp_path / "flow-home"))
    get_settings.cache_clear()
    process_case.to_deployment(name="nobody-serves-this").apply()
    try:
        for deployment, start_timeout, expect in (
            (
                "process-case/no-such-deployment",
                60.0,
                "no Prefect deployment process-case/no-such-deployment",
            ),
            ("process-case/nobody-serves-this", 2.0, "no worker started"),
        ):
            t0 = time.monotonic()
            with api_client(
                tmp_path / deployment.rsplit("/", 1)[1],
                api_executor="prefect",
                api_prefect_deployment=deployment,
                api_prefect_start_timeout=start_timeout,
                storage_root=tmp_path / "storage",
            ) as (c, store, _):
                _, key, _ = store.add_client("portal")
                r = c.post(
                    "/v1/submissions", headers=bearer(key), files={"case": (None, case_bytes("PF-D2"))}
                )
                sid = r.json()["id"]
                body = _until_final(c, key, sid, 45)
                assert body["status"] == "failed" and expect in body["error"], body
                assert time.monotonic() - t0 < 40
                problem = c.get(f"/v1/submissions/{sid}/report", headers=bearer(key))
                assert problem.status_code == 409 and problem.json()["type"].endswith("submission-failed")
        (run,) = _flow_runs("process-case/nobody-serves-this")
        assert run.state is not None and run.state.is_cancelled()  # a worker coming later will not run it
    finally:
        get_settings.cache_clear()


def test_shutdown_does_not_wait_for_a_flow_run_and_the_submission_resumes(
    harness: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Stopping the server while a submission waits for its flow run returns at once (not after the
    30 s join): the submission stays claimed, its lease runs out, and it is resumed later; the flow
    run is left alone (not cancelled), so the resumed submission waits for that same run."""
    from flows.intake_flows import process_case

    monkeypatch.setenv("INTAKE_HOME", str(tmp_path / "flow-home"))
    get_settings.cache_clear()
    process_case.to_deployment(name="served-later").apply()
    try:
        with api_client(
            tmp_path / "api",
            api_executor="prefect",
            api_prefect_deployment="process-case/served-later",
            api_prefect_start_timeout=600.0,
            storage_root=tmp_path / "storage",
        ) as (c, store, _):
            _, key, _ = store.add_client("portal")
            r = c.post("/v1/submissions", headers=bearer(key), files={"case": (None, case_bytes("PF-S1"))})
            sid = r.json()["id"]
            end = time.monotonic() + 60
            while not _flow_runs("process-case/served-later") and time.monotonic() < end:
                time.sleep(0.5)
            assert _flow_runs("process-case/served-later"), "no flow run was created"
            t0 = time.monotonic()
        stopped_in = time.monotonic() - t0
        assert stopped_in < 10, stopped_in
        sub = store.get_submission(sid)
        assert sub is not None and sub.status == "running" and sub.reports_written == 0  # resumable
        (run,) = _flow_runs("process-case/served-later")
        assert run.state is not None and not run.state.is_final()  # still waiting for a worker
    finally:
        get_settings.cache_clear()
