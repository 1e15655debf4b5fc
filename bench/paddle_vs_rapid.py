"""PaddleOCR (PaddlePaddle inference on the models converted from the rapidocr wheel) against RapidOCR
(onnxruntime, the same ONNX models): accuracy through the whole pipeline and raw speed per page, both
engines in one run, on a subset of the labelled sample cases.

* accuracy: ``samples.evaluate.evaluate`` per engine (same cases, same order, a fresh invoice register
  each, no OCR cache): decision accuracy, document type, field exact match vs ``expected.json``, and
  the cases where the two engines' decisions or fields differ;
* speed: every photographed/scanned page of those cases (as the OCR first sees it: at most
  ``INTAKE_OCR_MAX_SIDE``), ``engine.recognize`` timed per page, 3 runs with the engines' order turned
  each run; seconds per page is the median of the runs' per-page means. One worker, one thread each.

Runs in the paddle virtualenv (it holds both engines), after ``intake models prepare-paddle``:

    nice -n 10 .venv-paddle/bin/python bench/paddle_vs_rapid.py --cases 12 --out build/paddle_vs_rapid.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "samples" / "cases"
ENGINES = ("rapidocr", "paddle")


def pick_cases(n: int) -> list[Path]:
    """``n`` labelled cases spread evenly over the sorted corpus (deterministic)."""
    from samples.evaluate import labelled_cases

    all_cases = labelled_cases(CASES)
    if n >= len(all_cases):
        return all_cases
    step = len(all_cases) / n
    return [all_cases[int(i * step)] for i in range(n)]


def settings_for(engine: str, home: Path, models: Path) -> Any:
    from pipeline.config import Settings
    from pipeline.ocr.paddle import DET_MODEL_NAME, REC_MODEL_NAME

    extra: dict[str, Any] = {}
    if engine == "paddle":
        extra = {
            "paddle_det_model_dir": models / DET_MODEL_NAME,
            "paddle_rec_model_dir": models / REC_MODEL_NAME,
        }
    return Settings(
        home=home,
        workers=1,
        ocr_threads=1,
        ocr_cache=False,
        ocr_engine=engine,
        **extra,  # type: ignore[arg-type]
    )


def accuracy(engine: str, cases: list[Path], models: Path) -> dict[str, Any]:
    from samples.evaluate import evaluate

    names = {c.name for c in cases}
    home = Path(tempfile.mkdtemp(prefix=f"bench-{engine}-"))
    t0 = time.perf_counter()

    def on_case(case_id: str, rep: dict[str, Any] | None, dt: float) -> None:
        print(
            f"  {engine}: {case_id} {rep.get('decision') if rep else 'error'} ({dt:.1f} s)", file=sys.stderr
        )

    metrics, rows = evaluate(
        CASES, settings=settings_for(engine, home, models), on_case=on_case, only=lambda d: d.name in names
    )
    wall = time.perf_counter() - t0
    fields = [r for (_, _), sp in metrics.fields.items() for k, r in sp.items() if k == "all"]
    types = [sp["all"] for sp in metrics.types.values()]
    return {
        "wall_s": round(wall, 1),
        "decision": metrics.decision["all"].to_json(),
        "doc_type": {"hit": sum(r.hit for r in types), "total": sum(r.total for r in types)},
        "fields": {"hit": sum(r.hit for r in fields), "total": sum(r.total for r in fields)},
        "rows": [
            {k: r[k] for k in ("case_id", "expected", "decision", "flags", "field_errors", "seconds")}
            for r in rows
        ],
    }


def pages(cases: list[Path]) -> list[Any]:
    """The photographed / scanned pages of ``cases`` as the OCR first sees them (downscaled)."""
    from pipeline.config import Settings
    from pipeline.ingest import ingest
    from pipeline.models import load_case
    from pipeline.ocr.base import _downscale

    s = Settings(workers=1)
    out = []
    for c in cases:
        for m in load_case(c).materials:
            ing = ingest(c / m.file, s)
            for p in ing.pages:
                if p.image is not None and p.text_lines is None:
                    out.append(_downscale(p.image, s.ocr_max_side)[0])
    return out


def speed(images: list[Any], models: Path, runs: int = 3) -> dict[str, Any]:
    from pipeline.ocr import get_engine

    home = Path(tempfile.mkdtemp(prefix="bench-speed-"))
    load: dict[str, float] = {}
    engines = {}
    for name in ENGINES:
        t0 = time.perf_counter()
        engines[name] = get_engine(settings_for(name, home, models))
        engines[name].recognize(images[0])  # warm-up (oneDNN builds its kernels on the first page)
        load[name] = time.perf_counter() - t0
    per_run: dict[str, list[float]] = {n: [] for n in ENGINES}
    lines: dict[str, int] = {}
    for run in range(runs):
        order = ENGINES if run % 2 == 0 else tuple(reversed(ENGINES))
        for name in order:
            t0 = time.perf_counter()
            count = sum(len(engines[name].recognize(img)) for img in images)
            per_run[name].append((time.perf_counter() - t0) / len(images))
            lines[name] = count
            print(f"  speed run {run + 1}: {name} {per_run[name][-1]:.2f} s/page", file=sys.stderr)
    return {
        "pages": len(images),
        "runs": runs,
        "load_and_first_page_s": {n: round(v, 1) for n, v in load.items()},
        "s_per_page_runs": {n: [round(v, 3) for v in vs] for n, vs in per_run.items()},
        "s_per_page_median": {n: round(statistics.median(vs), 3) for n, vs in per_run.items()},
        "lines_read": lines,
    }


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """Cases where the engines' decisions, flags or field errors differ."""
    out = []
    rows_b = {r["case_id"]: r for r in b["rows"]}
    for ra in a["rows"]:
        rb = rows_b.get(ra["case_id"])
        if rb is None:
            continue
        if (ra["decision"], ra["flags"], ra["field_errors"]) != (
            rb["decision"],
            rb["flags"],
            rb["field_errors"],
        ):
            out.append(
                {
                    "case_id": ra["case_id"],
                    "expected": ra["expected"],
                    "decisions": [ra["decision"], rb["decision"]],
                    "flags_only_rapidocr": sorted(set(ra["flags"]) - set(rb["flags"])),
                    "flags_only_paddle": sorted(set(rb["flags"]) - set(ra["flags"])),
                    "field_errors_rapidocr": ra["field_errors"],
                    "field_errors_paddle": rb["field_errors"],
                }
            )
    return out


