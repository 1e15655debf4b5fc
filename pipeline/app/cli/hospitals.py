"""``intake hospitals import FILE.csv [--db URL] [--replace]`` and ``intake hospitals show NAME``.

The catalogue lives in table ``hospitals`` of the enrollment database (see pipeline/stores/hospitals.py for
the columns and docs/hospitals.md for where they come from in the official lists).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pipeline.config import get_settings
from pipeline.stores.hospitals import HospitalError, HospitalStore, open_hospitals

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

hospitals_app = typer.Typer(
    help="Hospital catalogue (定点医疗机构目录): import the official list, look up an institution.",
    no_args_is_help=True,
)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL (sqlite:///…, postgresql://…); default: the enrollment database."
    ),
]


def _store(db: str | None) -> HospitalStore:
    try:
        return open_hospitals(db, get_settings())
    except HospitalError as e:
        err.print(f"error: {e}", highlight=False, markup=False)
        raise typer.Exit(2) from None


@hospitals_app.command("import")
def import_(
    csv_file: Annotated[
        Path, typer.Argument(help="Hospital CSV (UTF-8, header row; see docs/hospitals.md).")
    ],
    db: DbOption = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace the whole catalogue (default: add or update by name).")
    ] = False,
) -> None:
    """Validate every row and import them all, or nothing when any row is bad (exit 1)."""
    if db is not None and "://" not in db:
        err.print("error: --db takes a database URL (sqlite:///… or postgresql://…)", highlight=False)
        raise typer.Exit(2)
    if not csv_file.is_file():
        err.print(f"error: no such file: {csv_file}", highlight=False, markup=False)
        raise typer.Exit(2)
    store = _store(db)
    try:
        report = store.import_csv(csv_file, replace=replace)
    except HospitalError as e:
        err.print(f"error: {e}", highlight=False, markup=False)
        raise typer.Exit(2) from None
    if not report.ok:
        err.print(report.summary(max_errors=50), highlight=False, markup=False)
        raise typer.Exit(1)
    out.print(
        f"{report.summary()} → {store.label} ({store.count()} in catalogue)", highlight=False, markup=False
    )


@hospitals_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Name or alias (exact).")],
    db: Annotated[str | None, typer.Option("--db", help="CSV file or database URL.")] = None,
) -> None:
    """Show one institution of the loaded catalogue (exit 1 when it is not there)."""
    store = _store(db)
    for r in store.records():
        if name in (r.name, *r.aliases):
            for k, v in r.to_row().items():
                out.print(f"{k:25} {'' if v is None else v}", highlight=False, markup=False)
            return
    err.print(f"not in the catalogue: {name}", highlight=False, markup=False)
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(hospitals_app, name="hospitals")
