"""``intake models prepare-paddle``: the paddle OCR engine's models, converted offline from the ONNX
models inside the rapidocr wheel and checked against ONNX Runtime (pipeline/ocr/paddle_models.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from pipeline.config import get_settings

models_app = typer.Typer(help="Local OCR models (nothing is ever downloaded).")


@models_app.command("prepare-paddle")
def prepare_paddle(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Where to put the model folders (default: INTAKE_HOME/models/paddle, where the engine looks).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Convert again even if up to date.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Convert PP-OCRv6 small detection + recognition from the rapidocr wheel into PaddleX model
    folders for INTAKE_OCR_ENGINE=paddle, offline, and check them against ONNX Runtime. Needs the
    paddle extra (make paddle-venv)."""
    from pipeline.ocr.paddle import models_root
    from pipeline.ocr.paddle_models import prepare

    settings = get_settings()
    target = out if out is not None else models_root(settings)
    res = prepare(target, force=force, progress=None if as_json else lambda m: typer.echo(m, err=True))
    if as_json:
        payload = {
            "out": str(res.out),
            "det": str(res.det),
            "rec": str(res.rec),
            "reused": res.reused,
            "seconds": round(res.seconds, 1),
            "check": res.check,
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    c = res.check
    state = "up to date" if res.reused else f"converted in {res.seconds:.0f} s"
    typer.echo(
        f"{res.det}\n{res.rec}\n{state}; checked against ONNX Runtime: detection max diff "
        f"{c.get('det_max_diff', float('nan')):.1e}, recognition {c.get('rec_max_diff', float('nan')):.1e}, "
        f"text {'identical' if c.get('texts_onnx') == c.get('texts_paddle') else 'DIFFERENT'}"
    )
    if out is not None and out != models_root(settings):
        typer.echo(
            f"use them with INTAKE_PADDLE_DET_MODEL_DIR={res.det} INTAKE_PADDLE_REC_MODEL_DIR={res.rec}"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")