def _pct(r: dict[str, int]) -> str:
    return f"{100 * r['hit'] / r['total']:.1f}% ({r['hit']}/{r['total']})" if r["total"] else "-"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=12, help="how many sample cases (spread over the corpus)")
    ap.add_argument("--runs", type=int, default=3, help="speed runs (median)")
    ap.add_argument("--speed-pages", type=int, default=12, help="at most this many pages for the speed runs")
    ap.add_argument(
        "--models", type=Path, default=None, help="prepared models (default INTAKE_HOME/models/paddle)"
    )
    ap.add_argument("--out", type=Path, default=REPO / "build" / "paddle_vs_rapid.json")
    ap.add_argument("--skip-accuracy", action="store_true")
    ap.add_argument("--skip-speed", action="store_true")
    args = ap.parse_args()

    from pipeline.config import get_settings
    from pipeline.ocr.paddle import configuration_problem, models_root

    models = args.models or models_root(get_settings())
    s = settings_for("paddle", Path(tempfile.mkdtemp()), models)
    problem = configuration_problem(s)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 3
    cases = pick_cases(args.cases)
    result: dict[str, Any] = {
        "cases": [c.name for c in cases],
        "load_average_start": os.getloadavg(),
        "cores": len(os.sched_getaffinity(0)),
    }
    if not args.skip_speed:
        images = pages(cases)[: args.speed_pages]
        print(f"speed: {len(images)} pages from {len(cases)} cases", file=sys.stderr)
        result["speed"] = speed(images, models, args.runs)
    if not args.skip_accuracy:
        acc = {}
        for name in ENGINES:
            print(f"accuracy: {name}", file=sys.stderr)
            acc[name] = accuracy(name, cases, models)
        result["accuracy"] = {n: {k: v for k, v in a.items() if k != "rows"} for n, a in acc.items()}
        result["differences"] = differences(acc["rapidocr"], acc["paddle"])
        result["rows"] = {n: a["rows"] for n, a in acc.items()}
    result["load_average_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")

    print(
        f"\n{len(cases)} cases; load average {result['load_average_start'][0]:.1f} -> "
        f"{result['load_average_end'][0]:.1f}\n| figure | rapidocr | paddle |\n|---|---|---|"
    )
    if "speed" in result:
        sp = result["speed"]
        med = sp["s_per_page_median"]
        print(
            f"| s/page ({sp['pages']} pages, median of {sp['runs']}) | {med['rapidocr']:.2f} | {med['paddle']:.2f} |"
        )
        print(f"| paddle ÷ rapidocr time | 1.00 | {med['paddle'] / med['rapidocr']:.2f} |")
        ld = sp["load_and_first_page_s"]
        print(f"| load + first page s | {ld['rapidocr']:.1f} | {ld['paddle']:.1f} |")
    if "accuracy" in result:
        a = result["accuracy"]
        for key, label in (
            ("decision", "decision accuracy"),
            ("doc_type", "document type"),
            ("fields", "field exact match"),
        ):
            print(f"| {label} | {_pct(a['rapidocr'][key])} | {_pct(a['paddle'][key])} |")
        print(f"| pipeline wall s | {a['rapidocr']['wall_s']} | {a['paddle']['wall_s']} |")
        print(f"cases that differ: {len(result['differences'])}")
        for d in result["differences"]:
            print(
                f"  {d['case_id']}: {json.dumps({k: v for k, v in d.items() if k != 'case_id'}, ensure_ascii=False)}"
            )
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
