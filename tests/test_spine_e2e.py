"""End to end: the installed ``intake`` command on case folders rendered here with a CJK font."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.rendering import render_lines, scanned_pdf, text_pdf

INTAKE = [sys.executable, "-m", "pipeline.app.cli"]
REPORT_KEYS = {"case_id", "decision", "flags", "materials"}
FLAG_KEYS = {"code", "category", "severity", "material", "message"}
MATERIAL_KEYS = {"file", "declared_type", "detected_type", "fields", "quality"}
QUALITY_KEYS = {"seal_count", "blur", "glare", "incomplete"}


def run(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, INTAKE_HOME=str(home))
    return subprocess.run([*INTAKE, *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def mixed_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("case")
    (d / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40)  # corrupt JPEG
    text_pdf(d / "invoice.pdf", ["医疗收费电子票据", "交款人：张伟明", "合计（小写）：2514.50"])
    scanned_pdf(d / "discharge.pdf", [render_lines(["出院记录", "姓名：张伟明", "入院日期：2024年01月05日"])])
    case = {
        "case_id": "E2E-1",
        "service": "reimburse.inpatient",
        "region": "xinjiang",
        "submitted_on": "2024-03-05",
        "applicant": {"name": "张伟明", "id_number": "420802198503121234", "ssc_number": None},
        "filing": {},
        "materials": [
            {"file": "photo.jpg", "declared_type": "id_card_front"},
            {"file": "invoice.pdf", "declared_type": "medical_invoice"},
            {"file": "discharge.pdf", "declared_type": None},
            {"file": "absent.jpg", "declared_type": "expense_list"},
        ],
    }
    (d / "case.json").write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    return d


@pytest.mark.slow
def test_check_json_on_mixed_case(mixed_case: Path, tmp_path: Path) -> None:
    before = {p.name: p.read_bytes() for p in mixed_case.iterdir()}
    proc = run(["check", str(mixed_case), "--json"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert REPORT_KEYS <= report.keys()
    assert report["case_id"] == "E2E-1"
    assert report["decision"] == "return"
    for f in report["flags"]:
        assert FLAG_KEYS <= f.keys()
        assert f["severity"] in {"blocker", "warning", "info"}
    by_code: dict[str, list[str | None]] = {}
    for f in report["flags"]:
        by_code.setdefault(f["code"], []).append(f["material"])
    assert by_code["material.unreadable"] == ["photo.jpg"]
    assert by_code["material.not_uploaded"] == ["absent.jpg"]
    mats = {m["file"]: m for m in report["materials"]}
    assert set(mats) == {"photo.jpg", "invoice.pdf", "discharge.pdf", "absent.jpg"}
    for m in mats.values():
        assert MATERIAL_KEYS <= m.keys()
        assert QUALITY_KEYS <= m["quality"].keys()
        assert 0.0 <= m["quality"]["blur"] <= 1.0
    assert mats["invoice.pdf"]["pages"] == 1
    assert mats["discharge.pdf"]["pages"] == 1
    # both PDFs were read: no unreadable flag on them
    assert "invoice.pdf" not in by_code.get("material.unreadable", [])
    assert "discharge.pdf" not in by_code.get("material.unreadable", [])
    # originals are never altered
    assert {p.name: p.read_bytes() for p in mixed_case.iterdir()} == before


@pytest.mark.slow
def test_ocr_reads_rendered_chinese(tmp_path: Path) -> None:
    img = tmp_path / "line.png"
    render_lines(["异地就医登记备案表", "参保人姓名：买买提·艾力"]).save(img)
    proc = run(["ocr", str(img), "--json"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    pages = json.loads(proc.stdout)
    texts = [ln["text"] for ln in pages[0]["lines"]]
    assert "异地就医登记备案表" in texts
    assert any("买买提" in t and "艾力" in t for t in texts)
    assert all(0.5 <= ln["confidence"] <= 1.0 for ln in pages[0]["lines"])


@pytest.mark.slow
def test_ocr_reads_scanned_and_text_pdfs(mixed_case: Path, tmp_path: Path) -> None:
    scan = json.loads(run(["ocr", str(mixed_case / "discharge.pdf"), "--json"], tmp_path).stdout)
    assert scan[0]["source"] == "pdf_scan"
    assert any("出院记录" in ln["text"] for ln in scan[0]["lines"])
    text = json.loads(run(["ocr", str(mixed_case / "invoice.pdf"), "--json"], tmp_path).stdout)
    assert text[0]["source"] == "pdf_text"
    assert any("2514.50" in ln["text"] for ln in text[0]["lines"])


@pytest.mark.slow
def test_rotated_photo_is_read_upright(tmp_path: Path) -> None:
    img = tmp_path / "turned.jpg"
    render_lines(["转诊转院审批表", "转出医院：荆门市第一人民医院"]).rotate(90, expand=True).save(
        img, quality=90
    )
    pages = json.loads(run(["ocr", str(img), "--json"], tmp_path).stdout)
    assert pages[0]["rotation"] == 90
    assert any("荆门市第一人民医院" in ln["text"] for ln in pages[0]["lines"])


def test_unusable_case_folder_exits_2(tmp_path: Path) -> None:
    (tmp_path / "case.json").write_text("{broken", encoding="utf-8")
    proc = run(["check", str(tmp_path), "--json"], tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "not valid JSON" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_batch_keeps_going_after_a_broken_case(mixed_case: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "a_broken").mkdir()
    (root / "a_broken" / "case.json").write_text("[]", encoding="utf-8")
    good = root / "b_good"
    good.mkdir()
    for p in mixed_case.iterdir():
        (good / p.name).write_bytes(p.read_bytes())
    out = tmp_path / "out.jsonl"
    proc = run(["batch", str(root), "--out", str(out)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["case_id"] for x in lines] == ["a_broken", "E2E-1"]
    assert lines[0]["decision"] == "review"
    assert lines[1]["decision"] == "return"


def test_version() -> None:
    proc = subprocess.run([*INTAKE, "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert proc.stdout.startswith("intake ")
