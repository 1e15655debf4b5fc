"""CLI: ``intake samples generate`` (the synthetic corpus) and ``intake evaluate`` (score the pipeline on it)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

samples_app = typer.Typer(help="Synthetic sample materials and labelled sample cases.", no_args_is_help=True)
err = Console(stderr=True)


@samples_app.command("generate")
def generate(
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Folder for the case folders (enrollment.csv goes next to a 'cases' folder)."
        ),
    ],
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same bytes.")] = 2024,
    only: Annotated[list[str] | None, typer.Option("--only", help="Case keys to build (repeatable).")] = None,
) -> None:
    """Render the labelled sample corpus: case.json + materials + expected.json per case, and enrollment.csv."""
    from samples.generator.build import build_corpus

    t0 = time.time()
    built = build_corpus(out, seed, set(only) if only else None)
    size = sum(b.bytes for b in built)
    err.print(
        f"{len(built)} cases, {sum(b.materials for b in built)} files, {size / 1e6:.1f} MB in {time.time() - t0:.0f} s -> {out}"
    )


@samples_app.command("gallery")
def gallery(
    out: Annotated[Path, typer.Option("--out", help="Folder for one clean render of every type and layout.")],
    seed: Annotated[int, typer.Option("--seed")] = 2024,
) -> None:
    """One clean render (PNG) + ground truth (JSON) of every document type and layout."""
    from samples.generator.gallery import render_gallery

    n = render_gallery(out, seed)
    err.print(f"{n} renders -> {out}")


@samples_app.command("record-ocr")
def record_ocr(
    cases_dir: Annotated[Path, typer.Argument(help="Folder holding the sample case folders.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the recordings (one JSON per case).")] = Path(
        "samples/ocr"
    ),
    match: Annotated[
        str | None, typer.Option("--match", help="Only case folders whose name contains this.")
    ] = None,
    rows_out: Annotated[
        Path | None,
        typer.Option("--rows-out", help="Also write the per-case results of this real run (JSON)."),
    ] = None,
    missing_only: Annotated[
        bool, typer.Option("--missing-only", help="Only cases without a recording yet (resume a run).")
    ] = False,
    shard: Annotated[
        str | None, typer.Option("--shard", help="K/N: only every N-th case from the K-th (parallel runs).")
    ] = None,
) -> None:
    """Run the REAL OCR engine over every case and record each call it makes, for the recorded engine."""
    from pipeline.config import get_settings
    from pipeline.ocr.base import get_engine, install_engine
    from pipeline.ocr.recorded import RecordingOcrEngine, dump_recording
    from samples.evaluate import evaluate, labelled_cases

    settings = get_settings()
    if settings.ocr_engine == "recorded":
        err.print("record-ocr needs a real engine: unset INTAKE_OCR_ENGINE=recorded")
        raise typer.Exit(2)
    if not cases_dir.is_dir():
        err.print(f"not a folder: {cases_dir}")
        raise typer.Exit(2)
    # in-process (every engine call is seen here, case by case) and no cache (a hit skips the engine)
    settings = settings.model_copy(update={"workers": 1, "ocr_cache": False})
    real = get_engine(settings)
    rec = RecordingOcrEngine(real)
    install_engine(settings, rec)
    cases = [c for c in labelled_cases(cases_dir) if not match or match in c.name]
    if missing_only:
        cases = [c for c in cases if not (out / f"{c.name}.json").is_file()]
    if shard:
        k, n = (int(x) for x in shard.split("/"))
        cases = cases[k::n]
    chosen = {c.name for c in cases}
    if not match and not missing_only and not shard:  # a full run replaces the folder's recordings
        for stale in out.glob("*.json"):
            stale.unlink()
    rec.take()
    t0 = time.time()
    stats = {"n": 0, "calls": 0, "bytes": 0}

    def on_case(case_id: str, rep: dict[str, Any] | None, dt: float) -> None:
        calls = rec.take()
        stats["n"] += 1
        stats["calls"] += len(calls)
        stats["bytes"] += dump_recording(out / f"{case_id}.json", real.name, real.version, calls)
        d = rep.get("decision") if rep else "error"
        err.print(
            f"[{stats['n']}/{len(cases)}] {case_id} {d} {len(calls)} calls ({dt:.1f} s)", highlight=False
        )

    _, rows = evaluate(cases_dir, settings=settings, on_case=on_case, only=lambda p: p.name in chosen)
    if rows_out:
        rows_out.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    err.print(
        f"{stats['n']} cases, {stats['calls']} OCR calls, {stats['bytes'] / 1e6:.2f} MB "
        f"in {time.time() - t0:.0f} s -> {out}"
    )


@samples_app.command("golden")
def golden_cmd(
    cases_dir: Annotated[Path | None, typer.Argument(help="Labelled cases (default: samples/cases).")] = None,
    update: Annotated[
        bool, typer.Option("--update", help="Rewrite samples/golden/known_differences.json from this run.")
    ] = False,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes.")] = 2,
) -> None:
    """The golden gate without OCR: every sample case with the recorded OCR engine vs expected.json."""
    from samples.golden import CASES, compare, load_known, run_golden, save_known

    run = run_golden(cases_dir or CASES, workers=workers)
    got = run.differences()
    verdict = compare(load_known(), got, len(run.expected))
    if update:
        save_known(got, run.keys())
        err.print(f"{len(got)} known differences written ({len(run.expected)} cases, {run.seconds:.0f} s)")
        return
    print(verdict.report())
    err.print(f"{run.seconds:.0f} s wall, {run.cpu_seconds:.0f} s CPU")
    if not verdict.ok:
        raise typer.Exit(1)


def evaluate_cmd(
    cases_dir: Annotated[Path, typer.Argument(help="Folder holding case folders with expected.json.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON on stdout.")] = False,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write metrics and per-case results (JSON).")
    ] = None,
    enrollment: Annotated[
        str | None,
        typer.Option(
            "--enrollment", help="Enrollment source; default: the enrollment.csv next to the cases."
        ),
    ] = None,
    match: Annotated[
        str | None, typer.Option("--match", help="Only case folders whose name contains this.")
    ] = None,
    keep_register: Annotated[
        bool,
        typer.Option("--keep-register", help="Use the configured invoice register instead of a fresh one."),
    ] = False,
) -> None:
    """Run the pipeline over labelled cases and report accuracy (decisions, flags, types, fields)."""
    from samples.evaluate import evaluate, labelled_cases, print_metrics

    if not cases_dir.is_dir():
        err.print(f"not a folder: {cases_dir}")
        raise typer.Exit(2)
    total = len([c for c in labelled_cases(cases_dir) if not match or match in c.name])
    done = {"n": 0}

    def progress(case_id: str, rep: dict[str, Any] | None, dt: float) -> None:
        done["n"] += 1
        d = rep.get("decision") if rep else "error"
        err.print(f"[{done['n']}/{total}] {case_id} {d} ({dt:.1f} s)", highlight=False)

    metrics, rows = evaluate(
        cases_dir,
        enrollment=enrollment,
        fresh_register=not keep_register,
        on_case=progress,
        only=(lambda p: match in p.name) if match else None,
    )
    payload = {"summary": metrics.to_json(), "cases": rows}
    if out_file:
        out_file.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if as_json:
        sys.stdout.write(json.dumps(metrics.to_json(), ensure_ascii=False) + "\n")
    else:
        print_metrics(metrics)


def register(app: typer.Typer) -> None:
    app.add_typer(samples_app, name="samples")
    app.command("evaluate")(evaluate_cmd)
