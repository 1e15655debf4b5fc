"""The Prefect flows under ``prefect_test_harness`` (one temporary server per session; run serially).

Few tests on purpose: the logic lives in flows.core and is tested without Prefect."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows.core import InjectedCrash, use_storage
from flows.storage import ChecksumMismatchError, LocalStorage, TransientStorageError
from pipeline.config import get_settings
from tests.test_flows_core import ID_RE, NAME, CountingStorage, seed

pytestmark = [pytest.mark.prefect, pytest.mark.xdist_group("prefect")]


@pytest.fixture(scope="session")
def harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def flow_env(harness: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("INTAKE_WORKERS", "1")  # in-process pipeline: these cases need no OCR
    monkeypatch.setenv("INTAKE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("INTAKE_FLOW_RETRY_BACKOFF", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


class FlakyStorage(CountingStorage):
    """Fault injector around the real local storage: fetching fails ``failures`` times per case with a
    transient error (like a connection reset), then works."""

    def __init__(
        self, root: Path, failures: int = 2, always: set[str] | None = None, corrupt: set[str] | None = None
    ) -> None:
        super().__init__(root)
        self.failures = failures
        self.always = always or set()
        self.corrupt = corrupt or set()
        self.fetches: Counter[str] = Counter()

    def fetch_case(self, key: str, dest_dir: Path) -> Path:
        self.fetches[key] += 1
        if key in self.corrupt:
            raise ChecksumMismatchError(f"injected checksum mismatch on {key}/a.jpg")
        if key in self.always or self.fetches[key] <= self.failures:
            raise TransientStorageError(f"injected connection reset on {key}")
        return super().fetch_case(key, dest_dir)


def _run_texts() -> list[str]:
    """Everything the batch left in Prefect's database: run names, parameters, logs, artifacts."""
    import logging

    from prefect.client.orchestration import get_client
    from prefect.logging.handlers import APILogHandler

    for name in ("prefect.flow_runs", "prefect.task_runs"):
        for h in logging.getLogger(name).handlers:
            if isinstance(h, APILogHandler):
                h.flush()
    with get_client(sync_client=True) as client:
        texts = [json.dumps(fr.parameters, ensure_ascii=False) + fr.name for fr in client.read_flow_runs()]
        texts += [tr.name for tr in client.read_task_runs()]
        texts += [log.message for log in client.read_logs()]
        texts += [str(a.data) for a in client.read_artifacts()]
    return texts


def test_batch_crash_midway_then_rerun_reports_every_case_once(flow_env: None, tmp_path: Path) -> None:
    from flows.intake_flows import nightly_batch

    st = CountingStorage(tmp_path / "root")
    keys = seed(st, tmp_path, 5)
    with use_storage(st):
        with pytest.raises(InjectedCrash):
            nightly_batch(prefix="incoming/2026-11-25/", concurrency=1, fail_after=2)
        assert sum(st.reports.values()) == 2
        assert sum(st.read_state(k) is not None for k in keys) == 2
        second = nightly_batch(prefix="incoming/2026-11-25/", concurrency=2)
        third = nightly_batch(date="2026-11-25")
    assert st.reports == dict.fromkeys(keys, 1)  # no case lost, none processed twice
    assert all(st.read_report(k)["case_id"] == k.rsplit("/", 1)[1] for k in keys)  # type: ignore[index]
    assert second["by_status"] == {"done": 3} and second["by_decision"] == {"return": 3}
    assert second["by_flag"]["material.not_uploaded"] == 3
    assert len(second["slowest"]) == 3
    assert third["total"] == 0 and third["prefix"] == "incoming/2026-11-25/"
    texts = _run_texts()
    assert any("| `material.not_uploaded` | 3 | 3 |" in t for t in texts)  # the summary artifact
    assert any("case incoming/2026-11-25/T-004" in t for t in texts)  # task runs named by key
    leaks = [t for t in texts if ID_RE.search(t) or NAME in t]
    assert leaks == []


def test_transient_storage_failures_are_retried(flow_env: None, tmp_path: Path) -> None:
    from flows.intake_flows import nightly_batch, process_case

    keys = [f"incoming/2026-11-25/T-{i:03d}" for i in range(4)]
    st = FlakyStorage(tmp_path / "root", failures=2, always={keys[2]}, corrupt={keys[3]})
    seed(st, tmp_path, 4)
    with use_storage(st):
        out = process_case(key=keys[0])
        assert out["status"] == "done" and st.fetches[keys[0]] == 3  # failed twice, then recovered
        summary = nightly_batch(prefix="incoming/", concurrency=2)
    assert summary["by_status"] == {"done": 1, "failed": 2}
    assert st.fetches[keys[1]] == 3
    assert st.fetches[keys[2]] == 4  # 1 try + 3 retries, then given up
    assert st.fetches[keys[3]] == 1  # not transient: no retry
    failed = {f["key"]: f["error"] for f in summary["failed"]}
    assert failed.keys() == {keys[2], keys[3]}
    assert failed[keys[2]].startswith("TransientStorageError")
    assert failed[keys[3]].startswith("ChecksumMismatchError")
    assert st.read_state(keys[2]) is None and st.read_state(keys[3]) is None  # pending for the next run
    assert st.reports == {keys[0]: 1, keys[1]: 1}


def test_process_case_result_is_persisted(flow_env: None, tmp_path: Path) -> None:
    from flows.intake_flows import process_case

    st = LocalStorage(tmp_path / "root")
    [key] = seed(st, tmp_path, 1)
    with use_storage(st):
        state = process_case(key=key, return_state=True)
    assert state.is_completed()
    result: Any = state.result()
    assert result["status"] == "done" and result["report_sha256"] == st.read_state(key)["report_sha256"]  # type: ignore[index]
    assert state.data is not None  # a persisted result record, not only an in-memory value


def test_deployments_nightly_cron_and_on_demand() -> None:  # no server needed
    from flows.deployments import build_deployments

    nightly, on_demand = build_deployments(prefix="incoming/", concurrency=3)
    assert (nightly.name, nightly.flow_name, on_demand.name, on_demand.flow_name) == (
        "nightly",
        "nightly-batch",
        "on-demand",
        "process-case",
    )
    [sched] = nightly.schedules
    assert (sched.schedule.cron, sched.schedule.timezone) == ("0 1 * * *", "Asia/Shanghai")
    assert nightly.parameters == {"prefix": "incoming/", "concurrency": 3}
    assert on_demand.schedules == [] or on_demand.schedules is None
    assert nightly.entrypoint == "flows.intake_flows.nightly_batch"
    assert on_demand.entrypoint == "flows.intake_flows.process_case"
