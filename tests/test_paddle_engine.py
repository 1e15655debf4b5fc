"""The PaddleOCR engine for real: models converted offline from the ONNX models in the rapidocr wheel
(``intake models prepare-paddle``), real Paddle inference, a sample case end to end through
``intake check``, with the network cut off (``unshare -n``) where the machine allows it.

These run in the paddle virtualenv (``make pytest-paddle``, part of ``make test``): paddlex needs another
numpy than the main venv. With ``INTAKE_PADDLE_REQUIRED=1`` (as there) a missing PaddleOCR fails the run
instead of skipping it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipeline.ocr.paddle import DET_MODEL_NAME, REC_MODEL_NAME, model_folder_problem, paddle_installed

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
CASE = REPO / "samples" / "cases" / "JM-2025-000104"  # ID card front + back photographed, a PDF form
ENROLLMENT = REPO / "samples" / "enrollment.csv"

if not paddle_installed():
    if os.environ.get("INTAKE_PADDLE_REQUIRED") == "1":
        raise RuntimeError("INTAKE_PADDLE_REQUIRED=1 but PaddleOCR is not installed in this Python")
    pytest.skip("PaddleOCR is not installed here (make paddle-venv)", allow_module_level=True)


def _offline() -> list[str]:
    """``unshare -n`` (a network namespace with no interface) when this machine lets us make one."""
    exe = shutil.which("unshare")
    if exe and subprocess.run([exe, "-n", "true"], capture_output=True).returncode == 0:
        return [exe, "-n"]
    return []


def _intake(args: list[str], home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    e.update(INTAKE_HOME=str(home), INTAKE_WORKERS="1", INTAKE_OCR_CACHE="false", PYTHONPATH=str(REPO))
    e.update(env)
    return subprocess.run(
        [*_offline(), sys.executable, "-m", "pipeline.app.cli", *args],
        cwd=REPO,
        env=e,
        capture_output=True,
        text=True,
        timeout=1500,
    )


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("paddle-home")
    res = _intake(["models", "prepare-paddle", "--json"], home)
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout)
    out["home"] = home
    return out


def test_prepare_converts_and_checks_offline(models: dict[str, Any]) -> None:
    home: Path = models["home"]
    root = home / "models" / "paddle"
    assert Path(models["det"]) == root / DET_MODEL_NAME and Path(models["rec"]) == root / REC_MODEL_NAME
    assert model_folder_problem(root / DET_MODEL_NAME, DET_MODEL_NAME) is None
    assert model_folder_problem(root / REC_MODEL_NAME, REC_MODEL_NAME) is None
    check = models["check"]
    assert check["ok"] and check["det_max_diff"] < 1e-3 and check["rec_max_diff"] < 1e-3
    assert check["texts_paddle"] == check["texts_onnx"]
    assert "2024年03月15日" in check["texts_paddle"]  # the rendered test line, read by the converted model
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["sources_sha256"]) == {"det", "rec"}
    assert manifest["conversion"]["det"]["upsampling_rewritten"] == 6  # the oneDNN fix was applied
    # nothing went to the home directory's caches of PaddleX
    assert not (Path.home() / ".paddlex").exists()
    again = _intake(["models", "prepare-paddle", "--json"], home)
    assert again.returncode == 0 and json.loads(again.stdout)["reused"] is True


def _report(engine: str, home: Path, **env: str) -> dict[str, Any]:
    res = _intake(
        ["check", str(CASE), "--json", "--enrollment", str(ENROLLMENT)], home, INTAKE_OCR_ENGINE=engine, **env
    )
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout)  # stdout is the report alone: nothing of Paddle's chatter


def _key_fields(report: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for m in report["materials"]:
        out[m["file"]] = (m["detected_type"], dict(sorted((m.get("fields") or {}).items())))
    return out


def test_sample_case_end_to_end_like_rapidocr(models: dict[str, Any], tmp_path: Path) -> None:
    paddle = _report("paddle", models["home"])
    assert paddle["engine"].startswith("paddle;"), paddle["engine"]
    rapid = _report("rapidocr", tmp_path / "rapid-home")
    assert paddle["decision"] == rapid["decision"] == "pass", (paddle["flags"], rapid["flags"])
    assert sorted(f["code"] for f in paddle["flags"]) == sorted(f["code"] for f in rapid["flags"])
    got, want = _key_fields(paddle), _key_fields(rapid)
    assert got == want
    expected = json.loads((CASE / "expected.json").read_text(encoding="utf-8"))
    front = expected["materials"]["id_front.jpg"]["fields"]
    assert got["id_front.jpg"][0] == "id_card_front"
    for name in ("name", "id_number", "birth_date"):
        assert got["id_front.jpg"][1][name] == front[name], name
