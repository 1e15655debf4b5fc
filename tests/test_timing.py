"""The stage timers: every material carries its stage seconds, measured where the work was done, and
they never reach the report JSON."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline import timing
from pipeline.app.wiring import build_registry
from pipeline.config import Settings
from pipeline.models import load_case
from pipeline.runner import process_material

CASE = Path(__file__).resolve().parents[1] / "samples" / "cases" / "JM-2024-000101"


def test_stages_nest_and_count() -> None:
    with timing.collect() as acc:
        with timing.stage("a"), timing.stage("b"):
            timing.count("retries")
        with timing.stage("a"):
            pass
    assert set(acc) == {"a", "b", "n_retries"}
    assert acc["a"] >= acc["b"] >= 0
    assert acc["n_retries"] == 1
    with timing.stage("outside"):  # no collector: a no-op
        timing.count("x")


def test_material_carries_its_stage_seconds(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, workers=1, ocr_threads=1)
    case = load_case(CASE)
    ref = next(m for m in case.materials if m.file == "id_front.jpg")
    res = process_material(case, ref, CASE, settings, build_registry())
    t = res.timing
    for stage in ("ingest", "ocr", "ocr.recognize", "read_document", "check.image_quality"):
        assert stage in t, sorted(t)
    assert t["ocr"] >= t["ocr.recognize"] > 0
    assert sum(v for k, v in t.items() if not k.startswith(("n_", "ocr.", "seal."))) <= res.seconds + 0.05
    assert "timing" not in json.dumps(res.to_json())
    again = process_material(
        case, ref, CASE, settings, build_registry()
    )  # the OCR cache answers the second time
    assert again.timing.get("n_ocr_cache_hits") == 1
    assert "ocr.recognize" not in again.timing
