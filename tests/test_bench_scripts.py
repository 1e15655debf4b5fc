"""Every benchmark script still imports against the current layout (they are run by hand, rarely:
a moved module must not be found out by the next person to measure)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.mark.parametrize("script", sorted(p.name for p in BENCH.glob("*.py")))
def test_bench_script_imports(script: str) -> None:
    path = BENCH / script
    src = path.read_text(encoding="utf-8")
    if "def main(" in src:
        assert 'if __name__ == "__main__":' in src  # importing it runs nothing
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    saved = list(sys.path)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path[:] = saved
        del sys.modules[spec.name]
    # names the script imports lazily (inside functions) from the project must exist too
    import ast

    for node in ast.walk(ast.parse(src)):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.split(".")[0]
            in {
                "pipeline",
                "extractors",
                "validators",
                "flows",
                "samples",
            }
        ):
            m = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(m, alias.name) or importlib.util.find_spec(f"{node.module}.{alias.name}"), (
                    f"{script}: {node.module}.{alias.name}"
                )


@pytest.mark.slow
def test_engine_bench_pipeline_row_reads_the_fields(tmp_path: Path) -> None:
    """The pipeline row of bench/ocr_engines.py really runs the cases (it once linked the materials
    into its case folders, which refuse symlinks: every case failed in 0.2 s with 0 fields read)."""
    import subprocess

    out = tmp_path / "bench.json"
    cmd = [sys.executable, str(BENCH / "ocr_engines.py"), "--runs", "1", "--limit", "2"]
    r = subprocess.run(
        [*cmd, "--rows", "pipe:rapidocr", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(BENCH.parent)},
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "pipe:rapidocr" in out.read_text(encoding="utf-8")
    assert "(0/" not in r.stdout and " 0.0%" not in r.stdout, r.stdout
