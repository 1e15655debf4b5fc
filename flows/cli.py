"""CLI for the Prefect flows and the case storage: ``intake serve-flows`` and ``intake flows ...``."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from flows.worklist import check_prefix, date_prefix, parse_date
from pipeline.config import get_settings
from pipeline.errors import UsageError
from pipeline.ocr import check_engine

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
    """Say where the flows go (the project's Prefect defaults are set in :mod:`flows`)."""
    url = os.environ.get("PREFECT_API_URL")
    if url:
        from urllib.parse import urlsplit

        u = urlsplit(url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise UsageError(f"PREFECT_API_URL must be a URL like http://127.0.0.1:4200/api; got {url!r}")
        where = f"Prefect server at {u.scheme}://{u.hostname}{f':{u.port}' if u.port else ''}{u.path}"
    else:
        where = "a temporary local Prefect server (set PREFECT_API_URL to use yours)"
    if logging.getLogger().level <= logging.WARNING:
        typer.echo(f"flows run on {where}", err=True)


def _quiet_temporary_server() -> None:
    """Prefect announces its temporary server at INFO on the ``prefect`` logger itself; the flow and
    task run loggers (children) keep theirs. A filter on a logger sees only its own records."""
    if not os.environ.get("PREFECT_API_URL") and logging.getLogger().level > logging.DEBUG:
        logging.getLogger("prefect").addFilter(lambda r: r.levelno >= logging.WARNING)


def _positive(value: int | None, option: str) -> int | None:
    if value is not None and value < 1:
        raise UsageError(f"{option} must be at least 1; got {value}")
    return value


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


@flows_app.command("deploy")
def deploy_cmd(
    pool: Annotated[
        str, typer.Option(help="The work pool (type process) whose workers run the flows.")
    ] = "intake",
    prefix: PrefixOpt = None,
    concurrency: Annotated[int | None, typer.Option(help="Cases in flight per batch run.")] = None,
    cron: Annotated[str, typer.Option(help="Schedule of the nightly batch (Asia/Shanghai).")] = "0 1 * * *",
    as_json: Annotated[bool, typer.Option("--json", help="Print the deployment ids as JSON.")] = False,
) -> None:
    """Register the nightly and on-demand deployments with a work pool (for `prefect worker start
    --pool POOL`); needs PREFECT_API_URL. See deploy/ and docs/operations.md."""
    check_prefix(prefix)
    _positive(concurrency, "--concurrency")
    if not os.environ.get("PREFECT_API_URL"):
        raise UsageError(
            "deployments need a Prefect server: set PREFECT_API_URL, e.g. http://127.0.0.1:4200/api"
        )
    _local_prefect_defaults()
    from flows.deployments import deploy_to_pool

    ids = deploy_to_pool(pool, prefix=prefix, concurrency=concurrency, cron=cron)
    typer.echo(
        json.dumps({"pool": pool, "deployments": ids})
        if as_json
        else f"{len(ids)} deployments on pool {pool}"
    )


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
    PREFECT_API_URL). Exit 5 when a case failed (it stays pending for the next run)."""
    # every argument is checked before any server or pool starts
    date = parse_date(date)
    check_prefix(prefix)
    _positive(concurrency, "--concurrency")
    from flows.storage import get_storage

    get_storage(get_settings())  # a configuration error (settings, S3 credentials, URL) ends here
    check_engine(get_settings())  # so does an OCR engine that cannot load: no case is touched
    _use_enrollment(enrollment)
    _local_prefect_defaults()
    from flows.core import BatchSummary
    from flows.intake_flows import nightly_batch
    from flows.worklist import WorkItem
    from pipeline.errors import ExitCode

    _quiet_temporary_server()

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
        s.work = [WorkItem(**w) for w in result.get("worklist", [])]
        typer.echo(s.markdown())
    if result["by_status"].get("failed"):
        raise typer.Exit(ExitCode.PARTIAL)


@flows_app.command("run-case")
def run_case_cmd(
    key: Annotated[str, typer.Argument(help="Case key, e.g. incoming/2026-11-25/XJ-2024-000123.")],
    force: Annotated[bool, typer.Option("--force", help="Redo even if the inputs did not change.")] = False,
    enrollment: EnrollmentOpt = None,
) -> None:
    """Run the one-case flow now; the report goes beside the case in storage."""
    from flows.storage import check_key

    check_key(key)  # an unusable key ends here, before any server starts
    check_engine(get_settings())
    _use_enrollment(enrollment)
    _local_prefect_defaults()
    from flows.intake_flows import process_case

    _quiet_temporary_server()
    typer.echo(json.dumps(process_case(key=key, force=force), ensure_ascii=False, indent=2))


JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
DateOpt = Annotated[str | None, typer.Option(help="Only incoming/<DATE>/ (YYYY-MM-DD).")]


def _prefix_of(prefix: str | None, date: str | None) -> str:
    day = parse_date(date)
    if prefix is not None:
        return check_prefix(prefix) or ""
    return date_prefix(get_settings().s3_prefix, day)


@flows_app.command("pending")
def pending(prefix: PrefixOpt = None, date: DateOpt = None, as_json: JsonOpt = False) -> None:
    """List case keys whose inputs changed since they were last processed (no Prefect needed)."""
    from flows.core import select_pending
    from flows.storage import get_storage

    pfx = _prefix_of(prefix, date)
    keys = select_pending(get_storage(get_settings()), pfx)
    if as_json:
        typer.echo(json.dumps({"prefix": pfx, "pending": keys}, ensure_ascii=False, indent=2))
        return
    for key in keys:
        typer.echo(key)


@flows_app.command("worklist")
def worklist_cmd(prefix: PrefixOpt = None, date: DateOpt = None, as_json: JsonOpt = False) -> None:
    """The cases to return and to review, with their flag codes (from the last processing of each
    case; no names, no ID numbers; no Prefect needed)."""
    from flows.storage import get_storage
    from flows.worklist import worklist

    pfx = _prefix_of(prefix, date)
    items = worklist(get_storage(get_settings()), pfx)
    if as_json:
        payload = {"prefix": pfx, "cases": [w.to_dict() for w in items]}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if not items:
        typer.echo(f"nothing to review or return under {pfx or '/'}")
        return
    width = max(len(w.case_id) for w in items)
    for w in items:
        typer.echo(f"{w.decision:<7} {w.case_id:<{width}}  {' '.join(w.flags) or '-'}")


@flows_app.command("upload")
def upload(
    case_dir: Annotated[Path, typer.Argument(help="A local case folder (with case.json).")],
    key: Annotated[str | None, typer.Option(help="Case key (default: <prefix><today>/<case_id>).")] = None,
    as_json: JsonOpt = False,
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
    if as_json:
        typer.echo(json.dumps({"key": key, "files": names}, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{key}: {len(names)} files", file=sys.stdout)


def register(app: typer.Typer) -> None:
    from flows import storage_cli

    app.command("serve-flows")(serve_flows_cmd)
    app.add_typer(flows_app, name="flows")
    storage_cli.register(app)
