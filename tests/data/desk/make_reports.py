"""Regenerate the desk's stored reports (real OCR, run once; the desk tests read them without OCR).

    PYTHONPATH=$PWD INTAKE_WORKERS=1 python tests/data/desk/make_reports.py

Writes ``reports.jsonl`` here: three sample cases and ``XJ-ROT-0129`` (a copy of XJ-2024-000129 whose
ID card front is stored turned a quarter counter-clockwise; the folder is kept under ``cases/``).
Report locations are relative to the repository root.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
CASES = ["XJ-2024-000129", "JM-2025-000141", "XJ-2024-000122"]


def rotated_case() -> Path:
    src = REPO / "samples" / "cases" / "XJ-2024-000129"
    dst = HERE / "cases" / "XJ-ROT-0129"
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    for f in ("id_back.jpg", "filing_form.jpg"):
        shutil.copy(src / f, dst / f)
    with Image.open(src / "id_front.jpg") as im:
        im.rotate(90, expand=True).save(dst / "id_front.jpg", quality=92)  # counter-clockwise
    case = json.loads((src / "case.json").read_text(encoding="utf-8"))
    case["case_id"] = "XJ-ROT-0129"
    (dst / "case.json").write_text(json.dumps(case, ensure_ascii=False, indent=2), encoding="utf-8")
    return dst


def main() -> int:
    from pipeline.app.wiring import build_runner
    from pipeline.config import get_settings

    dirs = [REPO / "samples" / "cases" / c for c in CASES] + [rotated_case()]
    settings = get_settings().model_copy(update={"workers": 1})
    with (
        build_runner(settings, enrollment=str(REPO / "samples" / "enrollment.csv"), pool=False) as runner,
        (HERE / "reports.jsonl").open("w", encoding="utf-8") as out,
    ):
        for d in dirs:
            rep = runner.run(d).to_json()
            out.write(json.dumps({"location": str(d.relative_to(REPO)), "report": rep}, ensure_ascii=False))
            out.write("\n")
            print(d.name, rep["decision"], [f["code"] for f in rep["flags"]], file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
