"""OCR engines side by side, in one run, on the same files: the phone-photo and scan materials of
the sample corpus (one page each).

Rows: a raw loop of each engine (decode the JPEG, turn it by its EXIF tag, ``recognize``; one process
per worker, nothing else), Tesseract 5 ``chi_sim`` (the Debian package, via its CLI) as the classic
peer, and the whole pipeline with each engine (``CaseRunner`` over the same materials, each case
folder cut down to them: ingest, OCR with orientation, reading, material and case checks) with a cold
cache. Columns: seconds per page (wall clock / pages, all workers busy), pages per second per core,
field accuracy (the materials' labelled fields; for raw loops the engine's lines go through the same
``read_document``), pipeline ÷ raw loop of the same engine (throughput), peak resident memory per
worker. Medians over ``--runs`` runs; the order of the rows rotates from run to run because the
machine is shared and noisy.

    PYTHONPATH=. .venv/bin/python bench/ocr_engines.py [--runs 3] [--workers 2] [--limit N] \
        [--rows raw:rapidocr,raw:tiny,raw:small,raw:tesseract,pipe:rapidocr,pipe:tiny,pipe:small] \
        [--rows raw:rapidocr-w320,raw:rapidocr-w96,pipe:rapidocr-w320,pipe:rapidocr-w96]  # rec width
        [--baseline TREE --rows ...,base:rapidocr]   # TREE: e.g. git archive of the commit to beat
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

# ``--baseline TREE`` rows run the pipeline of another checkout (e.g. ``git archive`` of an older
# commit) in a child process: that child imports the pipeline from there
sys.path.insert(0, os.environ.get("INTAKE_BENCH_TREE") or str(Path(__file__).resolve().parents[1]))

import numpy as np

from pipeline.config import Settings

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "samples" / "cases"
CAPTURES = ("photo", "scan")
ALL_ROWS = "raw:rapidocr,raw:tiny,raw:small,raw:tesseract,pipe:rapidocr,pipe:tiny,pipe:small"


@dataclass
class Item:
    case: str
    file: str
    declared: str | None
    truth_type: str
    fields: dict[str, Any]

    @property
    def path(self) -> Path:
        return CASES / self.case / self.file


def select(limit: int | None) -> list[Item]:
    items = []
    for exp_path in sorted(CASES.glob("*/expected.json")):
        exp = json.loads(exp_path.read_text(encoding="utf-8"))
        case = json.loads((exp_path.parent / "case.json").read_text(encoding="utf-8"))
        declared = {m["file"]: m.get("declared_type") for m in case["materials"]}
        for file, truth in exp["materials"].items():
            if truth.get("capture") in CAPTURES and file in declared and not truth.get("broken"):
                items.append(
                    Item(exp_path.parent.name, file, declared[file], truth["type"], truth.get("fields", {}))
                )
    if limit and limit < len(items):  # spread over the corpus, not its first cases
        step = len(items) / limit
        items = [items[int(i * step)] for i in range(limit)]
    return items


# --------------------------------------------------------------------------- raw loops (workers)

_engine: Any = None


def _engine_settings(name: str, threads: int, home: Path) -> Settings:
    if name == "rapidocr" or name.startswith("rapidocr-w"):
        # ``rapidocr-w96``: RapidOCR recognising each line at its own width (INTAKE_OCR_REC_MIN_WIDTH)
        width = int(name.removeprefix("rapidocr-w")) if name != "rapidocr" else Settings().ocr_rec_min_width
        return Settings(
            home=home, ocr_engine="rapidocr", ocr_threads=threads, ocr_cache=False, ocr_rec_min_width=width
        )
    return Settings(
        home=home, ocr_engine="faster-paddle", ocr_model=name, ocr_threads=threads, ocr_cache=False
    )  # type: ignore[arg-type]


def _raw_init(name: str, threads: int, home: str) -> None:
    global _engine
    os.environ["OMP_THREAD_LIMIT"] = str(threads)  # tesseract
    if name != "tesseract":
        from pipeline.ocr import get_engine

        _engine = get_engine(_engine_settings(name, threads, Path(home)))


def _decode(path: str) -> np.ndarray:
    from PIL import Image, ImageOps

    with Image.open(path) as im:
        return np.asarray(ImageOps.exif_transpose(im).convert("RGB"))


def _tesseract(path: str) -> tuple[list[dict[str, Any]], int, int]:
    img = _decode(path)
    out = subprocess.run(
        ["tesseract", path, "stdout", "-l", "chi_sim", "--psm", "3", "tsv"],
        capture_output=True,
        check=True,
        env={**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")},
    ).stdout.decode("utf-8", "replace")
    groups: dict[tuple[str, ...], list[list[str]]] = {}
    for row in out.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or not cols[11].strip() or float(cols[10]) < 0:
            continue
        groups.setdefault(tuple(cols[1:5]), []).append(cols)
    lines = []
    for words in groups.values():
        text = ""
        for w in words:
            t = w[11].strip()
            if text and re.match(r"[A-Za-z0-9]", t) and re.search(r"[A-Za-z0-9]$", text):
                text += " "
            text += t
        x0 = min(int(w[6]) for w in words)
        y0 = min(int(w[7]) for w in words)
        x1 = max(int(w[6]) + int(w[8]) for w in words)
        y1 = max(int(w[7]) + int(w[9]) for w in words)
        conf = sum(float(w[10]) for w in words) / len(words) / 100
        lines.append({"text": text, "polygon": [(x0, y0), (x1, y0), (x1, y1), (x0, y1)], "confidence": conf})
    return lines, img.shape[1], img.shape[0]


def _raw_task(name: str, path: str) -> tuple[list[dict[str, Any]], int, int, int]:
    import resource

    if name == "tesseract":
        lines, w, h = _tesseract(path)
        return lines, w, h, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    img = _decode(path)
    out = [ln.model_dump(mode="json") for ln in _engine.recognize(img)]
    return out, img.shape[1], img.shape[0], 0


def _warm(_: int) -> int:
    time.sleep(0.2)  # every worker starts (and loads its engine) before the clock runs
    return os.getpid()


def _peak_rss_mb(pids: list[int]) -> float:
    peak = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
    return peak / 1024


@dataclass
class Measure:
    seconds: float
    rss_mb: float
    fields: tuple[int, int] | None = None


def run_raw(name: str, items: list[Item], workers: int, threads: int, home: Path, score: bool) -> Measure:
    ctx = get_context("fork")
    with ProcessPoolExecutor(
        workers, mp_context=ctx, initializer=_raw_init, initargs=(name, threads, str(home))
    ) as pool:
        list(pool.map(_warm, range(workers)))
        t0 = time.perf_counter()
        results = list(pool.map(_raw_task, [name] * len(items), [str(i.path) for i in items]))
        seconds = time.perf_counter() - t0
        rss = _peak_rss_mb(list(pool._processes))  # type: ignore[attr-defined]
    rss = max(rss, max(r[3] for r in results) / 1024)
    fields = score_raw(items, results) if score else None
    return Measure(seconds, rss, fields)


def score_raw(
    items: list[Item], results: list[tuple[list[dict[str, Any]], int, int, int]]
) -> tuple[int, int]:
    from extractors.reader import read_document
    from pipeline.models import DocType, OcrLine, PageText

    hit = total = 0
    for item, (lines, w, h, _) in zip(items, results, strict=True):
        page = PageText(
            index=0, width=w, height=h, source="image", lines=[OcrLine.model_validate(x) for x in lines]
        )
        doc = read_document([page], DocType(item.declared) if item.declared else None)
        got = {k: v.value for k, v in doc.fields.items()} if doc.type.value == item.truth_type else {}
        for name, value in item.fields.items():
            total += 1
            hit += int(name in got and str(got[name]) == str(value))
    return hit, total


# --------------------------------------------------------------------------- the pipeline


def cut_down_cases(items: list[Item], dest: Path) -> list[Path]:
    """Case folders holding only the selected materials (links to the originals)."""
    by_case: dict[str, list[Item]] = {}
    for it in items:
        by_case.setdefault(it.case, []).append(it)
    out = []
    for case, its in by_case.items():
        d = dest / case
        d.mkdir(parents=True)
        data = json.loads((CASES / case / "case.json").read_text(encoding="utf-8"))
        keep = {i.file for i in its}
        data["materials"] = [m for m in data["materials"] if m["file"] in keep]
        (d / "case.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        for i in its:
            # a hard link (or a copy), not a symlink: case folders refuse symlinked materials
            try:
                os.link(i.path, d / i.file)
            except OSError:
                shutil.copyfile(i.path, d / i.file)
        out.append(d)
    return out


def run_pipe(
    name: str, items: list[Item], cases: list[Path], workers: int, threads: int, home: Path, score: bool
) -> Measure:
    settings = _engine_settings(name, threads, home).model_copy(
        update={"workers": workers, "ocr_cache": True}
    )
    truth = {(i.case, i.file): i for i in items}
    hit = total = 0
    enrollment = str(ROOT / "samples" / "enrollment.csv")
    import pipeline

    tree = Path(pipeline.__file__).resolve().parent
    if (tree / "app" / "wiring.py").is_file():  # the composition root builds the runner
        from pipeline.app.wiring import build_runner

        runner = build_runner(settings, enrollment=enrollment)
    else:  # a --baseline tree from before the composition root (its own CaseRunner, not this tree's)
        from pipeline.runner import CaseRunner

        runner = CaseRunner(settings, enrollment=enrollment)  # type: ignore[call-arg]
    with runner:
        t0 = time.perf_counter()
        reports = [(d, r) for d, r in runner.run_many(cases)]
        seconds = time.perf_counter() - t0
        pool = runner._pool
        rss = _peak_rss_mb(list(getattr(pool, "_processes", None) or []))
    if score:
        for d, rep in reports:
            if isinstance(rep, Exception):
                continue
            for m in rep.materials:
                it = truth[(d.name, m.file)]
                got = {k: v.value for k, v in (m.document.fields.items() if m.document else [])}
                ok_type = m.detected_type.value == it.truth_type
                for fname, value in it.fields.items():
                    total += 1
                    hit += int(ok_type and fname in got and str(got[fname]) == str(value))
    return Measure(seconds, rss, (hit, total) if score else None)


def run_baseline(
    tree: Path, name: str, limit: int | None, cases: Path, workers: int, threads: int, home: Path, score: bool
) -> Measure:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child-pipe", name, "--home", str(home)]
    cmd += ["--cases-dir", str(cases), "--workers", str(workers), "--threads", str(threads)]
    cmd += [*(["--limit", str(limit)] if limit else []), *(["--score"] if score else [])]
    env = {**os.environ, "INTAKE_BENCH_TREE": str(tree), "PYTHONPATH": str(tree)}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"the baseline tree {tree} failed:\n{proc.stderr[-3000:]}")
    out = proc.stdout
    data = json.loads(out.strip().splitlines()[-1])
    return Measure(data["seconds"], data["rss_mb"], tuple(data["fields"]) if data["fields"] else None)


# --------------------------------------------------------------------------- table


@dataclass
class Row:
    key: str
    runs: list[Measure] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(m.seconds for m in self.runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=0, help="worker processes (default: usable cores)")
    ap.add_argument("--limit", type=int, default=None, help="only N materials, evenly spread")
    ap.add_argument("--rows", default=ALL_ROWS)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="another checkout's tree: adds base:ENGINE rows (its pipeline, same files, same run)",
    )
    ap.add_argument("--child-pipe", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--home", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--cases-dir", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--score", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_pipe:
        items = select(args.limit)
        cases = sorted(p for p in args.cases_dir.iterdir() if p.is_dir())
        m = run_pipe(args.child_pipe, items, cases, args.workers, args.threads, args.home, args.score)
        print(json.dumps({"seconds": m.seconds, "rss_mb": m.rss_mb, "fields": m.fields}))
        return

    cores = len(os.sched_getaffinity(0))
    workers = args.workers or cores
    threads = max(1, cores // workers)
    items = select(args.limit)
    keys = [k.strip() for k in args.rows.split(",") if k.strip()]
    if "raw:tesseract" in keys and shutil.which("tesseract") is None:
        print("tesseract not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim): row skipped")
        keys.remove("raw:tesseract")
    rows = {k: Row(k) for k in keys}
    print(
        f"{len(items)} pages ({', '.join(CAPTURES)}) from {len({i.case for i in items})} cases; "
        f"{cores} usable cores, {workers} workers x {threads} threads; {args.runs} runs",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="intake-bench-") as tmp:
        cases = cut_down_cases(items, Path(tmp) / "cases")
        for run in range(args.runs):
            order = keys[run % len(keys) :] + keys[: run % len(keys)]
            for k in order:
                kind, name = k.split(":")
                home = Path(tempfile.mkdtemp(prefix="home-", dir=tmp))  # cold cache, empty register
                if kind == "raw":
                    m = run_raw(name, items, workers, threads, home, score=run == 0)
                elif kind == "base":
                    assert args.baseline is not None, "base: rows need --baseline TREE"
                    m = run_baseline(
                        args.baseline, name, args.limit, Path(tmp) / "cases", workers, threads, home, run == 0
                    )
                else:
                    m = run_pipe(name, items, cases, workers, threads, home, score=run == 0)
                rows[k].runs.append(m)
                print(f"  run {run + 1} {k:15s} {m.seconds:7.1f} s  rss {m.rss_mb:6.0f} MB", flush=True)
                shutil.rmtree(home, ignore_errors=True)

    n = len(items)
    print()
    print(
        f"{'row':15s} {'s/page':>7s} {'pages/s/core':>12s} {'fields':>16s} {'pipe/raw':>8s} "
        f"{'peak RSS/worker':>15s} {'runs (s)':>24s}"
    )
    out: dict[str, Any] = {"pages": n, "workers": workers, "threads": threads, "rows": {}}
    for k in keys:
        r = rows[k]
        med = r.median
        f = r.runs[0].fields
        acc = f"{100 * f[0] / f[1]:.1f}% ({f[0]}/{f[1]})" if f and f[1] else "-"
        ratio = "-"
        kind, name = k.split(":")
        if kind in ("pipe", "base") and f"raw:{name}" in rows:
            ratio = f"{rows[f'raw:{name}'].median / med:.2f}x"
        rss = max(m.rss_mb for m in r.runs)
        runs = ", ".join(f"{m.seconds:.1f}" for m in r.runs)
        print(
            f"{k:15s} {med / n:7.3f} {n / med / cores:12.3f} {acc:>16s} {ratio:>8s} {rss:12.0f} MB {runs:>24s}"
        )
        out["rows"][k] = {
            "median_s": med,
            "s_per_page": med / n,
            "pages_per_s_per_core": n / med / cores,
            "fields": f,
            "pipe_over_raw": ratio,
            "peak_rss_mb": rss,
            "runs_s": [m.seconds for m in r.runs],
        }
    for ref in ("base:rapidocr", "pipe:rapidocr"):
        base = rows.get(ref)
        if base:
            for k in keys:
                if k.startswith("pipe:") and k != ref:
                    print(f"throughput {k} / {ref} = {base.median / rows[k].median:.2f}x")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
