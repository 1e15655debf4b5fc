"""Glare recall and false positives per source and part (issue 15): the shipping measure
(``imaging.glare`` on the upright page with its text lines and document region, flagged at
``glare.flag_at`` (share of the document) or ``glare.washed_chars`` (printed text washed out along
the lines) of ``validators/data/image_quality.yaml``), exactly as ``validators.image_quality``
decides ``image.glare`` (``is_glared``).

    PYTHONPATH=. .venv/bin/python bench/glare_bench.py [--n2 170] [--real] [--json FILE]

Sources, each in two parts: ``calibration`` (where thresholds may be looked at) and ``heldout``
(never looked at while choosing them):

* **family 1** — the sample corpus (``samples/cases``, the sample generator's renders): every page
  with pixels, with its *recorded* OCR lines (``samples/ocr``, no OCR run). Clean: every material
  without a capture fault (photocopies included: a grey copy is not glare). Glared: the corpus's own
  glared materials, and every 3rd clean page with the generator's glare (``samples.generator.effects.glare``)
  over one of its text lines (when it washes out at least 2 characters, as in family 2). Parts by case (crc32 of the case id, even / odd).
* **family 2** — ``bench/render2.render_glare`` (another font, other layouts; glare shapes: soft
  elliptic hotspots, blown-out spots, specular streaks, bands, corners, faint wash-outs with the
  strokes still visible; under watermarks and on photocopies; clean pages with watermarks,
  photocopies, lamp light and shadows). Text lines from the renderer (padded like a detector's).
  Parts by seed (21 calibration, 22 held-out).
* **real** (``--real``) — ``samples/real`` with its glare labels and its own split; real OCR (cached
  by content under ``INTAKE_HOME``: minutes the first time).

Printed per source and part: recall n/N on glared, false positives n/N on clean, the missed and
the false ones by name with their share and washed text, and the distributions (clean max / p99, glared min).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.models import OcrLine  # noqa: E402
from validators.image_quality import load_config  # noqa: E402
from validators.support import imaging  # noqa: E402


@dataclass
class Row:
    source: str
    part: str
    name: str
    glared: bool
    share: float = 0.0
    washed: float = 0.0
    seconds: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


def measure_glare(image: np.ndarray, lines: list[OcrLine]) -> tuple[imaging.Glare, float]:
    """The glare as the shipping check measures it, and the seconds it took."""
    t0 = time.perf_counter()
    region = imaging.find_document(image)
    g = imaging.glare(image, lines, region, min_washed=load_config().glare.washed_chars)
    return g, time.perf_counter() - t0


def measure(image: np.ndarray, lines: list[OcrLine]) -> tuple[float, float]:
    """The glare share as the shipping check measures it, and the seconds it took."""
    g, sec = measure_glare(image, lines)
    return g.share, sec


def boxes_to_lines(boxes: list[tuple[float, float, float, float]]) -> list[OcrLine]:
    return [
        OcrLine(text="字", polygon=[(b[0], b[1]), (b[2], b[1]), (b[2], b[3]), (b[0], b[3])], confidence=0.95)
        for b in boxes
    ]


# --------------------------------------------------------------------------- family 1


@dataclass
class Page:
    part: str
    name: str
    glared: bool
    image: np.ndarray
    lines: list[OcrLine]


def family1_pages(cases: Path, every: int = 3) -> Iterator[Page]:
    from PIL import Image

    from bench.render2 import washed_chars
    from pipeline.config import Settings
    from pipeline.ingest import ingest
    from pipeline.ocr import recognize_page
    from samples.generator import effects

    settings = Settings(home=Path("/tmp/intake-glare-bench"), ocr_engine="recorded", ocr_cache=False)
    k = 0
    for exp_path in sorted(cases.glob("*/expected.json")):
        case_dir = exp_path.parent
        part = "calibration" if zlib.crc32(case_dir.name.encode()) % 2 == 0 else "heldout"
        exp = json.loads(exp_path.read_text(encoding="utf-8"))
        for file, info in sorted((exp.get("materials") or {}).items()):
            cap = str(info.get("capture") or "clean")
            faults = set(cap.split("+")[1:])
            if info.get("broken") or (faults and faults != {"glare"}) or not (case_dir / file).is_file():
                continue
            res = ingest(case_dir / file, settings, case_dir)
            for page in res.pages:
                if page.image is None:
                    continue
                try:
                    lines, rot = recognize_page(page.image, settings)
                except Exception:  # no recording: not a page the pipeline reads either
                    continue
                img = imaging.upright(page.image, rot)
                name = f"{case_dir.name}/{file}#{page.index}"
                yield Page(part, name, "glare" in faults, img, lines)
                k += 1
                hl = imaging.horizontal_lines(lines)
                if faults or k % every or not hl:
                    continue
                rng = random.Random(zlib.crc32(name.encode()))
                ln = rng.choice(hl)
                h, w = img.shape[:2]
                at = ((ln.box[0] + ln.box[2]) / 2 / w, (ln.box[1] + ln.box[3]) / 2 / h)
                radius = rng.uniform(0.07, 0.16)
                glared = np.asarray(effects.glare(Image.fromarray(img), at, radius, rng.randint(0, 999)))
                # the light's share per pixel (the effect pulls every pixel towards white): as in
                # family 2, a glare that washes out under 2 characters of text is left out
                base = img.astype(np.float32).mean(axis=2)
                alpha = (glared.astype(np.float32).mean(axis=2) - base) / np.maximum(265.0 - base, 1.0)
                if washed_chars(alpha, [ln.box for ln in lines]) < 2.0:
                    continue
                yield Page(part, name + f"+glare{radius:.2f}", True, glared, lines)


def family1(cases: Path) -> Iterator[Row]:
    for p in family1_pages(cases):
        g, sec = measure_glare(p.image, p.lines)
        yield Row("family1", p.part, p.name, p.glared, g.share, g.washed, sec)


# --------------------------------------------------------------------------- family 2


def family2(n: int, seed: int, part: str) -> Iterator[Row]:
    from bench import render2

    for doc in render2.glare_corpus(n, seed):
        if not doc.glare and not doc.clean:  # a minor light that washes out next to no text
            continue
        g, sec = measure_glare(doc.image, boxes_to_lines(doc.lines))
        yield Row("family2", part, doc.name, doc.glare, g.share, g.washed, sec)


# --------------------------------------------------------------------------- real set


def real() -> Iterator[Row]:
    from pipeline.config import get_settings
    from pipeline.ocr import recognize_page
    from samples import realset

    settings = get_settings()
    for it in realset.load():
        image = it.image()
        lines, rot = recognize_page(image, settings)
        g, sec = measure_glare(imaging.upright(image, rot), lines)
        yield Row("real", it.split, it.id, it.glare, g.share, g.washed, sec)


# --------------------------------------------------------------------------- report


def _rate(n: int, d: int) -> str:
    return f"{n}/{d}" + (f" = {n / d:.3f}" if d else "")


def report(rows: list[Row], flag_at: float, washed_at: float) -> dict[str, object]:
    out: dict[str, object] = {}

    def flagged(r: Row) -> bool:
        return r.share >= flag_at or r.washed >= washed_at

    groups = sorted({(r.source, r.part) for r in rows})
    for source in sorted({r.source for r in rows}):
        groups.append((source, "all"))
    for source, part in groups:
        rs = [r for r in rows if r.source == source and part in ("all", r.part)]
        pos = [r for r in rs if r.glared]
        neg = [r for r in rs if not r.glared]
        hit = [r for r in pos if flagged(r)]
        fp = [r for r in neg if flagged(r)]
        key = f"{source}/{part}"
        out[key] = {
            "glared": len(pos),
            "found": len(hit),
            "clean": len(neg),
            "false": len(fp),
            "missed_names": [r.name for r in pos if not flagged(r)],
            "false_names": [r.name for r in fp],
            "seconds_per_page": round(float(np.mean([r.seconds for r in rs])), 3) if rs else 0.0,
        }
        print(f"\n== {key}: recall {_rate(len(hit), len(pos))}   false positives {_rate(len(fp), len(neg))}")
        if neg:
            cs = [r.share for r in neg]
            print(
                f"   clean share: max {max(cs):.4f}  p99 {np.percentile(cs, 99):.4f}  p95 {np.percentile(cs, 95):.4f}"
                f"   washed: max {max(r.washed for r in neg):.2f}"
            )
        if pos:
            gs = [r.share for r in pos]
            print(
                f"   glared share: min {min(gs):.4f}  p5 {np.percentile(gs, 5):.4f}  median {np.median(gs):.4f}"
            )
        if part != "all":
            for r in sorted((r for r in pos if not flagged(r)), key=lambda r: r.share)[:12]:
                print(f"   missed  {r.share:.4f} {r.washed:.2f}  {r.name}")
            for r in sorted(fp, key=lambda r: -r.share)[:12]:
                print(f"   false+  {r.share:.4f} {r.washed:.2f}  {r.name}")
        print(f"   {out[key]['seconds_per_page']} s per page (find_document + glare)")  # type: ignore[index]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=Path, default=ROOT / "samples" / "cases")
    ap.add_argument("--n2", type=int, default=170, help="family-2 renders per part (2 in 5 glared)")
    ap.add_argument("--no-family1", action="store_true")
    ap.add_argument("--real", action="store_true", help="the real set too (real OCR, cached)")
    ap.add_argument("--flag-at", type=float, default=None, help="share threshold (default: the yaml's)")
    ap.add_argument(
        "--washed-at", type=float, default=None, help="washed-text threshold (default: the yaml's)"
    )
    ap.add_argument("--json", type=Path)
    ap.add_argument("--rows", type=Path, help="write every row (name, label, share) here")
    a = ap.parse_args(argv)
    t0 = time.time()
    rows: list[Row] = []
    if a.n2:
        rows += family2(a.n2, 21, "calibration")
        rows += family2(a.n2, 22, "heldout")
        print(f"family 2: {len(rows)} pages, {time.time() - t0:.0f} s", file=sys.stderr)
    if not a.no_family1:
        rows += family1(a.cases)
        print(f"+ family 1: {len(rows)} pages, {time.time() - t0:.0f} s", file=sys.stderr)
    if a.real:
        rows += real()
    cfg = load_config().glare
    flag_at = a.flag_at if a.flag_at is not None else cfg.flag_at
    washed_at = a.washed_at if a.washed_at is not None else cfg.washed_chars
    print(f"image.glare at share >= {flag_at} or washed text >= {washed_at} characters")
    figures = report(rows, flag_at, washed_at)
    print(f"\n{time.time() - t0:.0f} s")
    if a.json:
        a.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    if a.rows:
        a.rows.write_text(
            "\n".join(
                json.dumps(
                    {
                        "source": r.source,
                        "part": r.part,
                        "name": r.name,
                        "glared": r.glared,
                        "share": round(r.share, 5),
                        "washed": round(r.washed, 3),
                    }
                )
                for r in rows
            )
            + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
