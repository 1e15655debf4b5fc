"""Lazy page pixels (issue 18): a long material keeps only a few pages in memory, and OCR and the
checks see exactly the pixels they saw when every page stayed in memory."""

from __future__ import annotations

import io
import json
import os
import runpy
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.app.wiring import build_registry, build_runner
from pipeline.config import Settings
from pipeline.ingest import ingest
from pipeline.models import Case, MaterialRef
from pipeline.pixels import PREFIX, PagePixels
from pipeline.plugins import MaterialContext
from pipeline.runner import _read_pages
from samples.case_ids import sample_case
from tests.rendering import render_lines, scanned_pdf
from validators.image_quality import PageFacts, image_quality
from validators.seals import official_seals

ROOT = Path(__file__).resolve().parents[1]


def make_text_pdf(path: Path, pages: int) -> None:
    """An A4 text-layer PDF of ``pages`` numbered pages (the benchmark's, ``bench/memory_pdf.py``)."""
    runpy.run_path(str(ROOT / "bench" / "memory_pdf.py"))["make_text_pdf"](path, pages)


@pytest.fixture()
def spill_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private TMPDIR, so that what this test leaves behind can be counted."""
    d = tmp_path / "tmp"
    d.mkdir()
    monkeypatch.setenv("TMPDIR", str(d))
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    return d


def _left(root: Path) -> list[Path]:
    return sorted(root.glob(PREFIX + "*"))


def _pages(n: int) -> list[Image.Image]:
    rng = np.random.default_rng(3)
    out = []
    for i in range(n):
        im = render_lines([f"住院费用清单 第{i + 1}页", "患者姓名：张伟明", f"金额：{100 + i}.50"], width=900)
        noisy = np.asarray(im, dtype=np.int16) + rng.integers(-6, 7, (im.height, im.width, 3))
        out.append(Image.fromarray(noisy.clip(0, 255).astype(np.uint8)))
    return out


def _settings(home: Path, **kw: object) -> Settings:
    return Settings(home=home, workers=1, ocr_threads=1, **kw)  # type: ignore[arg-type]


def test_page_store_is_exact_owner_only_bounded_and_removed(spill_root: Path) -> None:
    store = PagePixels.create(keep=2)
    imgs = [np.random.default_rng(i).integers(0, 256, (40 + i, 30, 3), dtype=np.uint8) for i in range(4)]
    for i, a in enumerate(imgs):
        store.put(i, a)
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in store.directory.iterdir()} == {0o600}
    for i, a in enumerate(imgs):
        got = store.get(i)
        assert got.dtype == np.uint8 and np.array_equal(got, a)
        assert not got.flags.writeable  # a check cannot change what the next one sees
    assert store.loads == 4
    store.get(3), store.get(2)  # the last two are cached
    assert store.loads == 4
    store.get(0)  # evicted: read again
    assert store.loads == 5 and len(store._cache) == 2
    store.close()
    assert _left(spill_root) == []
    with pytest.raises(ValueError, match="closed"):
        store.get(1)
    store.close()  # idempotent


def test_long_pdf_spills_and_reads_back_the_same_pixels(tmp_path: Path, spill_root: Path) -> None:
    pdf = tmp_path / "scan.pdf"
    scanned_pdf(pdf, _pages(5))
    held = ingest(pdf, _settings(tmp_path / "h1", pixel_cache_pages=10))
    assert held.error is None and held.pixels is None and _left(spill_root) == []
    with ingest(pdf, _settings(tmp_path / "h2", pixel_cache_pages=2)) as lazy:
        assert lazy.error is None and lazy.pixels is not None
        assert len(_left(spill_root)) == 1
        assert [p.model_dump() for p in lazy.pages] == [p.model_dump() for p in held.pages]
        for a, b in zip(held.pages, lazy.pages, strict=True):
            assert b.has_pixels
            assert b.image is not None and a.image is not None
            assert np.array_equal(a.image, b.image) and a.image.dtype == b.image.dtype
        assert len(lazy.pixels._cache) <= 2
    assert _left(spill_root) == []  # removed when the material is done


def test_multipage_tiff_spills_and_reads_back_the_same_pixels(tmp_path: Path, spill_root: Path) -> None:
    frames = _pages(4)
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw")
    tif = tmp_path / "scan.tif"
    tif.write_bytes(buf.getvalue())
    held = ingest(tif, _settings(tmp_path / "h1", pixel_cache_pages=10))
    lazy = ingest(tif, _settings(tmp_path / "h2", pixel_cache_pages=1))
    assert held.pixels is None and lazy.pixels is not None
    for a, b in zip(held.pages, lazy.pages, strict=True):
        assert np.array_equal(a.image, b.image)  # type: ignore[arg-type]
    lazy.close()
    assert _left(spill_root) == []


def test_nothing_is_left_when_the_pdf_is_refused_half_way(tmp_path: Path, spill_root: Path) -> None:
    pdf = tmp_path / "scan.pdf"
    scanned_pdf(pdf, _pages(4))
    one_page = 900 * 400 * 3  # refused while writing the second page, in the bounded child
    res = ingest(pdf, _settings(tmp_path / "h", pixel_cache_pages=1, max_spill_bytes=one_page + 10))
    assert res.error and "MB in all" in res.error
    assert res.pages == [] and _left(spill_root) == []
    res = ingest(pdf, _settings(tmp_path / "h", pixel_cache_pages=1, max_pages=3))
    assert res.error and "limit of 3" in res.error and _left(spill_root) == []


def _case(file: str) -> Case:
    return Case.model_validate(
        {
            "case_id": "MEM-1",
            "service": "reimburse.inpatient",
            "region": "xinjiang",
            "submitted_on": "2024-09-10",
            "applicant": {"name": "张伟明", "id_number": "420822199903103950"},
            "materials": [{"file": file, "declared_type": "expense_list"}],
        }
    )


def _check(pdf: Path, settings: Settings) -> tuple[str, MaterialContext]:
    """The pixel checks of a text-layer PDF (no OCR needed), as the runner runs them."""
    ing = ingest(pdf, settings)
    assert ing.error is None
    texts = _read_pages(ing.pages, settings)
    ctx = MaterialContext(
        case=_case(pdf.name), ref=MaterialRef(file=pdf.name), settings=settings, pages=ing.pages, texts=texts
    )
    ctx.document = build_registry().read_document(texts, None)
    flags = [f.model_dump(mode="json") for check in (image_quality, official_seals) for f in check(ctx)]
    found = json.dumps({"flags": flags, "quality": ctx.quality.model_dump(mode="json")}, sort_keys=True)
    return found, ctx


def test_checks_find_the_same_on_spilled_pages_and_hold_one_page(tmp_path: Path, spill_root: Path) -> None:
    """3 pages, a cache of 1: the image and seal checks read every page's pixels back, and neither the
    page store nor the checks' upright views and document regions keep more than one page."""
    pdf = tmp_path / "list.pdf"
    make_text_pdf(pdf, 3)
    held, _ = _check(pdf, _settings(tmp_path / "h1", pixel_cache_pages=10))
    lazy, ctx = _check(pdf, _settings(tmp_path / "h2", pixel_cache_pages=1))
    assert lazy == held
    assert ctx.quality.blur is not None  # the pages were measured
    store = ctx.pages[0]._store
    assert store is not None and store.loads >= 3 and len(store._cache) == 1
    facts = ctx.fact(PageFacts)
    assert len(facts.views) == 3 and len(facts._upright) == 1 and len(facts._regions) == 1
    store.close()
    assert _left(spill_root) == []


