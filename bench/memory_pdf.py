"""Peak resident memory of one worker processing one material, as the page count grows.

Each row is one fresh process (a worker: ``workers=1``, one OCR thread) running the whole material
step (``process_material``: ingest, OCR, reading, every material check) on

* ``scan``: a scanned A4 PDF of N pages (JPEG pages at 200 dpi, as a scanner makes them): every page
  is rendered and OCR'd;
* ``text``: a text-layer A4 PDF of N pages (no OCR; pages are still rendered for the image checks);
* ``photo``: one 4000 x 3000 JPEG phone photo of a document.

Reported: the worker's peak RSS (``ru_maxrss``), the peak RSS of the child that parses and renders a
PDF (``RUSAGE_CHILDREN``; it is forked from the worker, so it counts the worker's shared pages
too), the seconds, and a digest of the flags and fields (the same digest before and after a change
means the same findings). Flat memory means the same peak for 1 and 100 pages.

By default the pages of a scanned PDF are identical, so OCR runs once and the other pages are OCR
cache hits (the cache lives in a fresh home per row): memory is measured through every stage of
every page at a fraction of the time. ``--distinct`` numbers each page, so every page is OCR'd.

``--src LABEL=DIR`` (repeatable) runs every row against each source tree in turn, in one run, e.g.
the tree before a change (``git archive main | tar -x -C /tmp/base``) and this one::

    PYTHONPATH=. .venv/bin/python bench/memory_pdf.py --kinds scan,photo --pages 1,10,50,100 \\
        --src before=/tmp/base --src after=.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

LINES = [
    "住院费用清单",
    "患者姓名：张伟明    住院号：20240105  科室：心内科",
    "医院名称：新疆医科大学第一附属医院",
    "入院日期：2024年01月05日  出院日期：2024年01月18日",
    "项目名称          数量      单价      金额",
    "床位费            13        45.00     585.00",
    "护理费            13        20.00     260.00",
    "西药费            1         812.30    812.30",
    "检查费            1         520.00    520.00",
    "化验费            1         337.20    337.20",
    "合计（小写）：2514.50",
]


# --------------------------------------------------------------------------- inputs


def _font(size: int):  # type: ignore[no-untyped-def]
    from PIL import ImageFont

    return ImageFont.truetype(str(FONT), size, index=2)


def _scan_page(number: str | None, width: int = 1654, height: int = 2339) -> bytes:
    """One A4 page at 200 dpi as a scanner's JPEG."""
    import numpy as np
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (width, height), (246, 245, 240))
    d = ImageDraw.Draw(im)
    f = _font(40)
    for j, text in enumerate(LINES):
        d.text((140, 180 + 90 * j), text, font=f, fill=(25, 25, 30))
    if number:
        d.text((width // 2 - 160, height - 200), number, font=f, fill=(25, 25, 30))
    noise = np.random.default_rng(7).normal(0, 4, (height, width, 1))
    arr = np.clip(np.asarray(im, dtype=np.float32) + noise, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=85, dpi=(200, 200))
    return buf.getvalue()


def make_scan_pdf(path: Path, pages: int, distinct: bool) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    same = None if distinct else ImageReader(io.BytesIO(_scan_page(None)))
    for i in range(pages):
        img = same or ImageReader(io.BytesIO(_scan_page(f"第 {i + 1} 页 共 {pages} 页")))
        c.drawImage(img, 0, 0, width=A4[0], height=A4[1])
        c.showPage()
    c.save()


def make_text_pdf(path: Path, pages: int) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=A4)
    for i in range(pages):
        c.setFont("STSong-Light", 14)
        for j, text in enumerate(LINES):
            c.drawString(60, 780 - 24 * j, text)
        c.drawString(60, 60, f"第 {i + 1} 页 共 {pages} 页")
        c.showPage()
    c.save()


def make_photo(path: Path, width: int = 4000, height: int = 3000) -> None:
    """A phone photo (landscape 4000 x 3000) of a portrait page lying on a table."""
    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(11)
    table = rng.normal(110, 12, (height // 8, width // 8, 3)).clip(0, 255).astype(np.uint8)
    im = Image.fromarray(table).resize((width, height), Image.Resampling.BILINEAR)
    pw, ph = 1900, 2700
    paper = Image.new("RGB", (pw, ph), (238, 236, 228))
    d = ImageDraw.Draw(paper)
    f = _font(52)
    for j, text in enumerate(LINES):
        d.text((120, 200 + 120 * j), text, font=f, fill=(30, 30, 35))
    paper = paper.rotate(3, expand=True, fillcolor=(110, 100, 90), resample=Image.Resampling.BICUBIC)
    im.paste(paper, ((width - paper.width) // 2, (height - paper.height) // 2))
    im.save(path, "JPEG", quality=90)


# --------------------------------------------------------------------------- one measurement


def child(material: Path, home: Path) -> None:
    from pipeline.app.wiring import build_registry
    from pipeline.config import Settings
    from pipeline.models import Case, MaterialRef
    from pipeline.runner import process_material

    settings = Settings(
        home=home,
        workers=1,
        ocr_threads=1,
        max_pages=1000,
        pdf_timeout=1800.0,  # the time and memory fences of hostile input are not measured here
        pdf_max_memory_mb=16384,
    )
    registry = build_registry()
    case = Case.model_validate(
        {
            "case_id": "MEM-1",
            "service": "reimburse.inpatient",
            "region": "xinjiang",
            "submitted_on": "2024-09-10",
            "applicant": {"name": "张伟明", "id_number": "420822199903103950"},
            "materials": [{"file": material.name, "declared_type": "expense_list"}],
        }
    )
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    m = process_material(case, MaterialRef(file=material.name), material.parent, settings, registry)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    found = json.dumps(
        {
            "flags": sorted(f"{f.code}:{f.severity}" for f in m.flags),
            "fields": {k: v.value for k, v in (m.document.fields if m.document else {}).items()},
            "lines": [[ln.text for ln in p.lines] for p in m.pages],
            "quality": m.quality.model_dump(mode="json") if m.quality else None,
        },
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )
    print(
        json.dumps(
            {
                "pages": len(m.pages),
                "base_mb": base / 1024,
                "peak_mb": peak / 1024,
                "child_mb": kids / 1024,
                "seconds": seconds,
                "flags": len(m.flags),
                "digest": hashlib.sha256(found.encode()).hexdigest()[:10],
                "unreadable": [f.code for f in m.flags if f.code.startswith(("material.", "system."))],
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kinds", default="scan,photo", help="scan, text, photo (comma-separated)")
    ap.add_argument("--pages", default="1,10,50,100")
    ap.add_argument("--distinct", action="store_true", help="number every page: every page is OCR'd")
    ap.add_argument("--src", action="append", default=[], metavar="LABEL=DIR", help="source trees to compare")
    ap.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--home", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.home)
        return
    here = Path(__file__).resolve().parents[1]
    trees = [(s.split("=", 1)[0], Path(s.split("=", 1)[1]).resolve()) for s in args.src] or [("this", here)]
    kinds = [k for k in args.kinds.split(",") if k]
    counts = [int(x) for x in args.pages.split(",") if x]
    print(f"load average {os.getloadavg()[0]:.1f}; {'distinct' if args.distinct else 'identical'} scan pages")
    print(f"{'tree':8s} {'kind':6s} {'pages':>5s} {'worker MB':>10s} {'pdf child MB':>13s} {'s':>7s}  digest")
    with tempfile.TemporaryDirectory(prefix="intake-mem-") as tmp:
        jobs: list[tuple[str, int, Path]] = []
        for kind in kinds:
            for n in [1] if kind == "photo" else counts:
                d = Path(tmp) / f"{kind}{n}"
                d.mkdir()
                if kind == "scan":
                    f = d / "list.pdf"
                    make_scan_pdf(f, n, args.distinct)
                elif kind == "text":
                    f = d / "list.pdf"
                    make_text_pdf(f, n)
                else:
                    f = d / "photo.jpg"
                    make_photo(f)
                jobs.append((kind, n, f))
        for kind, n, f in jobs:
            for label, src in trees:
                home = Path(tempfile.mkdtemp(prefix="home-", dir=tmp))
                cmd = [sys.executable, "-c", _CHILD, str(src), str(f), str(home)]
                env = {**os.environ, "PYTHONPATH": str(src)}
                p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=src)
                if p.returncode != 0:
                    print(
                        f"{label:8s} {kind:6s} {n:5d} failed: {p.stderr.strip().splitlines()[-1:]}",
                        flush=True,
                    )
                    continue
                r = json.loads(p.stdout.strip().splitlines()[-1])
                note = f" {r['unreadable']}" if r["unreadable"] else ""
                print(
                    f"{label:8s} {kind:6s} {r['pages']:5d} {r['peak_mb']:10.0f} {r['child_mb']:13.0f} "
                    f"{r['seconds']:7.1f}  {r['digest']}{note}",
                    flush=True,
                )


#: the child runs this file's ``child`` with the other tree first on the path
_CHILD = (
    "import runpy, sys; src, material, home = sys.argv[1:4]; sys.path.insert(0, src); "
    f"mod = runpy.run_path({str(Path(__file__).resolve())!r}); "
    "from pathlib import Path; mod['child'](Path(material), Path(home))"
)


if __name__ == "__main__":
    main()
