"""Workers and engine threads follow the cores this process may use (affinity), not the machine's."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pipeline.config import Settings, usable_cores

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_usable_cores_is_the_affinity() -> None:
    assert usable_cores() == len(os.sched_getaffinity(0))


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 cores to pin to 1")
def test_pinned_to_one_core_one_worker_one_thread() -> None:
    code = (
        "import os; os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]}); "
        "from pipeline.config import Settings; s = Settings(); "
        "print(s.effective_workers(), s.effective_ocr_threads())"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env["PYTHONPATH"] = REPO
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["1", "1"]


def test_workers_times_threads_fill_the_cores() -> None:
    s = Settings(workers=0, ocr_threads=0)
    assert s.effective_workers() * s.effective_ocr_threads() == usable_cores()
