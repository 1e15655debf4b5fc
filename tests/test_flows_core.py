"""The flows' orchestration-free core: fetch -> run -> store, pending selection, summary (no Prefect)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows.core import (
    STATUS_DEGRADED,
    STATUS_DONE,
    STATUS_INVALID,
    STATUS_SKIPPED,
    CaseOutcome,
    build_summary,
    failed_outcome,
    is_retryable,
    process_key,
    select_pending,
)
from flows.storage import LocalStorage, S3Storage, TransientStorageError
from pipeline.config import Settings
from tests.rendering import text_pdf
from tests.test_storage_contract import moto_endpoint, s3_storage

__all__ = ["moto_endpoint"]  # a fixture, imported for the S3 test

ID_NUMBER = "420802198503121234"
NAME = "张伟明"
ID_RE = re.compile(r"\d{17}[\dXx]")


def write_case(d: Path, case_id: str, valid: bool = True) -> Path:
    """A small real case: a born-digital invoice PDF (no OCR needed) and a listed file that is absent."""
    d.mkdir(parents=True, exist_ok=True)
    text_pdf(d / "invoice.pdf", ["医疗收费电子票据", f"交款人：{NAME}", "合计（小写）：2514.50"])
    case: dict[str, Any] = {
        "case_id": case_id,
        "service": "reimburse.inpatient",
        "region": "xinjiang",
        "submitted_on": "2024-03-05",
        "applicant": {"name": NAME, "id_number": ID_NUMBER, "ssc_number": None},
        "filing": {},
        "materials": [
            {"file": "invoice.pdf", "declared_type": "medical_invoice"},
            {"file": "absent.jpg", "declared_type": "expense_list"},
        ],
    }
    if not valid:
        del case["service"]
    (d / "case.json").write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    return d


def seed(storage: Any, tmp: Path, n: int, date: str = "2026-11-25") -> list[str]:
    keys = []
    for i in range(n):
        key = f"incoming/{date}/T-{i:03d}"
        storage.put_case(key, write_case(tmp / f"src-{date}-{i}", f"T-{i:03d}"))
        keys.append(key)
    return keys


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(home=tmp_path_factory.mktemp("home"), workers=1)


@pytest.fixture(scope="module")
def run(settings: Settings) -> Iterator[Any]:
    from pipeline.app.wiring import build_runner

    with build_runner(settings, pool=False) as runner:
        yield runner.run


class CountingStorage(LocalStorage):
    """The real local storage, counting reports written per case (to check 'exactly once')."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.reports: Counter[str] = Counter()

    def write_report(self, key: str, report: dict[str, Any]) -> str:
        self.reports[key] += 1
        return super().write_report(key, report)


def test_process_key_reports_once_and_skips_unchanged(tmp_path: Path, run: Any) -> None:
    st = CountingStorage(tmp_path / "root")
    [key] = seed(st, tmp_path, 1)
    out = process_key(st, key, run)
    assert out.status == STATUS_DONE and out.case_id == "T-000" and out.decision == "return"
    assert "material.not_uploaded" in out.flags
    report = st.read_report(key)
    assert report is not None and report["case_id"] == "T-000" and report["decision"] == "return"
    state = st.read_state(key)
    assert state is not None
    assert state["fingerprint"] == st.input_fingerprint(key) and state["status"] == STATUS_DONE
    again = process_key(st, key, run)
    assert again.status == STATUS_SKIPPED and again.decision == "return"
    assert st.reports[key] == 1
    # the portal replaces the invoice: inputs changed, the case is redone
    src = tmp_path / "src-2026-11-25-0"
    text_pdf(src / "invoice.pdf", ["医疗收费电子票据", "合计（小写）：99.00"])
    st.put_case(key, src)
    assert select_pending(st, "incoming/") == [key]
    assert process_key(st, key, run).status == STATUS_DONE
    assert st.reports[key] == 2
    assert process_key(st, key, run, force=True).status == STATUS_DONE


def test_unusable_case_is_recorded_not_retried(tmp_path: Path, run: Any) -> None:
    st = LocalStorage(tmp_path / "root")
    key = "incoming/2026-11-25/BROKEN"
    st.put_case(key, write_case(tmp_path / "src", "BROKEN", valid=False))
    out = process_key(st, key, run)
    assert out.status == STATUS_INVALID and "service" in (out.error or "")
    assert st.read_report(key) is None
    assert st.read_state(key)["status"] == STATUS_INVALID  # type: ignore[index]
    assert select_pending(st, "incoming/") == []


