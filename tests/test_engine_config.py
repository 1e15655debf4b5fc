"""A misconfigured OCR engine fails the run at start-up with one line naming what is missing and the
command that fixes it (exit 3), before any case is processed: never every case quietly in ``review``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.errors import ConfigError
from pipeline.ocr import OcrEngineError, check_engine, get_engine
from pipeline.ocr.paddle import (
    DET_MODEL_NAME,
    REC_MODEL_NAME,
    model_dirs,
    model_folder_problem,
    paddle_installed,
)

REPO = Path(__file__).resolve().parents[1]
CASE = REPO / "samples" / "cases" / "JM-2024-000101"


def _fake_model(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True)
    for f in ("inference.json", "inference.pdiparams"):
        (folder / f).write_bytes(b"x")
    (folder / "inference.yml").write_text(f"Global:\n  model_name: {name}\n", encoding="utf-8")
    return folder


def test_model_folder_problems(tmp_path: Path) -> None:
    assert "no model folder" in (model_folder_problem(tmp_path / "none", DET_MODEL_NAME) or "")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "lacks inference.json, inference.pdiparams, inference.yml" in (
        model_folder_problem(empty, DET_MODEL_NAME) or ""
    )
    rec = _fake_model(tmp_path / "rec", REC_MODEL_NAME)
    assert "not PP-OCRv6_small_det" in (model_folder_problem(rec, DET_MODEL_NAME) or "")
    assert model_folder_problem(rec, REC_MODEL_NAME) is None
    (rec / "inference.yml").write_text("Global: [unclosed", encoding="utf-8")
    assert "unreadable inference.yml" in (model_folder_problem(rec, REC_MODEL_NAME) or "")


def test_default_model_folders_are_under_intake_home(tmp_path: Path) -> None:
    det, rec = model_dirs(Settings(home=tmp_path))
    assert det == tmp_path / "models" / "paddle" / DET_MODEL_NAME
    assert rec == tmp_path / "models" / "paddle" / REC_MODEL_NAME
    det, rec = model_dirs(Settings(home=tmp_path, paddle_det_model_dir=tmp_path / "d"))
    assert det == tmp_path / "d" and rec.parent == tmp_path / "models" / "paddle"


def test_check_engine_names_the_fix(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, workers=1, ocr_engine="paddle")
    with pytest.raises(ConfigError) as ei:
        check_engine(settings)
    msg = str(ei.value)
    assert ei.value.exit_code == 3 and "\n" not in msg
    if paddle_installed():  # the paddle venv: the models are what is missing
        assert "PP-OCRv6_small_det" in msg and "intake models prepare-paddle" in msg
        wrong = _fake_model(tmp_path / "wrong", REC_MODEL_NAME)
        with pytest.raises(ConfigError, match="fix INTAKE_PADDLE_DET_MODEL_DIR"):
            check_engine(settings.model_copy(update={"paddle_det_model_dir": wrong}))
    else:
        assert "make paddle-venv" in msg and "intake[paddle]" in msg
    # loading it anyway (a runner without the start-up check) is the transient engine error
    with pytest.raises(OcrEngineError):
        get_engine(settings)
    check_engine(Settings(home=tmp_path, workers=1))  # rapidocr: installed, its models in the wheel


def _intake(args: list[str], home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    e.update(INTAKE_HOME=str(home), INTAKE_WORKERS="1", INTAKE_OCR_ENGINE="paddle", PYTHONPATH=str(REPO))
    e.update(env)
    return subprocess.run(
        [sys.executable, "-m", "pipeline.app.cli", *args],
        cwd=REPO,
        env=e,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _one_line_exit_3(res: subprocess.CompletedProcess[str]) -> str:
    assert res.returncode == 3, (res.returncode, res.stderr[-2000:])
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the paddle OCR engine"), lines
    assert "Traceback" not in res.stderr
    return lines[0]


def test_check_with_a_misconfigured_engine_exits_3_before_the_case(tmp_path: Path) -> None:
    res = _intake(["check", str(CASE), "--json"], tmp_path)
    line = _one_line_exit_3(res)
    assert "paddle-venv" in line or "intake models prepare-paddle" in line
    assert res.stdout == ""  # no report: not a silent `review`


def test_batch_with_a_misconfigured_engine_exits_3_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    res = _intake(["batch", str(CASE.parent), "--out", str(out), "--no-record"], tmp_path)
    _one_line_exit_3(res)
    assert not out.exists() and not out.with_suffix(".jsonl.partial").exists()
    assert res.stdout == ""


def test_model_dirs_that_do_not_hold_the_models_exit_3(tmp_path: Path) -> None:
    empty = tmp_path / "det"
    empty.mkdir()
    res = _intake(
        ["check", str(CASE)],
        tmp_path,
        INTAKE_PADDLE_DET_MODEL_DIR=str(empty),
        INTAKE_PADDLE_REC_MODEL_DIR=str(empty),
    )
    _one_line_exit_3(res)


def test_flows_run_batch_refuses_before_any_case(tmp_path: Path) -> None:
    root = tmp_path / "storage"
    res = _intake(
        ["flows", "run-batch", "--json"],
        tmp_path,
        INTAKE_STORAGE="local",
        INTAKE_STORAGE_ROOT=str(root),
        PREFECT_HOME=str(tmp_path / "prefect"),
    )
    _one_line_exit_3(res)
    assert not any(root.rglob("*")) if root.exists() else True  # no state marker written


def test_a_working_engine_is_not_refused(tmp_path: Path) -> None:
    res = _intake(["check", str(CASE), "--json"], tmp_path, INTAKE_OCR_ENGINE="recorded")
    assert res.returncode == 0, res.stderr[-2000:]
    assert json.loads(res.stdout)["case_id"] == CASE.name
