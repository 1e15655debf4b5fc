"""Ingestion never raises, whatever the bytes: it returns pages or a reason."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from pipeline.config import Settings
from pipeline.ingest import ingest

HEADERS = [
    b"",
    b"\xff\xd8\xff\xe0",
    b"\x89PNG\r\n\x1a\n",
    b"%PDF-1.4\n",
    b"II*\x00",
    b"BM",
    b"RIFF\x00\x00\x00\x00WEBP",
]


def _valid_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 32), (250, 250, 250)).save(buf, "PNG")
    return buf.getvalue()


PNG = _valid_png()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.sampled_from(HEADERS), body=st.binary(max_size=2048))
def test_random_bytes_never_raise(tmp_path: Path, header: bytes, body: bytes) -> None:
    p = tmp_path / "upload.jpg"
    p.write_bytes(header + body)
    res = ingest(p, Settings(home=tmp_path, workers=1))
    assert (res.error is None) == bool(res.pages)
    assert p.read_bytes() == header + body  # never altered


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cut=st.integers(min_value=0, max_value=len(PNG)), flip=st.integers(min_value=0, max_value=len(PNG) - 1)
)
def test_damaged_png_never_raises(tmp_path: Path, cut: int, flip: int) -> None:
    data = bytearray(PNG[:cut] if cut < len(PNG) else PNG)
    if data and flip < len(data):
        data[flip] ^= 0xFF
    p = tmp_path / "scan.png"
    p.write_bytes(bytes(data))
    res = ingest(p, Settings(home=tmp_path, workers=1))
    assert (res.error is None) == bool(res.pages)
