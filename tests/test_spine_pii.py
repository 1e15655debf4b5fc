"""Personal data never reaches the logs or the console in clear (ID numbers, names)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

ID_RE = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
CASES = ["XJ-2024-000126", "XJ-2024-000129", "JM-2025-000129"]  # expired ID, invalid ID, ID mismatch


def test_batch_logs_and_console_mask_id_numbers(tmp_path: Path) -> None:
    root = tmp_path / "cases"
    for cid in CASES:
        shutil.copytree(REPO / "samples" / "cases" / cid, root / cid)
    out = tmp_path / "out.jsonl"
    env = dict(os.environ, INTAKE_HOME=str(tmp_path / "home"), COLUMNS="200")
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.app.cli", "-v", "batch", str(root), "--out", str(out), "--table"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not ID_RE.search(proc.stderr), "an unmasked ID number reached stderr"
    reports = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(reports) == len(CASES)
    # the report itself is for the auditors and does carry the numbers read; the readable summary masks
    for cid in CASES:
        proc = subprocess.run(
            [sys.executable, "-m", "pipeline.app.cli", "check", str(root / cid)],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )
        assert proc.returncode == 0
        assert not ID_RE.search(proc.stdout + proc.stderr), cid
