"""RapidOCR's recognition width (``INTAKE_OCR_REC_MIN_WIDTH``), in one run on the same pages.

RapidOCR (as PaddleOCR) pads every batch of 6 text lines to the widest of them and to 320 pixels at
least (48 high); a two-character field is recognised at 320 wide. With a smaller minimum each line
is recognised alone at its own width. This prints, per width, the engine's CPU seconds per page
(``time.process_time`` of one process and one ONNX Runtime thread: the figure the machine's noise
moves least; median of ``--runs``, widths interleaved and their order reversed every other run), the
ratio against 320, and how the lines differ from the 320 reading: text changed, and confidence
fallen by more than 0.1 (the reader takes a low-confidence field for an unclear one).

    PYTHONPATH=. .venv/bin/python bench/rec_width.py [--pages 40] [--runs 3] [--widths 320,224,96]

Pages: photographed and scanned JPEGs of the sample corpus (``samples/cases``), a fixed shuffle.
Decision and field accuracy per width: ``bench/engine_eval.py`` with ``INTAKE_OCR_REC_MIN_WIDTH``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.config import Settings  # noqa: E402
from pipeline.models import OcrLine  # noqa: E402
from pipeline.ocr import get_engine  # noqa: E402
from pipeline.ocr.base import OcrEngine  # noqa: E402


def pages(n: int) -> list[np.ndarray]:
    from PIL import Image, ImageOps

    files = sorted((ROOT / "samples" / "cases").glob("*/*.jpg"))
    random.Random(7).shuffle(files)
    out = []
    for f in files[:n]:
        with Image.open(f) as im:
            out.append(np.asarray(ImageOps.exif_transpose(im).convert("RGB")))
    return out


def compare(ref: list[list[OcrLine]], got: list[list[OcrLine]]) -> tuple[int, int, int, int]:
    """(lines compared, text changed, confidence fallen > 0.1, pages whose line count changed)."""
    n = changed = fallen = recounted = 0
    for a, b in zip(ref, got, strict=True):
        if len(a) != len(b):
            recounted += 1
            continue
        for x, y in zip(a, b, strict=True):
            n += 1
            changed += x.text != y.text
            fallen += x.confidence - y.confidence > 0.1
    return n, changed, fallen, recounted


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--widths", default="320,224,96")
    args = ap.parse_args()
    widths = [int(w) for w in args.widths.split(",")]
    if 320 not in widths:
        widths.insert(0, 320)
    ims = pages(args.pages)
    home = Path(tempfile.mkdtemp(prefix="intake-recwidth-"))
    engines: dict[int, OcrEngine] = {
        w: get_engine(Settings(home=home, ocr_cache=False, ocr_threads=1, workers=1, ocr_rec_min_width=w))
        for w in widths
    }
    for e in engines.values():
        e.recognize(ims[0])  # load and warm up
    cpu: dict[int, list[float]] = {w: [] for w in widths}
    reads: dict[int, list[list[OcrLine]]] = {}
    for r in range(args.runs):
        order = widths if r % 2 == 0 else widths[::-1]
        for w in order:
            t = time.process_time()
            reads[w] = [engines[w].recognize(im) for im in ims]
            cpu[w].append(time.process_time() - t)
    base = statistics.median(cpu[320])
    print(f"{len(ims)} pages, {args.runs} runs, one process, one ONNX Runtime thread")
    print(
        f"{'width':>6} {'CPU s/page':>11} {'vs 320':>7} {'lines':>6} {'text changed':>13} {'conf -0.1':>10} {'recounted':>10}  runs (CPU s)"
    )
    for w in widths:
        med = statistics.median(cpu[w])
        n, changed, fallen, recounted = compare(reads[320], reads[w])
        runs = ", ".join(f"{x:.1f}" for x in cpu[w])
        print(
            f"{w:>6} {med / len(ims):>11.3f} {base / med:>6.2f}x {n:>6} {changed:>13} {fallen:>10} {recounted:>10}  {runs}"
        )


if __name__ == "__main__":
    main()
