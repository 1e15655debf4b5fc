from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.app.wiring import build_runner
from pipeline.config import Settings
from pipeline.models import CaseError
from pipeline.runner import find_cases
from samples.case_ids import CaseIds, sample_case
from tests.rendering import render_lines, text_pdf


def make_case(d: Path, case_id: str) -> Path:
    d.mkdir(parents=True)
    render_lines(["门诊费用清单", "患者姓名：张伟明", "合计：128.00"]).save(d / "list.png")
    text_pdf(d / "invoice.pdf", ["医疗收费电子票据", "交款人：张伟明", "合计（小写）：128.00"])
    (d / "extra.txt").write_text("not listed", encoding="utf-8")
    case = {
        "case_id": case_id,
        "service": "reimburse.outpatient",
        "region": "xinjiang",
        "submitted_on": "2024-03-05",
        "applicant": {"name": "张伟明", "id_number": "420802198503121234"},
        "materials": [
            {"file": "list.png", "declared_type": "expense_list"},
            {"file": "invoice.pdf", "declared_type": "medical_invoice"},
        ],
    }
    (d / "case.json").write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    return d


def _essence(report: dict) -> tuple:
    flags = sorted((f["code"], f["material"] or "", f["severity"]) for f in report["flags"])
    mats = [
        (m["file"], m["detected_type"], json.dumps(m["fields"], sort_keys=True)) for m in report["materials"]
    ]
    return report["decision"], flags, mats


def _sample(key: str, dest: Path) -> Path:
    """A copy of a committed sample case, with a file nobody listed."""
    shutil.copytree(sample_case(key), dest)
    (dest / "extra.txt").write_text("not listed", encoding="utf-8")
    return dest


def _recorded(home: Path, workers: int) -> Settings:
    """The recorded OCR engine (samples/ocr): the pool is under test here, not the OCR model."""
    return Settings(home=home, workers=workers, ocr_threads=1, ocr_engine="recorded")


def test_process_pool_gives_the_same_report_as_in_process(tmp_path: Path) -> None:
    case_dir = _sample("long_term_permit", tmp_path / "c1")
    with build_runner(_recorded(tmp_path / "h1", 1), pool=False) as r1:
        a = r1.run(case_dir).to_json()
    with build_runner(_recorded(tmp_path / "h2", 2), pool=True) as r2:
        b = r2.run(case_dir).to_json()
    assert _essence(a) == _essence(b)
    assert [m["file"] for m in a["materials"]] == [
        "id_front.jpg",
        "id_back.jpg",
        "filing_form.pdf",
        "residence_permit.jpg",
    ]
    assert all(m["fields"] for m in a["materials"])  # every material was read
    # the unlisted file is itself a finding
    assert ("material.unlisted", "extra.txt") in {(f["code"], f["material"]) for f in a["flags"]}


def test_run_many_keeps_order_and_isolates_broken_cases(tmp_path: Path) -> None:
    _sample("long_term_permit", tmp_path / "root" / "b")
    (tmp_path / "root" / "a").mkdir(parents=True)
    (tmp_path / "root" / "a" / "case.json").write_text('{"case_id": "x"}', encoding="utf-8")
    _sample("expired_id_card", tmp_path / "root" / "c")
    cases = find_cases(tmp_path / "root")
    assert [c.name for c in cases] == ["a", "b", "c"]
    with build_runner(_recorded(tmp_path / "h", 2)) as runner:
        results = list(runner.run_many(cases, window=2))
    assert [d.name for d, _ in results] == ["a", "b", "c"]
    assert isinstance(results[0][1], CaseError)
    ids = [CaseIds.load().ids[k] for k in ("long_term_permit", "expired_id_card")]
    assert [r.case_id for _, r in results[1:]] == ids  # type: ignore[union-attr]


@pytest.mark.slow
def test_process_pool_with_the_real_engine_gives_the_same_report(tmp_path: Path) -> None:
    case_dir = make_case(tmp_path / "c1", "R-1")
    serial = Settings(home=tmp_path / "h1", workers=1)
    parallel = Settings(home=tmp_path / "h2", workers=2, ocr_threads=1)
    with build_runner(serial, pool=False) as r1:
        a = r1.run(case_dir).to_json()
    with build_runner(parallel, pool=True) as r2:
        b = r2.run(case_dir).to_json()
    assert _essence(a) == _essence(b)
    assert [m["file"] for m in a["materials"]] == ["list.png", "invoice.pdf"]


def test_missing_folder_is_a_case_error(tmp_path: Path) -> None:
    with build_runner(Settings(home=tmp_path, workers=1), pool=False) as runner, pytest.raises(CaseError):
        runner.run(tmp_path / "nope")
