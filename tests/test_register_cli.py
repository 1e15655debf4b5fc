"""``intake invoices lookup / decision / forget`` on a SQLite register."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from pipeline.app.cli.invoices import invoices_app
from pipeline.stores.invoice_register import InvoiceRegister

runner = CliRunner()


def test_lookup_decision_forget(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    reg = InvoiceRegister(url)
    reg.record("A", "33060121", "0012345678", "2514.50", "2024-03-01")
    reg.record("B", "33060121", "0012345678")

    r = runner.invoke(invoices_app, ["lookup", "3306-0121", "0012345678", "--db", url])
    assert r.exit_code == 0, r.output
    lines = r.output.strip().splitlines()
    assert [ln.split("\t")[0] for ln in lines] == ["A", "B"]
    assert "amount=2514.50" in lines[0] and "issued=2024-03-01" in lines[0]

    r = runner.invoke(invoices_app, ["decision", "A", "return", "--db", url])
    assert r.exit_code == 0 and "1 invoice(s)" in r.output
    assert reg.seen_elsewhere("B", "33060121", "0012345678") == []
    assert runner.invoke(invoices_app, ["decision", "A", "maybe", "--db", url]).exit_code == 2

    r = runner.invoke(invoices_app, ["forget", "B", "--db", url])
    assert r.exit_code == 0 and "1 invoice(s)" in r.output
    assert runner.invoke(invoices_app, ["lookup", "1", "2", "--db", url]).exit_code == 1
    assert runner.invoke(invoices_app, ["lookup", "1", "2", "--db", "not-a-url"]).exit_code == 2
