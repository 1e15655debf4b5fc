"""Issue 16, data at rest: stores and caches owner-only whatever the umask; OCR cache entries
expire and can be purged (deleted content overwritten); onnxruntime writes nothing outside
INTAKE_HOME."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.config import Settings
from pipeline.models import OcrLine
from pipeline.ocr.base import OcrCache

REPO = Path(__file__).resolve().parents[1]


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    old = os.umask(0o002)
    try:
        yield
    finally:
        os.umask(old)


def test_stores_are_owner_only(tmp_path: Path, loose_umask: None) -> None:
    from pipeline.stores.enrollment import default_store
    from pipeline.stores.invoice_register import open_register

    home = tmp_path / "home"
    s = Settings(home=home, workers=1)
    open_register(s).count()
    default_store(s)
    OcrCache(s.cache_dir / "ocr.sqlite")
    assert mode(home) == 0o700 and mode(s.cache_dir) == 0o700
    files = [p for p in home.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"register.sqlite", "enrollment.sqlite", "ocr.sqlite"}
    assert all(mode(p) == 0o600 for p in files), {p.name: oct(mode(p)) for p in files}


def _line(text: str) -> OcrLine:
    return OcrLine(text=text, polygon=[(0, 0), (10, 0), (10, 5), (0, 5)], confidence=0.9)


def test_ocr_cache_entries_expire_and_purge(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "ocr.sqlite"
    c = OcrCache(path, max_age_days=1)
    c.put("old", [_line("650103198802164042")], 0)
    c.put("new", [_line("fresh")], 0)
    c._db.execute("UPDATE ocr SET created = ? WHERE key = 'old'", (time.time() - 3 * 86400,))
    c._db.commit()
    assert c.get("old") is None  # expired: not served
    assert c.get("new") is not None
    assert c.purge() == 1
    c._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert b"650103198802164042" not in path.read_bytes()  # overwritten, not just unlinked
    assert c.purge(everything=True) == 1 and c.get("new") is None


def test_cache_purge_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.app.cli import app
    from pipeline.config import get_settings

    monkeypatch.setenv("INTAKE_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    c = OcrCache(Settings(home=tmp_path / "home").cache_dir / "ocr.sqlite")
    c.put("k", [_line("x")], 0)
    res = CliRunner().invoke(app, ["cache", "purge", "--all"])
    assert res.exit_code == 0, res.output
    assert "1" in res.output
    get_settings.cache_clear()


def test_onnxruntime_writes_nothing_outside_home(tmp_path: Path) -> None:
    fake_home = tmp_path / "user"
    fake_home.mkdir()
    code = (
        "import pipeline, pathlib, rapidocr, onnxruntime as ort\n"
        "m = next(pathlib.Path(rapidocr.__file__).parent.rglob('*.onnx'))\n"
        "ort.InferenceSession(str(m), providers=['CPUExecutionProvider'])\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("ORT_DISABLE_TELEMETRY", "XDG_CACHE_HOME")}
    env.update(HOME=str(fake_home), PYTHONPATH=str(REPO))
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)
    assert list(fake_home.rglob("*")) == []
