"""Throughput of the Prefect batch flow vs the plain batch (``intake batch``'s loop) on the same cases.

    .venv/bin/python bench/flows_throughput.py [--cases samples/cases] [--limit 8] [--runs 3]

Each measured run is a fresh subprocess with a fresh ``INTAKE_HOME`` (so no run profits from another's
OCR cache or invoice register: every run is cold, equally) and, for Prefect, a fresh storage copy of the
cases (so nothing is skipped as already done) and a fresh ``PREFECT_HOME``.

- plain:   ``CaseRunner.run_many`` over the case folders, one JSON line per case to a file: exactly what
           ``intake batch ROOT --out FILE`` does, minus the progress bar.
- prefect: ``nightly_batch`` over a local storage holding the same cases: pending selection, one task
           per case (fetch to a temp folder, run, write report + state back), summary artifact. The
           temporary Prefect server is started (and the flow warmed on an empty prefix) before timing:
           a production server is already running.

Both time from before the pipeline runner is created (worker pool start and model load included) to
the last case written. Prints cases/s per run, the medians and the ratio prefect/plain (target >= 0.85).
Without ``--cases`` and without ``samples/cases``, it renders small synthetic cases (image pages: OCR).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATE = "2026-11-25"


# --------------------------------------------------------------------------- children


def child_plain(cases: Path, out: Path) -> dict[str, float]:
    from pipeline.app.wiring import build_runner
    from pipeline.config import get_settings
    from pipeline.models import CaseError
    from pipeline.runner import broken_case_report, find_cases

    dirs = find_cases(cases)
    t0 = time.perf_counter()
    n = 0
    with build_runner(get_settings()) as runner, out.open("w", encoding="utf-8") as sink:
        for case_dir, result in runner.run_many(dirs):
            line = broken_case_report(case_dir, result) if isinstance(result, CaseError) else result.to_json()
            sink.write(json.dumps(line, ensure_ascii=False) + "\n")
            n += 1
    return {"seconds": time.perf_counter() - t0, "cases": n}


def child_prefect(root: Path, concurrency: int) -> dict[str, float]:
    os.environ["INTAKE_STORAGE"] = "local"
    os.environ["INTAKE_STORAGE_ROOT"] = str(root)
    from flows.intake_flows import nightly_batch

    nightly_batch(prefix="warmup-nothing-here/")  # starts the temporary server, warms the engine
    t0 = time.perf_counter()
    summary = nightly_batch(prefix="incoming/", concurrency=concurrency)
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "cases": summary["by_status"].get("done", 0) + summary["by_status"].get("invalid", 0),
    }


# --------------------------------------------------------------------------- corpus


def synthetic_cases(dest: Path, n: int) -> Path:
    sys.path.insert(0, str(REPO))
    from tests.rendering import render_lines, text_pdf

    for i in range(n):
        d = dest / f"BENCH-{i:03d}"
        d.mkdir(parents=True)
        render_lines(["出院记录", "姓名：张伟明", f"住院号：{100000 + i}", "入院日期：2024年01月05日"]).save(
            d / "discharge.jpg", quality=90
        )
        render_lines(["住院费用清单", "医院：舟山医院", f"合计：{2000 + i}.50"]).save(
            d / "list.jpg", quality=90
        )
        text_pdf(d / "invoice.pdf", ["医疗收费电子票据", "交款人：张伟明", f"合计（小写）：{2000 + i}.50"])
        case = {
            "case_id": f"BENCH-{i:03d}",
            "service": "reimburse.inpatient",
            "region": "xinjiang",
            "submitted_on": "2024-03-05",
            "applicant": {"name": "张伟明", "id_number": "420802198503121234", "ssc_number": None},
            "filing": {},
            "materials": [
                {"file": "discharge.jpg", "declared_type": "discharge_record"},
                {"file": "list.jpg", "declared_type": "expense_list"},
                {"file": "invoice.pdf", "declared_type": "medical_invoice"},
            ],
        }
        (d / "case.json").write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    return dest


def pick_cases(src: Path, dest: Path, limit: int) -> list[Path]:
    found = sorted({p.parent for p in src.rglob("case.json")})[:limit]
    out = []
    for d in found:
        target = dest / d.name
        shutil.copytree(d, target, ignore=shutil.ignore_patterns("expected.json", "report.json", ".intake*"))
        out.append(target)
    return out


def storage_copy(cases: list[Path], root: Path) -> None:
    for d in cases:
        shutil.copytree(d, root / "incoming" / DATE / d.name)


# --------------------------------------------------------------------------- driver


def run_child(args: list[str], env: dict[str, str]) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=3600
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-3000:])
        raise SystemExit(f"child {args[:2]} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=Path, default=REPO / "samples" / "cases")
    ap.add_argument("--limit", type=int, default=8, help="number of cases")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument(
        "--concurrency", type=int, default=4, help="Prefect cases in flight (run_many's window is 4)"
    )
    ap.add_argument("--child", choices=["plain", "prefect"], help=argparse.SUPPRESS)
    ap.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child == "plain":
        print(json.dumps(child_plain(args.root, Path(os.environ["INTAKE_HOME"]) / "out.jsonl")))
        return 0
    if args.child == "prefect":
        print(json.dumps(child_prefect(args.root, args.concurrency)))
        return 0

    work = Path(tempfile.mkdtemp(prefix="intake-bench-flows-"))
    try:
        corpus = work / "cases"
        corpus.mkdir()
        if args.cases.is_dir() and any(args.cases.rglob("case.json")):
            cases = pick_cases(args.cases, corpus, args.limit)
            origin = str(args.cases)
        else:
            synthetic_cases(corpus, args.limit)
            cases = sorted(corpus.iterdir())
            origin = "synthetic (2 image pages + 1 text PDF per case)"
        print(
            f"{len(cases)} cases from {origin}; {args.runs} runs each; fresh INTAKE_HOME per run (cold OCR cache)"
        )
        base_env = {k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_HOME", "PREFECT_"))}
        base_env.update(
            DO_NOT_TRACK="1",
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180",
            PYTHONPATH=str(REPO),
        )
        results: dict[str, list[float]] = {"plain": [], "prefect": []}
        for r in range(args.runs):
            for mode in ("plain", "prefect") if r % 2 == 0 else ("prefect", "plain"):
                run_dir = work / f"run-{r}-{mode}"
                env = dict(base_env, INTAKE_HOME=str(run_dir / "home"), PREFECT_HOME=str(run_dir / "prefect"))
                if mode == "plain":
                    res = run_child(["--child", "plain", "--root", str(corpus)], env)
                else:
                    root = run_dir / "storage"
                    storage_copy(cases, root)
                    res = run_child(
                        ["--child", "prefect", "--root", str(root), "--concurrency", str(args.concurrency)],
                        env,
                    )
                if res["cases"] != len(cases):
                    raise SystemExit(f"{mode} run {r}: {res['cases']} of {len(cases)} cases processed")
                rate = res["cases"] / res["seconds"]
                results[mode].append(rate)
                print(f"run {r} {mode:8s} {res['seconds']:7.2f} s  {rate:6.3f} cases/s", flush=True)
        plain = statistics.median(results["plain"])
        pref = statistics.median(results["prefect"])
        print(f"median plain   {plain:.3f} cases/s")
        print(f"median prefect {pref:.3f} cases/s")
        print(f"ratio prefect/plain {pref / plain:.3f} (target >= 0.85)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
