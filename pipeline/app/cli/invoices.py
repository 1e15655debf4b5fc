"""``intake invoices …``: the register of submitted invoices (duplicates across cases).

* ``intake invoices lookup CODE NUMBER``: the cases that submitted this invoice, oldest first.
* ``intake invoices decision CASE_ID pass|review|return``: store a case's outcome (a returned case's
  invoices no longer make a resubmission a duplicate).
* ``intake invoices forget CASE_ID``: remove a case's invoices (a withdrawn filing).

``--db URL`` selects a register other than the configured one (``INTAKE_REGISTER_URL`` or the
embedded SQLite under ``INTAKE_HOME``).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import select

from pipeline.config import get_settings
from pipeline.stores.invoice_register import InvoiceRegister, InvoiceRow, normalize_key, open_register

out = Console()
err = Console(stderr=True)

invoices_app = typer.Typer(
    help="Invoice register (重复报销核查): look up, record outcomes, forget.", no_args_is_help=True
)

DbOption = Annotated[
    str | None, typer.Option("--db", help="Register database URL (sqlite:///…, postgresql://…).")
]


def _register(db: str | None) -> InvoiceRegister:
    if db is not None:
        if "://" not in db:
            err.print("error: --db takes a database URL (sqlite:///… or postgresql://…)", highlight=False)
            raise typer.Exit(2)
        return InvoiceRegister(db)
    return open_register(get_settings())


@invoices_app.command("lookup")
def lookup(
    code: Annotated[str, typer.Argument(help="票据代码 / invoice code")],
    number: Annotated[str, typer.Argument(help="票据号码 / invoice number")],
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (a list, empty when none).")] = False,
) -> None:
    """The cases that submitted this invoice, oldest first (exit 1 when none)."""
    reg = _register(db)
    stmt = (
        select(
            InvoiceRow.case_id,
            InvoiceRow.amount,
            InvoiceRow.issue_date,
            InvoiceRow.recorded_at,
            InvoiceRow.decision,
        )
        .where(
            InvoiceRow.invoice_code == normalize_key(code), InvoiceRow.invoice_number == normalize_key(number)
        )
        .order_by(InvoiceRow.id)
    )
    with reg.engine.connect() as conn:
        rows = list(conn.execute(stmt))
    if as_json:
        payload = [
            {
                "case_id": case_id,
                "amount": str(amount) if amount is not None else None,
                "issue_date": str(issued) if issued else None,
                "recorded_at": recorded.isoformat(timespec="seconds") if recorded else None,
                "decision": decision,
            }
            for case_id, amount, issued, recorded, decision in rows
        ]
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        if not rows:
            raise typer.Exit(1)
        return
    if not rows:
        out.print("not in the register", highlight=False)
        raise typer.Exit(1)
    for case_id, amount, issued, recorded, decision in rows:
        typer.echo(
            f"{case_id}\tamount={amount if amount is not None else '-'}\tissued={issued or '-'}"
            f"\trecorded={recorded:%Y-%m-%d %H:%M}\tdecision={decision or '-'}"
        )


@invoices_app.command("decision")
def decision(
    case_id: Annotated[str, typer.Argument(help="the case")],
    value: Annotated[str, typer.Argument(help="pass, review or return")],
    db: DbOption = None,
) -> None:
    """Store a case's outcome on its invoices."""
    if value not in ("pass", "review", "return"):
        err.print("error: decision must be pass, review or return", highlight=False)
        raise typer.Exit(2)
    n = _register(db).set_decision(case_id, value)
    out.print(f"{n} invoice(s) of {case_id} marked {value}", highlight=False, markup=False)


@invoices_app.command("forget")
def forget(case_id: Annotated[str, typer.Argument(help="the case")], db: DbOption = None) -> None:
    """Remove a case's invoices from the register."""
    n = _register(db).forget_case(case_id)
    out.print(f"{n} invoice(s) of {case_id} removed", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(invoices_app, name="invoices")