def test_pipeline_failure_is_reported_and_redone_a_few_times(tmp_path: Path) -> None:
    from PIL import Image

    from pipeline.app.wiring import build_runner

    st = CountingStorage(tmp_path / "root")
    src = tmp_path / "src"
    src.mkdir()
    # not a blank page (blank pages are flagged without OCR): the engine must be asked to read it
    Image.effect_noise((400, 300), 64).convert("RGB").save(src / "photo.jpg")
    case = {
        "case_id": "OCR-1",
        "service": "reimburse.inpatient",
        "submitted_on": "2024-03-05",
        "applicant": {"name": NAME, "id_number": ID_NUMBER},
        "materials": [{"file": "photo.jpg", "declared_type": "discharge_record"}],
    }
    (src / "case.json").write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    key = "incoming/2026-11-25/OCR-1"
    st.put_case(key, src)
    # a real engine that cannot start: PaddleOCR without local model folders
    broken = Settings(home=tmp_path / "home", workers=1, ocr_engine="paddle")
    with build_runner(broken, pool=False) as runner:
        statuses = []
        for _ in range(4):
            if select_pending(st, "incoming/") != [key]:
                break
            out = process_key(st, key, runner.run, max_degraded_attempts=3)
            assert "system.processing_failed" in out.flags
            statuses.append(out.status)
    assert statuses == [STATUS_DEGRADED, STATUS_DEGRADED, STATUS_DONE]
    assert st.reports[key] == 3 and (st.read_state(key) or {})["attempts"] == 3


def test_pending_selection_by_prefix(tmp_path: Path, run: Any) -> None:
    st = LocalStorage(tmp_path / "root")
    a = seed(st, tmp_path, 2, "2026-11-24")
    b = seed(st, tmp_path, 2, "2026-11-25")
    assert select_pending(st, "incoming/") == a + b
    assert select_pending(st, "incoming/2026-11-25/") == b
    process_key(st, a[0], run)
    assert select_pending(st, "incoming/") == [a[1], *b]
    assert select_pending(st, "incoming/", force=True) == a + b


def test_s3_path_end_to_end(moto_endpoint: str, tmp_path: Path, run: Any) -> None:
    st = s3_storage(moto_endpoint)
    keys = seed(st, tmp_path, 2)
    outs = [process_key(st, k, run) for k in select_pending(st, "incoming/")]
    assert [o.status for o in outs] == [STATUS_DONE, STATUS_DONE]
    for k in keys:
        assert st.read_report(k)["case_id"] == k.rsplit("/", 1)[1]  # type: ignore[index]
        meta = st.client.stat_object(bucket_name=st.bucket, object_name=f"{k}/report.json").metadata or {}
        state = st.read_state(k) or {}
        assert meta.get("x-amz-meta-sha256") == state["report_sha256"]
    assert select_pending(st, "incoming/") == []
    assert isinstance(st, S3Storage)


def test_outcomes_and_states_carry_no_personal_data(tmp_path: Path, run: Any) -> None:
    st = LocalStorage(tmp_path / "root")
    [key] = seed(st, tmp_path, 1)
    out = process_key(st, key, run)
    summary = build_summary([out])
    for text in (
        json.dumps(out.to_dict(), ensure_ascii=False),
        json.dumps(st.read_state(key), ensure_ascii=False),
        summary.markdown(),
        json.dumps(summary.to_dict(), ensure_ascii=False),
    ):
        assert not ID_RE.search(text) and NAME not in text


def test_build_summary_counts_and_slowest() -> None:
    outs = [
        CaseOutcome(
            key="k1", status=STATUS_DONE, case_id="C1", decision="return", flags=["a", "a", "b"], seconds=3
        ),
        CaseOutcome(key="k2", status=STATUS_DONE, case_id="C2", decision="pass", seconds=9),
        CaseOutcome(key="k3", status=STATUS_DONE, case_id="C3", decision="return", flags=["b"], seconds=1),
        CaseOutcome(key="k4", status=STATUS_SKIPPED, decision="return", flags=["a"]),
        failed_outcome("k5", TransientStorageError("connection reset on k5/a.jpg")),
        CaseOutcome(key="k6", status=STATUS_INVALID, error="CaseError: ..."),
    ]
    s = build_summary(outs, prefix="incoming/", slowest=2)
    assert s.total == 6
    assert s.by_status == {"done": 3, "skipped": 1, "failed": 1, "invalid": 1}
    assert s.by_decision == {"return": 2, "pass": 1}  # of cases processed in this run
    assert s.by_flag == {"a": 2, "b": 2} and s.cases_by_flag == {"a": 1, "b": 2}
    assert [k for k, _, _ in s.slowest] == ["k2", "k1"]
    assert s.failed == [("k5", "TransientStorageError: connection reset on k5/a.jpg")]
    md = s.markdown()
    assert "| `a` | 2 | 1 |" in md and "| return | 2 |" in md and "`k5`" in md
    assert json.loads(json.dumps(s.to_dict()))["by_status"]["failed"] == 1
    assert (
        failed_outcome("k", RuntimeError(f"bad id {ID_NUMBER}")).error
        == "RuntimeError: bad id 4208**********1234"
    )


def test_retryable_errors() -> None:
    import sqlalchemy.exc

    from pipeline.models import CaseError
    from pipeline.ocr.base import OcrEngineError

    assert is_retryable(TransientStorageError("reset"))
    assert is_retryable(OcrEngineError("engine crashed"))
    assert is_retryable(sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("server closed")))
    assert not is_retryable(CaseError("case.json is invalid"))
    assert not is_retryable(ValueError("bug"))
    assert not is_retryable(None)
