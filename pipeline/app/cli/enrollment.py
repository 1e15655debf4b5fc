"""``intake enrollment import FILE.csv [--db URL]`` and ``intake enrollment show ID [--db SOURCE]``.

Without ``--db`` both use the configured enrollment store (``INTAKE_ENROLLMENT_URL``) or the embedded
default SQLite under ``INTAKE_HOME``. ``show`` prints the row with the name, ID and card numbers masked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pipeline.config import get_settings
from pipeline.pii import mask_id
from pipeline.stores.enrollment import EnrollmentError, EnrollmentStore, open_store

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

enrollment_app = typer.Typer(
    help="Enrollment data (参保登记信息): import a CSV, look up a person.", no_args_is_help=True
)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (sqlite:///…, postgresql://…); default: the configured or embedded store.",
    ),
]


def _store(db: str | None) -> EnrollmentStore:
    try:
        return open_store(db, get_settings())
    except EnrollmentError as e:
        err.print(f"[red]error:[/] {e}", markup=True, highlight=False)
        raise typer.Exit(2) from None


@enrollment_app.command("import")
def import_(
    csv_file: Annotated[Path, typer.Argument(help="Enrollment CSV (UTF-8, header row, contract columns).")],
    db: DbOption = None,
) -> None:
    """Validate every row and import them all (upsert), or nothing when any row is bad (exit 1)."""
    if db is not None and "://" not in db:
        err.print("error: --db takes a database URL (sqlite:///… or postgresql://…)", highlight=False)
        raise typer.Exit(2)
    if not csv_file.is_file():
        err.print(f"error: no such file: {csv_file}", highlight=False)
        raise typer.Exit(2)
    store = _store(db)
    try:
        report = store.import_csv(csv_file)
    except EnrollmentError as e:
        err.print(f"error: {e}", highlight=False)
        raise typer.Exit(2) from None
    if not report.ok:
        err.print(report.summary(max_errors=50), highlight=False, markup=False)
        raise typer.Exit(1)
    out.print(f"{report.summary()} → {store.label}", highlight=False, markup=False)


@enrollment_app.command("show")
def show(
    id_number: Annotated[str, typer.Argument(help="18-character ID number.")],
    db: Annotated[
        str | None,
        typer.Option("--db", "--enrollment", help="CSV file or database URL; default: configured."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one enrollment row, masked (exit 1 when there is none)."""
    store = _store(db)
    try:
        rec = store.get(id_number)
    except EnrollmentError as e:
        err.print(f"error: {e}", highlight=False)
        raise typer.Exit(2) from None
    if rec is None:
        err.print(f"no enrollment row for {mask_id(id_number)}", highlight=False, markup=False)
        raise typer.Exit(1)
    data = rec.masked()
    if as_json:
        out.print_json(json.dumps(data, ensure_ascii=False))
        return
    for k, v in data.items():
        shown = (
            ";".join(v)
            if isinstance(v, list)
            else ("" if v is None else str(v).lower() if isinstance(v, bool) else v)
        )
        out.print(f"{k:17} {shown}", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(enrollment_app, name="enrollment")
