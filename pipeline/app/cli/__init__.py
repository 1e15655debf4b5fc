"""The ``intake`` command line (typer + rich)."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline import __version__
from pipeline.app.cli.base import IntakeTyper
from pipeline.config import get_settings
from pipeline.models import CaseError, Report
from pipeline.pii import install_log_redaction, redact
from pipeline.safety import printable, utf8_name

app = IntakeTyper(
    name="intake",
    help="Checks the materials of medical-insurance filings and flags why a filing would fail.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_show_locals=False,  # locals may hold personal data
)
err = Console(stderr=True)
out = Console()

DECISION_STYLE = {"pass": "green", "review": "yellow", "return": "red"}
SEVERITY_STYLE = {"blocker": "red", "warning": "yellow", "info": "cyan"}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"intake {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log progress to stderr; tracebacks on errors.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors on stderr.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.ERROR if quiet else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    install_log_redaction()
    # each invocation reads INTAKE_* afresh: in one process (tests, a program embedding the CLI) an
    # earlier caller's cached settings would send this command to another home
    get_settings.cache_clear()


def _safe(text: str) -> str:
    """For a terminal: control characters shown as escapes, Rich markup shown as text."""
    return escape(printable(text))


def _print_summary(report: Report) -> None:
    d = report.decision.value
    out.print(
        f"[bold]{_safe(report.case_id)}[/]  {report.service}  region={report.region}  "
        f"decision: [bold {DECISION_STYLE[d]}]{d}[/]  ({report.seconds:.1f} s)"
    )
    mt = Table(title="Materials", show_lines=False)
    for col in ("file", "declared", "detected", "fields read", "seals", "blur", "glare", "cut off"):
        mt.add_column(col)
    for m in report.materials:
        n_fields = len(m.document.fields) if m.document else 0
        mt.add_row(
            _safe(m.file),
            m.declared_type.value if m.declared_type else "-",
            f"{m.detected_type.value} ({m.type_confidence:.2f})",
            str(n_fields),
            str(m.quality.seal_count),
            f"{m.quality.blur:.2f}",
            f"{m.quality.glare:.2f}",
            "yes" if m.quality.incomplete else "no",
        )
    out.print(mt)
    if not report.flags:
        out.print("[green]No findings.[/]")
        return
    ft = Table(title="Findings")
    for col in ("severity", "code", "material", "message"):
        ft.add_column(col, overflow="fold")
    for f in report.flags:
        ft.add_row(
            f"[{SEVERITY_STYLE[f.severity.value]}]{f.severity.value}[/]",
            _safe(f.code),
            _safe(f.material or "-"),
            _safe(redact(f.message)),
        )
    out.print(ft)


@app.command()
def check(
    case_dir: Annotated[Path, typer.Argument(help="A case folder holding case.json and the materials.")],
    enrollment: Annotated[
        str | None, typer.Option("--enrollment", help="Enrollment data: a CSV file or a database URL.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write one self-contained HTML page (owner-only).")
    ] = None,
) -> None:
    """Check one case. Exits 0 whatever the verdict; 2 when the case folder cannot be used."""
    from pipeline.app.wiring import run_case
    from pipeline.ocr import check_engine

    check_engine(get_settings())  # a misconfigured OCR engine: one line, exit 3, before the case
    try:
        report = run_case(case_dir, get_settings(), enrollment=enrollment)
    except CaseError as e:
        err.print(f"error: {printable(redact(str(e)))}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except Exception as e:  # one line, never a traceback, whatever went wrong with this case
        logging.getLogger(__name__).debug("check failed", exc_info=True)
        err.print(
            f"error: checking the case failed: {type(e).__name__}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(2) from None
    if as_json:
        text = json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n"
        sys.stdout.flush()
        sys.stdout.buffer.write(utf8_name(text).encode("utf-8", "backslashreplace"))
        sys.stdout.flush()
    else:
        from pipeline.app.cli.readable import print_details

        _print_summary(report)
        print_details(report, out)
    if html:
        from pipeline.app.html_report import render_html, write_html

        write_html(html, render_html(report, case_dir, get_settings()))


@app.command()
def batch(
    root: Annotated[
        Path, typer.Argument(help="A folder; every folder under it holding case.json is a case.")
    ],
    enrollment: Annotated[
        str | None, typer.Option("--enrollment", help="Enrollment data: a CSV file or a database URL.")
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write JSON Lines here instead of stdout.")
    ] = None,
    table: Annotated[
        bool, typer.Option("--table", help="Print a table of verdicts on stderr at the end.")
    ] = False,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", help="With --out: keep the lines of cases whose input is unchanged; check the rest."
        ),
    ] = False,
    record: Annotated[
        bool, typer.Option("--record/--no-record", help="Record the reports in the case store (the desk).")
    ] = True,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes (INTAKE_WORKERS).")
    ] = None,
) -> None:
    """Check every case under ROOT: one JSON report per line; one broken case never stops the others."""
    from pipeline.app.cli.batch_io import Sink, case_fingerprint, encode_line, previous_lines
    from pipeline.app.wiring import build_runner, report_recorder
    from pipeline.ocr import check_engine
    from pipeline.runner import broken_case_report, find_cases

    if not root.is_dir():
        err.print(f"error: not a folder: {printable(str(root))}", markup=False)
        raise typer.Exit(2)
    check_engine(get_settings())  # a misconfigured OCR engine: one line, exit 3, before any case
    cases = find_cases(root)
    fingerprints = {d: case_fingerprint(root, d) for d in cases}
    done = previous_lines(out_file) if (resume and out_file) else {}
    todo = [d for d in cases if fingerprints[d] not in done]
    try:
        sink = Sink(out_file, sys.stdout.buffer)
    except OSError as e:
        err.print(f"error: cannot write {printable(str(out_file))}: {e.strerror}", markup=False)
        raise typer.Exit(2) from None
    rows: list[tuple[str, str, str, float]] = []
    recorder = report_recorder(get_settings(), source="batch", batch=str(root)) if record else None
    try:
        for d in cases:
            if fingerprints[d] in done:
                sink.write(done[fingerprints[d]])
        settings = get_settings().model_copy(update={"workers": jobs}) if jobs else get_settings()
        with build_runner(settings, enrollment=enrollment) as runner:
            progress = Progress(
                TextColumn("[bold]checking"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
                console=err,
                transient=False,
            )
            with progress:
                task = progress.add_task("", total=len(todo))
                if len(todo) < len(cases):
                    err.print(f"resuming: {len(cases) - len(todo)} case(s) already reported", markup=False)
                for case_dir, result in runner.run_many(todo):
                    if isinstance(result, CaseError):
                        line = broken_case_report(case_dir, result)
                        line["case_id"] = utf8_name(str(line["case_id"]))
                        rows.append((line["case_id"], "review", "case folder unusable", 0.0))
                    else:
                        line = result.to_json()
                        codes = ", ".join(sorted({f.code for f in result.flags})) or "-"
                        rows.append((result.case_id, result.decision.value, codes, result.seconds))
                    line["input_fingerprint"] = fingerprints[case_dir]
                    sink.write(encode_line(line))
                    if recorder is not None:
                        recorder(line, case_dir)
                    progress.update(task, advance=1, description=escape(printable(case_dir.name)))
        sink.commit()
    except OSError as e:
        sink.close()
        where = printable(str(out_file)) if out_file else "stdout"
        err.print(
            f"error: cannot write the output to {where}: {e.strerror or type(e).__name__}"
            + (
                f" (lines so far kept in {printable(str(sink.partial))}; rerun with --resume)"
                if sink.partial
                else ""
            ),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1) from None
    finally:
        sink.close()
    if table:
        t = Table(title=f"{len(rows)} cases")
        for col in ("case", "decision", "flags", "seconds"):
            t.add_column(col, overflow="fold")
        for case_id, decision, codes, secs in rows:
            t.add_row(
                escape(printable(case_id)),
                f"[{DECISION_STYLE.get(decision, 'white')}]{decision}[/]",
                codes,
                f"{secs:.1f}",
            )
        err.print(t)


@app.command()
def ocr(
    file: Annotated[Path, typer.Argument(help="An image or PDF.")],
    as_json: Annotated[bool, typer.Option("--json", help="Lines as JSON.")] = False,
) -> None:
    """Print the text lines of a material with their confidences (for debugging a material)."""
    from pipeline.ingest import ingest
    from pipeline.ocr import check_engine
    from pipeline.runner import _read_pages

    settings = get_settings().model_copy(update={"workers": 1})
    check_engine(settings)
    ing = ingest(file, settings)
    if ing.error:
        err.print(f"unreadable: {ing.error}", markup=False)
        raise typer.Exit(1)
    pages = _read_pages(ing.pages, settings)
    if as_json:
        payload = [
            {
                "page": p.index,
                "source": p.source,
                "rotation": p.rotation,
                "lines": [
                    {
                        "text": ln.text,
                        "confidence": round(ln.confidence, 4),
                        "box": [round(v, 1) for v in ln.box],
                    }
                    for ln in p.lines
                ],
            }
            for p in pages
        ]
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    for p in pages:
        out.print(f"[bold]page {p.index + 1}[/] ({p.source}, {p.width}x{p.height}, turned {p.rotation}°)")
        for ln in p.lines:
            x0, y0, _, _ = ln.box
            out.print(
                f"{ln.confidence:5.3f}  ({x0:6.0f},{y0:6.0f})  {ln.text}", markup=False, highlight=False
            )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    enrollment: Annotated[
        str | None, typer.Option("--enrollment", help="Enrollment data: a CSV file or a database URL.")
    ] = None,
) -> None:
    """HTTP API for the portal (docs/api.md): POST /v1/submissions, GET /v1/submissions/{id} and its /report."""
    try:
        import uvicorn

        from pipeline.app.api import create_app
        from pipeline.app.api.middleware import RequestIdFilter
    except ImportError as e:
        err.print(f"the service needs the web extra: pip install 'intake[web]' ({e})", markup=False)
        raise typer.Exit(2) from None
    from pipeline.ocr import check_engine

    check_engine(get_settings())  # the service does not start with an OCR engine that cannot load
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    handler.addFilter(RequestIdFilter())
    lg = logging.getLogger("intake")
    lg.setLevel(logging.INFO)
    lg.addHandler(handler)
    lg.propagate = False
    install_log_redaction(lg)
    uvicorn.run(
        create_app(get_settings(), enrollment=enrollment),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,  # intake.access logs one line per request, with the request id
    )


# The sub-command groups, listed here once (the composition root names every part it wires).
from flows.cli import register as _register_flows  # noqa: E402
from pipeline.app.cli import cache as _cache  # noqa: E402
from pipeline.app.cli import clients as _clients  # noqa: E402
from pipeline.app.cli import desk as _desk  # noqa: E402
from pipeline.app.cli import enrollment as _enrollment  # noqa: E402
from pipeline.app.cli import hospitals as _hospitals  # noqa: E402
from pipeline.app.cli import invoices as _invoices  # noqa: E402
from pipeline.app.cli import models as _models  # noqa: E402
from pipeline.app.cli import rules as _rules  # noqa: E402
from samples.cli import register as _register_samples  # noqa: E402

for _register in (
    _cache.register,
    _clients.register,
    _desk.register,
    _enrollment.register,
    _hospitals.register,
    _invoices.register,
    _models.register,
    _rules.register,
    _register_samples,
    _register_flows,
):
    _register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
