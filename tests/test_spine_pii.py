"""Personal data never reaches the logs or the console in clear (ID numbers, names).

The OCR lines come from the recorded engine (the recordings of the real engine, samples/ocr): the
masking happens after OCR, so the real model would prove nothing more here."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from samples.case_ids import sample_case

ID_RE = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
CASES = ["expired_id_card", "id_number_typo", "id_mismatch_referral"]  # sample case keys


def test_batch_logs_and_console_mask_id_numbers(tmp_path: Path) -> None:
    root = tmp_path / "cases"
    for key in CASES:
        src = sample_case(key)
        shutil.copytree(src, root / src.name)
    out = tmp_path / "out.jsonl"
    env = dict(os.environ, INTAKE_HOME=str(tmp_path / "home"), COLUMNS="200", INTAKE_OCR_ENGINE="recorded")
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
    assert any(ID_RE.search(json.dumps(r)) for r in reports)  # there are numbers to mask
    assert all(r["engine"].startswith("recorded") for r in reports)
    assert not any(
        f["code"] == "system.processing_failed" for r in reports for f in r["flags"]
    )  # all replayed
    for case_dir in sorted(root.iterdir()):
        cid = case_dir.name
        proc = subprocess.run(
            [sys.executable, "-m", "pipeline.app.cli", "check", str(case_dir)],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )
        assert proc.returncode == 0
        assert not ID_RE.search(proc.stdout + proc.stderr), cid
