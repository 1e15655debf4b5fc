"""``intake storage check``: can this configuration reach the case storage, its bucket, and write?"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from pipeline.config import get_settings
from pipeline.errors import ExitCode

storage_app = typer.Typer(
    name="storage",
    help="The case storage of the flows (a local folder or an S3 bucket).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@storage_app.command("check")
def check(
    as_json: Annotated[bool, typer.Option("--json", help="Print the steps as JSON.")] = False,
) -> None:
    """Verify access (endpoint and credentials), the bucket, and write permission (an object is
    written, read back and deleted). Exit 0 when all pass, 4 when the storage is unreachable or
    refuses, 3 when the configuration itself is wrong."""
    import logging

    from flows.storage import check_access, get_storage

    if logging.getLogger().level > logging.INFO:  # urllib3's retry warnings are noise here; -v shows them
        logging.getLogger("urllib3").setLevel(logging.ERROR)
    storage = get_storage(get_settings())  # ConfigError (exit 3) for missing credentials, a bad URL
    steps = check_access(storage)
    ok = all(passed for _, passed, _ in steps)
    if as_json:
        payload = {
            "storage": storage.describe(),
            "ok": ok,
            "steps": [{"step": s, "ok": p, "detail": d} for s, p, d in steps],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for step, passed, detail in steps:
            typer.echo(f"{'ok  ' if passed else 'FAIL'} {step:<12} {detail}", err=not passed)
    if not ok:
        raise typer.Exit(ExitCode.UNAVAILABLE)


def register(app: typer.Typer) -> None:
    app.add_typer(storage_app, name="storage")
