"""The production layout run for real (deploy/stack.sh): Prefect server on the local PostgreSQL, a
process work pool with two workers, intake serve, moto's S3 server on loopback; a night's batch of
sample cases goes through it (bench/stack_night.py) and every report is checked."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES = ["JM-2024-000121", "XJ-2024-000130", "JM-2025-000120"]

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.xdist_group("stack")]


def _pg_up() -> bool:
    if not shutil.which("psql"):
        return False
    r = subprocess.run(
        ["psql", "postgresql://postgres@127.0.0.1:5432/postgres", "-qAtc", "select 1"],
        capture_output=True,
        text=True,
    )
    return r.returncode == 0


@pytest.mark.skipif(not _pg_up(), reason="needs PostgreSQL on 127.0.0.1:5432")
def test_a_night_through_the_stack(tmp_path: Path) -> None:
    stack_dir = tmp_path / "stack"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "AWS_", "INTAKE_"))},
        "STACK_DIR": str(stack_dir),
        "STACK_WORKERS": "2",
        "STACK_DB": f"intake_stack_{uuid.uuid4().hex[:8]}",
        "PYTHON": sys.executable,
    }
    script = str(ROOT / "deploy" / "stack.sh")
    try:
        up = subprocess.run([script, "up"], env=env, capture_output=True, text=True, timeout=600)
        assert up.returncode == 0, up.stdout + up.stderr
        status = subprocess.run([script, "status"], env=env, capture_output=True, text=True)
        assert status.stdout.count("up ") == 5, status.stdout  # s3, prefect, 2 workers, api
        stack_env = dict(env)
        for line in (stack_dir / "env").read_text().splitlines():
            k, _, v = line.removeprefix("export ").partition("=")
            stack_env[k] = v.replace("${PYTHONPATH:+:$PYTHONPATH}", "")
        run = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "stack_night.py"), "--workers", "2", "--cases", *CASES],
            env=stack_env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        assert run.returncode == 0, run.stdout + run.stderr[-3000:]
        out = json.loads(run.stdout)
        assert out["reports_ok"] == len(CASES) and out["flow_runs"] == ["COMPLETED"]
        assert out["nightly"] == "COMPLETED"
        for c in out["checks"]:
            assert c["report"], c
        # the work list names exactly the cases whose report says review or return
        to_work = {c["case_id"] for c in out["checks"] if c["decision"] in ("review", "return")}
        assert {w["case_id"] for w in out["worklist"]} == to_work
        print(json.dumps({k: v for k, v in out.items() if k not in ("checks", "worklist")}))
    finally:
        subprocess.run([script, "down"], env=env, capture_output=True, text=True, timeout=120)
        subprocess.run(
            [
                "psql",
                "postgresql://postgres@127.0.0.1:5432/postgres",
                "-qAtc",
                f"DROP DATABASE IF EXISTS {env['STACK_DB']} WITH (FORCE)",
            ],
            capture_output=True,
        )
