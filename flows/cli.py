"""CLI for the Prefect flows and the case storage: ``intake serve-flows`` and ``intake flows ...``."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from pipeline.config import get_settings

flows_app = typer.Typer(
    name="flows",
    help="Prefect flows over the case storage (local folder or S3/MinIO): batch, one case, pending list.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

PrefixOpt = Annotated[
    str | None,
    typer.Option("--prefix", help="Case keys starting with this (default: INTAKE_S3_PREFIX, 'incoming/')."),
]
EnrollmentOpt = Annotated[
    str | None, typer.Option("--enrollment", help="Enrollment data: a CSV file or a database URL.")
]


def _local_prefect_defaults() -> None:
    # Without PREFECT_API_URL, Prefect starts a temporary server; on a busy machine it needs time.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def _use_enrollment(source: str | None) -> None:
    # Not a flow parameter (a database URL may carry a password): the flows read it from settings.
    if source is not None:
        os.environ["INTAKE_ENROLLMENT_URL"] = source
        get_settings.cache_clear()


def serve_flows_cmd(
    prefix: PrefixOpt = None,
    concurrency: Annotated[int | None, typer.Option(help="Cases in flight per batch run.")] = None,
    limit: Annotated[int | None, typer.Option(help="Flow runs at once in this process.")] = None,
    cron: Annotated[str, typer.Option(help="Schedule of the nightly batch (Asia/Shanghai).")] = "0 1 * * *",
) -> None:
    """Serve the nightly batch (cron, 01:00 Asia/Shanghai) and the on-demand one-case flow.

    Needs a Prefect server (PREFECT_API_URL); see docs/flows.md."""
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        typer.echo(
            "error: schedules need a Prefect server: start one (`prefect server start`) and set "
            "PREFECT_API_URL, e.g. http://127.0.0.1:4200/api",
            err=True,
        )
        raise typer.Exit(2)
    from flows.deployments import serve_flows

    serve_flows(prefix=prefix, concurrency=concurrency, limit=limit, cron=cron)


@flows_app.command("run-batch")
def run_batch(
    prefix: PrefixOpt = None,
    date: Annotated[str | None, typer.Option(help="Only incoming/<DATE>/ (YYYY-MM-DD).")] = None,
    concurrency: Annotated[int | None, typer.Option(help="Cases in flight (default 4).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Redo cases whose inputs did not change.")] = False,
    enrollment: EnrollmentOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Run the nightly batch flow once, now, in this process (a temporary Prefect server without
    PREFECT_API_URL). Exit 1 when a case failed (it stays pending for the next run)."""
    _use_enrollment(enrollment)
    _local_prefect_defaults()
    from flows.core import BatchSummary
    from flows.intake_flows import nightly_batch

    result = nightly_batch(prefix=prefix, date=date, concurrency=concurrency, force=force)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        s = BatchSummary(prefix=result["prefix"], total=result["total"], seconds=result["seconds"])
        s.by_status.update(result["by_status"])
        s.by_decision.update(result["by_decision"])
        s.by_flag.update(result["by_flag"])
        s.cases_by_flag.update(result["cases_by_flag"])
        s.slowest = [(r["key"], r["case_id"], r["seconds"]) for r in result["slowest"]]
        s.failed = [(r["key"], r["error"]) for r in result["failed"]]
        typer.echo(s.markdown())
    if result["by_status"].get("failed"):
        raise typer.Exit(1)


@flows_app.command("run-case")
def run_case_cmd(
    key: Annotated[str, typer.Argument(help="Case key, e.g. incoming/2026-11-25/XJ-2024-000123.")],
    force: Annotated[bool, typer.Option("--force", help="Redo even if the inputs did not change.")] = False,
    enrollment: EnrollmentOpt = None,
) -> None:
    """Run the one-case flow now; the report goes beside the case in storage."""
    _use_enrollment(enrollment)
    _local_prefect_defaults()
    from flows.intake_flows import process_case

    typer.echo(json.dumps(process_case(key=key, force=force), ensure_ascii=False, indent=2))


@flows_app.command("pending")
def pending(prefix: PrefixOpt = None) -> None:
    """List case keys whose inputs changed since they were last processed (no Prefect needed)."""
    from flows.core import select_pending
    from flows.storage import get_storage

    s = get_settings()
    for key in select_pending(get_storage(s), prefix if prefix is not None else s.s3_prefix):
        typer.echo(key)


@flows_app.command("upload")
def upload(
    case_dir: Annotated[Path, typer.Argument(help="A local case folder (with case.json).")],
    key: Annotated[str | None, typer.Option(help="Case key (default: <prefix><today>/<case_id>).")] = None,
) -> None:
    """Put a local case folder into the configured storage as originals (with checksums)."""
    from flows.storage import S3Storage, get_storage

    s = get_settings()
    if not (case_dir / "case.json").is_file():
        typer.echo(f"error: no case.json in {case_dir}", err=True)
        raise typer.Exit(2)
    if key is None:
        try:
            case_id = json.loads((case_dir / "case.json").read_text("utf-8-sig"))["case_id"]
        except (ValueError, KeyError, TypeError):
            typer.echo("error: case.json has no readable case_id; pass --key", err=True)
            raise typer.Exit(2) from None
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
        key = f"{s.s3_prefix.rstrip('/')}/{today}/{case_id}"
    storage = get_storage(s)
    if isinstance(storage, S3Storage):
        storage.ensure_bucket()
    names = storage.put_case(key, case_dir)
    typer.echo(f"{key}: {len(names)} files", file=sys.stdout)


def register(app: typer.Typer) -> None:
    from flows import storage_cli

    app.command("serve-flows")(serve_flows_cmd)
    app.add_typer(flows_app, name="flows")
    storage_cli.register(app)
