"""INTAKE_API_EXECUTOR=prefect: submissions run as ``process-case`` flow runs (under
``prefect_test_harness``); the report comes back from the storage beside the case."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("prefect")

from flows.storage import LocalStorage
from pipeline.config import get_settings
from pipeline.safety import applicant_view
from tests.api_support import api_client, bearer, case_bytes, invoice_pdf

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
