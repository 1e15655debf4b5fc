"""Operating the flows: the night's work list, argument checks before any server starts, progress
lines off a terminal, --json on the listing commands (no Prefect server needed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from flows.core import build_summary, process_key
from flows.progress import BatchProgress
from flows.storage import LocalStorage
from flows.worklist import parse_date, worklist
from pipeline.config import Settings, get_settings
from pipeline.errors import UsageError
from tests.test_flows_core import ID_RE, NAME, seed, write_case

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from pipeline.app.wiring import build_runner

    with build_runner(Settings(home=tmp_path_factory.mktemp("home"), workers=1), pool=False) as runner:
        yield runner.run


@pytest.fixture
def processed(tmp_path: Path, run: Any) -> tuple[LocalStorage, list[Any]]:
    """Two returnable cases and one unusable one, processed; one more left pending."""
    st = LocalStorage(tmp_path / "root")
    keys = seed(st, tmp_path, 2)
    st.put_case("incoming/2026-11-25/BROKEN", write_case(tmp_path / "broken", "BROKEN", valid=False))
    outcomes = [process_key(st, k, run) for k in [*keys, "incoming/2026-11-25/BROKEN"]]
    seed(st, tmp_path / "later", 1, date="2026-11-26")
    return st, outcomes


def test_worklist_names_case_ids_and_flag_codes_only(processed: tuple[LocalStorage, list[Any]]) -> None:
    st, outcomes = processed
    items = worklist(st, "incoming/2026-11-25/")
    assert [(w.decision, w.case_id) for w in items] == [("return", "T-000"), ("return", "T-001")]
    assert "material.not_uploaded" in items[0].flags and items[0].flags == sorted(set(items[0].flags))
    text = json.dumps([w.to_dict() for w in items], ensure_ascii=False)
    assert NAME not in text and not ID_RE.search(text)
    assert worklist(st, "incoming/2026-11-26/") == []  # pending, not processed yet
    summary = build_summary(outcomes, prefix="incoming/2026-11-25/")
    assert [w.case_id for w in summary.work] == ["T-000", "T-001"]
    md = summary.markdown()
    assert "To return (2):" in md and "| T-000 | " in md and "`material.not_uploaded`" in md
    assert "To review (0):" in md
    assert NAME not in md and not ID_RE.search(md)
    assert summary.to_dict()["worklist"][0]["case_id"] == "T-000"


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01", "2026-02-30", "26-11-25", "2026/11/25", ""])
def test_bad_dates_are_usage_errors(bad: str) -> None:
    with pytest.raises(UsageError, match="--date"):
        parse_date(bad)
    assert parse_date(" 2026-11-25 ") == "2026-11-25" and parse_date(None) is None


def test_progress_lines_off_a_terminal() -> None:
    now = [0.0]
    lines: list[str] = []
    with BatchProgress(
        25, emit=lines.append, tty=False, every_cases=10, every_seconds=60, clock=lambda: now[0]
    ) as p:
        for _ in range(12):
            now[0] += 5.0
            p.advance()
        assert len(lines) == 1  # at 10 cases (50 s); the clock restarts with each line
        assert lines[0] == "progress: 10/25 cases (40%) in 0:00:50, 720 cases/h, about 0:01:15 left"
        now[0] += 100.0  # a slow case: the time rule fires
        p.advance()
        assert len(lines) == 2 and lines[-1].startswith("progress: 13/25")
    assert lines[-1].startswith("progress: 13/25")  # nothing new at the end: no duplicate line


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, processed: tuple[LocalStorage, list[Any]]) -> Iterator[Path]:
    st, _ = processed
    monkeypatch.setenv("INTAKE_STORAGE", "local")
    monkeypatch.setenv("INTAKE_STORAGE_ROOT", str(st.root))
    get_settings.cache_clear()
    yield st.root
    get_settings.cache_clear()


def test_cli_worklist_pending_upload_json(cli_env: Path, tmp_path: Path) -> None:
    from pipeline.app.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["flows", "worklist", "--date", "2026-11-25", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert [c["case_id"] for c in data["cases"]] == ["T-000", "T-001"]
    res = runner.invoke(app, ["flows", "worklist", "--date", "2026-11-25"])
    assert res.exit_code == 0 and res.output.splitlines()[0].split()[:2] == ["return", "T-000"]
    res = runner.invoke(app, ["flows", "pending", "--json"])
    assert json.loads(res.output)["pending"] == ["incoming/2026-11-26/T-000"]
    src = write_case(tmp_path / "up", "UP-1")
    res = runner.invoke(app, ["flows", "upload", str(src), "--key", "incoming/2026-11-27/UP-1", "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["files"] == ["case.json", "invoice.pdf"]


def _intake(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    full.pop("PREFECT_API_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "pipeline.app.cli", *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["flows", "run-batch", "--date", "2026-13-01"], "--date"),
        (["flows", "run-batch", "--date", "yesterday"], "--date"),
        (["flows", "run-batch", "--concurrency", "0"], "--concurrency"),
        (["flows", "run-batch", "--prefix", "../etc"], "--prefix"),
        (["flows", "worklist", "--date", "2026-02-30"], "--date"),
    ],
)
def test_bad_arguments_fail_before_any_server(args: list[str], needle: str, tmp_path: Path) -> None:
    t0 = time.perf_counter()
    r = _intake(args, {"INTAKE_HOME": str(tmp_path), "INTAKE_STORAGE_ROOT": str(tmp_path)})
    assert r.returncode == 2, r.stderr
    assert needle in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "temporary server" not in r.stderr and "Traceback" not in r.stderr
    assert time.perf_counter() - t0 < 60  # a server start alone takes longer here


def test_prefect_defaults_set_before_prefect_is_imported() -> None:
    code = (
        "import os, sys; import flows; assert 'prefect' not in sys.modules; "
        "print(os.environ['PREFECT_SERVER_ANALYTICS_ENABLED'])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    r = subprocess.run(
        [sys.executable, "-c", code], env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "false"
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "true"  # an operator's own value wins
    r = subprocess.run(
        [sys.executable, "-c", code], env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True
    )
    assert r.stdout.strip() == "true"
