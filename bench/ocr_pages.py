"""Seconds per page through ingest + OCR (cache off): an A4 scan at 150 dpi, a 4000x3000 phone
photo, and a text-layer PDF page. Prints medians over several runs and the ratios between them.

    .venv/bin/python bench/ocr_pages.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from PIL import Image, ImageFilter

from pipeline.config import Settings
from pipeline.ingest import ingest
from pipeline.ocr import get_engine
from pipeline.runner import _read_pages
from tests.rendering import render_lines, text_pdf

LINES = [
    "住院费用清单",
    "患者姓名：张伟明    住院号：20240105  科室：心内科",
    "医院名称：新疆医科大学第一附属医院",
    "入院日期：2024年01月05日  出院日期：2024年01月18日",
    "项目名称        数量      单价        金额",
    "床位费          13        45.00       585.00",
    "西药费          1         1203.50     1203.50",
    "检查费          1         726.00      726.00",
    "合计（大写）：贰仟伍佰壹拾肆元伍角  合计（小写）：2514.50",
    "收款单位：新疆医科大学第一附属医院    收款人：李华",
]


def make_inputs(d: Path) -> dict[str, Path]:
    a4 = render_lines(LINES, width=1240, height=1754, size=28, margin=90)  # A4 at 150 dpi
    scan = d / "a4_scan_150dpi.png"
    a4.save(scan, dpi=(150, 150))
    # phone photo: the page on a darker desk, 4000x3000, slight blur and noise
    desk = Image.new("RGB", (4000, 3000), (92, 74, 58))
    page = a4.resize((1860, 2630))
    desk.paste(page, (1070, 185))
    arr = np.asarray(desk.filter(ImageFilter.GaussianBlur(1.2))).astype(np.int16)
    rng = np.random.default_rng(0)
    arr = np.clip(arr + rng.normal(0, 6, arr.shape), 0, 255).astype(np.uint8)
    photo = d / "phone_4000x3000.jpg"
    Image.fromarray(arr).save(photo, quality=88)
    pdf = d / "text_layer.pdf"
    text_pdf(pdf, LINES)
    return {"A4 scan 150 dpi": scan, "phone photo 4000x3000": photo, "text-layer PDF page": pdf}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp) / "home", workers=1, ocr_cache=False)
        inputs = make_inputs(Path(tmp))
        get_engine(settings)  # model load is per process, not per page
        results: dict[str, float] = {}
        for label, path in inputs.items():
            times = []
            n_lines = 0
            for _ in range(args.runs):
                t0 = time.perf_counter()
                ing = ingest(path, settings)
                pages = _read_pages(ing.pages, settings)
                times.append(time.perf_counter() - t0)
                n_lines = sum(len(p.lines) for p in pages)
            results[label] = statistics.median(times)
            print(
                f"{label:26s} median {results[label]:6.3f} s/page  "
                f"(min {min(times):.3f}, max {max(times):.3f}, {args.runs} runs, {n_lines} lines)"
            )
        base = results["text-layer PDF page"]
        for label, t in results.items():
            print(f"ratio {label:26s} / text-layer page = {t / base:7.1f}x")


if __name__ == "__main__":
    main()