def test_sample_case_gives_the_same_report_when_every_material_spills(
    tmp_path: Path, spill_root: Path
) -> None:
    """Recorded OCR replays by pixel hash: a changed pixel would be a recorded-OCR miss."""
    case_dir = sample_case("long_term_permit")
    reports = []
    for keep in (2, 0):
        s = _settings(tmp_path / f"h{keep}", ocr_engine="recorded", ocr_cache=False, pixel_cache_pages=keep)
        with build_runner(s, pool=False) as runner:
            rep = runner.run(case_dir).to_json()
        reports.append(json.dumps({k: rep[k] for k in ("decision", "flags", "materials")}, sort_keys=True))
    assert reports[0] == reports[1]
    assert "system.processing_failed" not in reports[1]
    assert _left(spill_root) == []


# --------------------------------------------------------------------------- memory

#: A 60-page A4 PDF at 200 dpi is 60 x 11.6 MB of pixels. Before lazy pixels the PDF child held
#: them all and pickled them (it ran out of its 768 MB at ~40 pages) and the worker kept them all
#: (~700 MB more); with them, the worker and the child hold about one page at a time.
INGEST_PEAK_MB = 450  # reading every page's pixels once, as OCR does (after: 185 MB, once 383 MB)
MATERIAL_PEAK_MB = 450  # the whole material step, every check (after: 339 MB, PDF child 247 MB)

