"""``intake flows upload`` / ``pending`` (no Prefect needed) and the commands' registration."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.config import get_settings
from tests.test_flows_core import write_case


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "root"
    monkeypatch.setenv("INTAKE_STORAGE", "local")
    monkeypatch.setenv("INTAKE_STORAGE_ROOT", str(root))
    get_settings.cache_clear()
    yield root
    get_settings.cache_clear()


def test_upload_then_pending(cli_env: Path, tmp_path: Path) -> None:
    from pipeline.app.cli import app

    runner = CliRunner()
    src = write_case(tmp_path / "src", "XJ-9")
    res = runner.invoke(app, ["flows", "upload", str(src), "--key", "incoming/2026-11-25/XJ-9"])
    assert res.exit_code == 0, res.output
    assert (cli_env / "incoming/2026-11-25/XJ-9/invoice.pdf").read_bytes() == (
        src / "invoice.pdf"
    ).read_bytes()
    res = runner.invoke(app, ["flows", "upload", str(src)])  # default key: incoming/<today>/<case_id>
    assert res.exit_code == 0 and "/XJ-9: 2 files" in res.output
    res = runner.invoke(app, ["flows", "pending", "--prefix", "incoming/2026-11-25/"])
    assert res.exit_code == 0 and res.output.split() == ["incoming/2026-11-25/XJ-9"]
    res = runner.invoke(app, ["flows", "upload", str(tmp_path / "nowhere")])
    assert res.exit_code == 2


def test_commands_registered() -> None:
    from pipeline.app.cli import app

    runner = CliRunner()
    assert runner.invoke(app, ["serve-flows", "--help"]).exit_code == 0
    res = runner.invoke(app, ["flows", "run-batch", "--help"])
    assert res.exit_code == 0 and "--prefix" in res.output
