"""Where a case's seconds go: the stage breakdown per case (summed over its materials, measured in
the worker that did the work) and over all cases, with the pipeline's own runner and a cold cache.

    PYTHONPATH=. .venv/bin/python bench/stage_profile.py [ROOT] [--match S] [--limit N] [--json OUT]

Stages (``pipeline.timing``): ingest; ocr (all of the page reading) = ocr.recognize (first
detection + recognition pass) + ocr.orientation_retries (passes on turned pages) + the rest
(downscale, cache); read_document; check.* (material checks; seal.ring_text = the OCR of seal
rings inside check.official_seals); case.* (case checks, in the parent). ``n_orientation_retries``
counts the extra OCR passes. Worker seconds add up across processes: with 2 workers the wall clock
is about half their sum.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.app.wiring import build_runner
from pipeline.config import Settings
from pipeline.runner import find_cases

MAIN = ("ingest", "ocr", "ocr.recognize", "ocr.orientation_retries", "read_document")


def profile(
    root: Path, settings: Settings, match: str | None = None, limit: int | None = None
) -> tuple[list[dict[str, Any]], float]:
    cases = [c for c in find_cases(root) if not match or match in c.name][: limit or None]
    from samples.evaluate import default_enrollment

    rows: list[dict[str, Any]] = []
    with build_runner(settings, enrollment=default_enrollment(root)) as runner:
        t0 = time.perf_counter()
        for d, rep in runner.run_many(cases):
            if isinstance(rep, Exception):
                continue
            acc: dict[str, float] = defaultdict(float)
            for m in rep.materials:
                for k, v in m.timing.items():
                    acc[k] += v
            for k, v in rep.timing.items():
                acc[k] += v
            acc["case.all"] = sum(v for k, v in rep.timing.items() if k.startswith("case."))
            acc["checks"] = sum(v for k, v in acc.items() if k.startswith("check."))
            rows.append(
                {
                    "case": d.name,
                    "materials": len(rep.materials),
                    "seconds": round(rep.seconds, 3),
                    "stages": {k: round(v, 4) for k, v in sorted(acc.items())},
                }
            )
        wall = time.perf_counter() - t0
    return rows, wall


def print_table(rows: list[dict[str, Any]], wall: float) -> None:
    cols = [*MAIN, "seal.ring_text", "checks", "case.all", "n_orientation_retries"]
    head = f"{'case':18s} {'mat':>3s} " + " ".join(f"{c.replace('ocr.', ''):>11s}" for c in cols)
    print(head)
    tot: dict[str, float] = defaultdict(float)
    for r in rows:
        s = r["stages"]
        for k, v in s.items():
            tot[k] += v
        print(f"{r['case']:18s} {r['materials']:3d} " + " ".join(f"{s.get(c, 0.0):11.2f}" for c in cols))
    print(
        f"{'total':18s} {sum(r['materials'] for r in rows):3d} "
        + " ".join(f"{tot.get(c, 0.0):11.2f}" for c in cols)
    )
    work = sum(tot.get(k, 0.0) for k in ("ingest", "ocr", "read_document", "checks", "case.all"))
    print(f"\nwall clock {wall:.1f} s for {len(rows)} cases; worker + parent stage seconds {work:.1f}")
    print("share of stage seconds:")
    for k in sorted(tot, key=lambda k: -tot[k]):
        if k.startswith("n_") or k in ("case.all", "checks"):
            continue
        if tot[k] >= 0.005 * work:
            print(f"  {k:32s} {tot[k]:8.2f} s  {100 * tot[k] / work:5.1f}%")
    for k in sorted(tot):
        if k.startswith("n_"):
            print(f"  {k:32s} {int(tot[k]):8d}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", nargs="?", type=Path, default=Path("samples/cases"))
    ap.add_argument("--match", default=None)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--json", type=Path, default=None, help="write the per-case rows here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="intake-profile-") as home:
        settings = Settings(home=Path(home))  # engine, workers, threads from INTAKE_* as configured
        rows, wall = profile(args.root, settings, args.match, args.limit)
    print(
        f"engine {settings.ocr_engine}"
        + (f" {settings.ocr_model}" if settings.ocr_engine == "faster-paddle" else "")
        + f", workers {settings.effective_workers()}, threads {settings.effective_ocr_threads()}, cold cache"
    )
    print_table(rows, wall)
    if args.json:
        args.json.write_text(json.dumps({"wall": wall, "cases": rows}, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()