_CHILD = """
import json, resource, sys
from pathlib import Path
def _hwm_mb():
    # peak RSS of this process's own memory (VmHWM). Not ru_maxrss: Linux keeps that across execve,
    # so a child spawned (vfork + exec) by a big pytest worker starts at the worker's peak.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
from pipeline.app.wiring import build_registry
from pipeline.config import Settings
from pipeline.ingest import ingest
from pipeline.models import Case, MaterialRef
from pipeline.runner import process_material
from pipeline.safety import page_blank
d, home, case, stage = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
s = Settings(home=home, workers=1, ocr_threads=1, max_pages=60, pdf_timeout=600.0)
if stage == "ingest":
    with ingest(d / "list.pdf", s) as ing:
        n, codes = len(ing.pages), [ing.error] if ing.error else []
        blank = [page_blank(p.image) for p in ing.pages]  # every page's pixels, one at a time
else:
    m = process_material(Case.model_validate_json(case), MaterialRef(file="list.pdf"), d, s, build_registry())
    n, codes = len(m.pages), [f.code for f in m.flags]
print(json.dumps({
    "pages": n,
    "codes": codes,
    "worker_mb": _hwm_mb(),
    "child_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""


def _sixty_pages(tmp_path: Path, stage: str) -> dict[str, object]:
    d = tmp_path / "case"
    d.mkdir()
    make_text_pdf(d / "list.pdf", 60)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [
        sys.executable,
        "-c",
        _CHILD,
        str(d),
        str(tmp_path / "home"),
        _case("list.pdf").model_dump_json(),
        stage,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True, timeout=900).stdout
    r: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    assert r["pages"] == 60, r
    assert not [c for c in r["codes"] if c.startswith(("material.unreadable", "system."))], r  # type: ignore[attr-defined]
    return r


def test_sixty_page_pdf_is_read_page_by_page_in_flat_memory(tmp_path: Path, spill_root: Path) -> None:
    r = _sixty_pages(tmp_path, "ingest")
    assert r["worker_mb"] < INGEST_PEAK_MB, r  # type: ignore[operator]
    assert r["child_mb"] < INGEST_PEAK_MB, r  # type: ignore[operator]
    assert _left(spill_root) == []


@pytest.mark.slow  # ~1 s of image and seal checks per page: 1-2 minutes
def test_sixty_page_pdf_through_every_check_in_flat_memory(tmp_path: Path, spill_root: Path) -> None:
    r = _sixty_pages(tmp_path, "material")
    assert r["worker_mb"] < MATERIAL_PEAK_MB, r  # type: ignore[operator]
    assert r["child_mb"] < MATERIAL_PEAK_MB, r  # type: ignore[operator]
    assert _left(spill_root) == []


#: the pixel side of a 4000 x 3000 phone photo (decoding, the image and seal checks; the OCR engine
#: is measured by bench/memory_pdf.py): 12 MP, 36 MB of RGB (336 MB on 2026-11-30)
PHOTO_PEAK_MB = 450

_PHOTO = """
import json, resource, sys
from pathlib import Path
def _hwm_mb():
    # peak RSS of this process's own memory (VmHWM). Not ru_maxrss: Linux keeps that across execve,
    # so a child spawned (vfork + exec) by a big pytest worker starts at the worker's peak.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
from pipeline.config import Settings
from pipeline.ingest import ingest
from pipeline.models import Case, MaterialRef, PageText
from pipeline.plugins import MaterialContext
from validators.image_quality import image_quality
from validators.seals import official_seals
photo, home, case = Path(sys.argv[1]), Path(sys.argv[2]), Case.model_validate_json(sys.argv[3])
s = Settings(home=home, workers=1, ocr_threads=1)
with ingest(photo, s) as ing:
    assert ing.error is None, ing.error
    p = ing.pages[0]
    texts = [PageText(index=0, width=p.width, height=p.height, source="image")]
    ctx = MaterialContext(case=case, ref=MaterialRef(file=photo.name), settings=s, pages=ing.pages, texts=texts)
    codes = [f.code for check in (image_quality, official_seals) for f in check(ctx)]
print(json.dumps({"size": [p.width, p.height], "codes": codes,
                  "worker_mb": _hwm_mb()}))
"""


def test_phone_photo_stays_within_its_budget(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    runpy.run_path(str(ROOT / "bench" / "memory_pdf.py"))["make_photo"](photo)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [
        sys.executable,
        "-c",
        _PHOTO,
        str(photo),
        str(tmp_path / "home"),
        _case("photo.jpg").model_dump_json(),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True, timeout=600).stdout
    r = json.loads(out.strip().splitlines()[-1])
    assert r["size"] == [4000, 3000], r
    assert r["worker_mb"] < PHOTO_PEAK_MB, r


def test_spill_folders_of_a_killed_worker_are_swept(spill_root: Path) -> None:
    """A worker killed with SIGKILL (OOM killer, kill -9) cannot remove its pages' folder: the next
    runner sweeps folders whose process is gone. A live process's folder is left alone."""
    import os
    import signal
    import time

    from pipeline.pixels import make_spill_dir, sweep_orphans

    pid = os.fork()
    if pid == 0:  # a "worker" that spills a page and dies without cleaning up
        d = make_spill_dir()
        (d / "0.npy").write_bytes(b"pixels")
        os.kill(os.getpid(), signal.SIGKILL)
    os.waitpid(pid, 0)
    orphans = _left(spill_root)
    assert len(orphans) == 1
    mine = make_spill_dir()
    assert sweep_orphans() == 0  # just written: it may belong to a process we cannot see
    old = time.time() - 3600
    for d in (*orphans, mine):
        os.utime(d, (old, old))
    assert sweep_orphans() == 1
    assert _left(spill_root) == [mine]
    assert sweep_orphans() == 0
    mine.rmdir()
