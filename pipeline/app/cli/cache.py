"""``intake cache purge``: remove expired (or all) OCR cache entries; their text is overwritten."""

from __future__ import annotations

from typing import Annotated

import typer

from pipeline.config import get_settings

cache_app = typer.Typer(help="The OCR cache under INTAKE_HOME (it holds the text read from cards).")


@cache_app.command("purge")
def purge(
    everything: Annotated[
        bool, typer.Option("--all", help="Remove every entry, not only expired ones.")
    ] = False,
) -> None:
    """Remove OCR cache entries older than INTAKE_OCR_CACHE_DAYS (or all of them with --all)."""
    from pipeline.ocr.base import OcrCache

    settings = get_settings()
    path = settings.cache_dir / "ocr.sqlite"
    if not path.exists():
        typer.echo("0 entries removed (no cache)")
        return
    n = OcrCache(path, max_age_days=settings.ocr_cache_days).purge(everything=everything)
    typer.echo(f"{n} entries removed")


def register(app: typer.Typer) -> None:
    app.add_typer(cache_app, name="cache")
