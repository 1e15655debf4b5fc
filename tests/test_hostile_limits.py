"""Issue 16: a material costs bounded time and memory (PDF bombs, huge headers), and a case
folder is closed (symlinks, FIFOs, devices refused; nothing outside opened)."""

from __future__ import annotations

import io
import os
import time
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.app.wiring import build_registry
from pipeline.config import Settings
from pipeline.ingest import ingest
from pipeline.ingest_limits import LimitExceeded, prescan_pdf, run_bounded
from pipeline.models import Case, MaterialRef
from pipeline.runner import process_material
from pipeline.safety import Refused, read_inside
from tests.pdfbuild import flate_bomb_pdf, flate_chunks, one_page_pdf


def settings(tmp_path: Path, **kw: object) -> Settings:
    return Settings(home=tmp_path / "home", workers=1, ocr_cache=False, **kw)  # type: ignore[arg-type]


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize(("inflated", "unit"), [(1 << 30, b" "), (128 << 20, b"0")])
def test_flate_bombs_are_refused_fast(tmp_path: Path, inflated: int, unit: bytes) -> None:
    p = _write(tmp_path, "scan.pdf", flate_bomb_pdf(inflated, unit))
    t0 = time.perf_counter()
    res = ingest(p, settings(tmp_path))
    assert time.perf_counter() - t0 < 5
    assert res.error and "decompression bomb" in res.error and not res.pages


def test_prescan_lets_ordinary_pdfs_through() -> None:
    pdf = one_page_pdf(flate_chunks(b"BT /F1 12 Tf 72 720 Td (hello) Tj ET\n", 4000))
    assert (
        prescan_pdf(pdf, max_stream=1 << 20, max_total=1 << 22, max_image=1 << 26, max_objects=1000) is None
    )


def test_slow_pdf_is_stopped_by_the_time_limit(tmp_path: Path) -> None:
    # under the stream limits, but pdfminer would tokenise numbers for a long time
    p = _write(tmp_path, "slow.pdf", one_page_pdf(flate_chunks(b"0 ", 15 << 20)))
    t0 = time.perf_counter()
    res = ingest(p, settings(tmp_path, pdf_timeout=2.0))
    assert time.perf_counter() - t0 < 10
    assert res.error and "longer than the limit" in res.error


def _balloon(n: int) -> int:
    return len(bytearray(n))


def test_child_memory_limit() -> None:
    with pytest.raises(LimitExceeded, match="memory"):
        run_bounded(_balloon, (3 << 30,), timeout=20, memory_mb=256)
    assert run_bounded(_balloon, (1 << 20,), timeout=20, memory_mb=256) == 1 << 20


def test_big_png_is_reduced_on_load(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.new("L", (7700, 7700), 255).save(buf, "PNG")
    p = _write(tmp_path, "big.png", buf.getvalue())
    res = ingest(p, settings(tmp_path))
    assert res.error is None
    (page,) = res.pages
    assert page.width * page.height <= 24_000_000


def test_big_jpeg_is_decoded_small(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (6000, 5000), "white").save(buf, "JPEG")
    p = _write(tmp_path, "big.jpg", buf.getvalue())
    res = ingest(p, settings(tmp_path))
    (page,) = res.pages
    assert page.width * page.height <= 24_000_000 and page.width >= 3000


def test_decoding_memory_is_estimated_from_the_header(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.new("RGBA", (5000, 5000), (255, 255, 255, 255)).save(buf, "PNG")
    res = ingest(_write(tmp_path, "rgba.png", buf.getvalue()), settings(tmp_path, max_decode_bytes=50 << 20))
    assert res.error and "needs" in res.error and "MB" in res.error


# --------------------------------------------------------------------------- closed folders


def _case() -> Case:
    return Case.model_validate(
        {
            "case_id": "T",
            "service": "query.person",
            "submitted_on": date(2025, 3, 1).isoformat(),
            "applicant": {"name": "张三", "id_number": "420802198503121234"},
        }
    )


def _png() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((40, 40, 3), 200, np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def test_symlinks_fifos_devices_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.png").write_bytes(_png())
    case = tmp_path / "case"
    case.mkdir()
    (case / "link.png").symlink_to(outside / "secret.png")
    (case / "etc").symlink_to(outside)
    (case / "dangling.png").symlink_to(tmp_path / "nowhere.png")
    os.mkfifo(case / "fifo.jpg")
    (case / "zero.jpg").symlink_to("/dev/zero")
    for name in ("link.png", "etc/secret.png", "dangling.png", "fifo.jpg", "zero.jpg"):
        with pytest.raises(Refused):
            read_inside(case, name, 1 << 20)
        res = process_material(_case(), MaterialRef(file=name), case, settings(tmp_path), build_registry())
        (f,) = res.flags
        assert f.code == "material.unreadable" and (f.reason or "").startswith("拒绝读取"), name
        assert res.pages == [] and res.sha256 is None
    (case / "ok.png").write_bytes(_png())
    assert read_inside(case, "ok.png", 1 << 20) == _png()


def test_flow_fingerprint_follows_no_link(tmp_path: Path) -> None:
    from flows.storage import fingerprint_dir

    secret = tmp_path / "secret.bin"
    secret.write_bytes(b"one")
    case = tmp_path / "case"
    case.mkdir()
    (case / "case.json").write_text("{}")
    (case / "link.jpg").symlink_to(secret)
    (case / os.fsdecode(b"scan\xff.jpg")).write_bytes(b"x")
    first = fingerprint_dir(case)
    secret.write_bytes(b"two")  # the target changes; the folder does not
    assert fingerprint_dir(case) == first
