"""CLI habits: -v/-q anywhere, shell completion, --json on listing commands, --jobs on batch, and
expected errors as one line with their exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pipeline.app.cli.base import IntakeTyper, hoist_global_flags, is_verbose
from pipeline.errors import CaseError, ConfigError, TransientError, UsageError

runner = CliRunner()


def test_global_flags_move_to_the_front() -> None:
    assert hoist_global_flags(["check", "case", "-v", "--json"]) == ["-v", "check", "case", "--json"]
    assert hoist_global_flags(["flows", "pending", "--quiet"]) == ["--quiet", "flows", "pending"]
    assert hoist_global_flags(["x", "--", "-v"]) == ["x", "--", "-v"]  # after --, an argument
    assert is_verbose(["a", "--verbose"]) and not is_verbose(["a", "--", "-v"])


def test_completion_and_flags_in_help() -> None:
    from pipeline.app.cli import app

    res = runner.invoke(app, ["--help"])
    assert res.exit_code == 0
    assert "--install-completion" in res.output and "--quiet" in res.output
    res = runner.invoke(app, ["batch", "--help"])
    assert "--jobs" in res.output


@pytest.mark.parametrize(
    "cmd",
    [
        ["invoices", "lookup", "--help"],
        ["flows", "pending", "--help"],
        ["flows", "upload", "--help"],
        ["flows", "worklist", "--help"],
        ["clients", "list", "--help"],
        ["enrollment", "show", "--help"],
        ["storage", "check", "--help"],
    ],
)
def test_every_listing_command_has_json(cmd: list[str]) -> None:
    from pipeline.app.cli import app

    res = runner.invoke(app, cmd)
    assert res.exit_code == 0 and "--json" in res.output, res.output


def test_invoices_lookup_json(tmp_path: Path) -> None:
    from pipeline.app.cli.invoices import invoices_app
    from pipeline.stores.invoice_register import InvoiceRegister

    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    reg = InvoiceRegister(url)
    reg.record("A", "33060121", "0012345678", "2514.50", "2024-03-01")
    res = runner.invoke(invoices_app, ["lookup", "33060121", "0012345678", "--db", url, "--json"])
    assert res.exit_code == 0, res.output
    [row] = json.loads(res.output)
    assert row["case_id"] == "A" and row["amount"] == "2514.50" and row["issue_date"] == "2024-03-01"
    res = runner.invoke(invoices_app, ["lookup", "1", "2", "--db", url, "--json"])
    assert res.exit_code == 1 and json.loads(res.output) == []


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (UsageError("bad date"), 2),
        (CaseError("no case.json"), 2),
        (ConfigError("bad"), 3),
        (TransientError("db"), 4),
    ],
)
def test_errors_become_one_line_and_their_exit_code(
    exc: Exception, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    app = IntakeTyper()

    @app.callback()
    def main(verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
        pass

    @app.command()
    def boom(n: int = 0) -> None:
        raise exc

    @app.command()
    def other() -> None:  # two commands: boom is a sub-command
        pass

    with pytest.raises(SystemExit) as ei:
        app(args=["boom"], prog_name="intake")
    assert ei.value.code == code
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [f"error: {exc}"]
    with pytest.raises(SystemExit):
        app(args=["boom", "-v"], prog_name="intake")  # -v after the sub-command: the traceback too
    assert "Traceback" in capsys.readouterr().err


def test_a_bug_still_shows_its_traceback() -> None:
    app = IntakeTyper()

    @app.command()
    def boom() -> None:
        raise RuntimeError("a bug")

    @app.command()
    def other() -> None:
        pass

    with pytest.raises(RuntimeError):
        app(args=["boom"], prog_name="intake", standalone_mode=True)
    assert isinstance(app, typer.Typer)


def test_parser_errors_are_one_line_too(capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.app.cli import app

    with pytest.raises(SystemExit) as ei:
        app(args=["flows", "worklist", "--no-such-option"], prog_name="intake")
    assert ei.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: No such option: --no-such-option (see: intake flows worklist --help)"]
    with pytest.raises(SystemExit) as ei:
        app(args=["--version"], prog_name="intake")
    assert ei.value.code == 0
