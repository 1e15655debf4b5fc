"""Issue 16, batch isolation: every per-case failure becomes that case's line and the batch goes
on; lines are valid UTF-8 whatever the file names; ``--out`` is replaced only by a complete run;
``--resume`` skips what was reported; a full disk is one line; case.json with duplicate keys or
deep nesting is refused with one line (exit 2)."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipeline import runner as runner_mod
from pipeline.app.cli import app
from pipeline.models import CaseError, load_case

CASE = {
    "case_id": "X",
    "service": "query.person",
    "region": "xinjiang",
    "submitted_on": "2025-08-06",
    "applicant": {"name": "萧慧敏", "id_number": "650103198802164042"},
    "materials": [],
}


def make_case(d: Path, case_id: str, raw: str | None = None) -> Path:
    d.mkdir(parents=True)
    (d / "case.json").write_text(raw if raw is not None else json.dumps(dict(CASE, case_id=case_id)), "utf-8")
    return d


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTAKE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("INTAKE_WORKERS", "1")
    from pipeline.config import get_settings

    get_settings.cache_clear()


def deep(n: int = 100_000) -> str:
    return '{"a":' + "[" * n + "]" * n + "}"


def test_load_case_refuses_deep_nesting_and_duplicate_keys(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="nested"):
        load_case(make_case(tmp_path / "a", "A", deep()))
    dup = json.dumps(CASE)[:-1] + ', "applicant": {"name": "王五", "id_number": "1"}}'
    with pytest.raises(CaseError, match="twice"):
        load_case(make_case(tmp_path / "b", "B", dup))


def test_load_case_unreadable_is_a_case_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = make_case(tmp_path / "a", "A")

    def denied(*_: Any, **__: Any) -> bytes:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("pipeline.safety.read_inside", denied)
    with pytest.raises(CaseError, match="Permission denied"):
        load_case(d)


def test_check_exits_2_with_one_line(tmp_path: Path) -> None:
    d = make_case(tmp_path / "a", "A", deep())
    res = CliRunner().invoke(app, ["check", str(d), "--json"])
    assert res.exit_code == 2
    assert res.output.count("\n") == 1 and "Traceback" not in res.output


def _lines(raw: bytes) -> list[dict[str, Any]]:
    raw.decode("utf-8")  # valid UTF-8 whatever the file names
    return [json.loads(x) for x in raw.splitlines()]


def test_batch_goes_on_over_broken_cases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "root"
    make_case(root / "A", "A")
    make_case(root / "B", "B", deep())
    c = make_case(root / "C", "C")
    (c / os.fsdecode(b"scan\xff\xfe.jpg")).write_bytes(b"x")
    make_case(root / "D", "D")
    make_case(root / "E", "E")
    real_finish = runner_mod.CaseRunner._finish

    def finish(self: Any, case: Any, *a: Any) -> Any:
        if case.case_id == "D":
            raise RuntimeError("a bug in a check")
        return real_finish(self, case, *a)

    monkeypatch.setattr(runner_mod.CaseRunner, "_finish", finish)
    out = tmp_path / "o.jsonl"
    res = CliRunner().invoke(app, ["batch", str(root), "--out", str(out)])
    assert res.exit_code == 0, res.output
    lines = _lines(out.read_bytes())
    assert [x["case_id"] for x in lines] == ["A", "B", "C", "D", "E"]
    assert "nested" in lines[1]["error"] and "RuntimeError" in lines[3]["error"]
    unlisted = [f["material"] for f in lines[2]["flags"] if f["code"] == "material.unlisted"]
    assert unlisted == ["scan\\xff\\xfe.jpg"]
    assert all(x["input_fingerprint"].startswith("sha256:") for x in lines)
    assert oct(out.stat().st_mode & 0o777) == "0o600"


def test_out_is_replaced_only_by_a_complete_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "root"
    for x in "ABC":
        make_case(root / x, x)
    out = tmp_path / "o.jsonl"
    assert CliRunner().invoke(app, ["batch", str(root), "--out", str(out)]).exit_code == 0
    complete = out.read_bytes()
    assert len(_lines(complete)) == 3

    real_finish = runner_mod.CaseRunner._finish

    def killed(self: Any, case: Any, *a: Any) -> Any:
        if case.case_id == "B":
            raise KeyboardInterrupt  # the run is killed half-way
        return real_finish(self, case, *a)

    monkeypatch.setattr(runner_mod.CaseRunner, "_finish", killed)
    for x in "AB":  # both change: the rerun must check them again
        (root / x / "case.json").write_text(json.dumps(dict(CASE, case_id=x, region="jingmen")), "utf-8")
    CliRunner().invoke(app, ["batch", str(root), "--out", str(out)])
    assert out.read_bytes() == complete  # the earlier output is intact
    assert len(_lines((tmp_path / "o.jsonl.partial").read_bytes())) == 1  # A, re-checked

    # --resume: A (reported in .partial) and C (unchanged, in the earlier output) are not checked
    monkeypatch.setattr(runner_mod.CaseRunner, "_finish", real_finish)
    counted: list[str] = []

    def spy(self: Any, case: Any, *a: Any) -> Any:
        counted.append(case.case_id)
        return real_finish(self, case, *a)

    monkeypatch.setattr(runner_mod.CaseRunner, "_finish", spy)
    res = CliRunner().invoke(app, ["batch", str(root), "--out", str(out), "--resume"])
    assert res.exit_code == 0, res.output
    assert counted == ["B"]
    lines = _lines(out.read_bytes())
    assert sorted(x["case_id"] for x in lines) == ["A", "B", "C"]
    assert [x["region"] for x in sorted(lines, key=lambda x: x["case_id"])] == [
        "jingmen",
        "jingmen",
        "xinjiang",
    ]
    assert not (tmp_path / "o.jsonl.partial").exists()


def test_full_disk_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "root"
    make_case(root / "A", "A")
    from pipeline.app.cli import batch_io

    def full(self: Any, line: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(batch_io.Sink, "write", full)
    res = CliRunner().invoke(app, ["batch", str(root), "--out", str(tmp_path / "o.jsonl")])
    assert res.exit_code == 1
    assert "No space left on device" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o.jsonl").exists()
