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
    from pipeline.evaluate import evaluate, labelled_cases, print_metrics

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
