"""Peak resident memory of one material as its page count grows: a text-layer PDF of N A4 pages
(no OCR needed) read by a fresh process, either ingestion only or the whole material step
(ingest, reading, image and seal checks). Flat memory means the same peak for 10 and 100 pages.

    PYTHONPATH=. .venv/bin/python bench/memory_pdf.py [--pages 10,50,100] [--stage ingest|material]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LINES = [
    "住院费用清单",
    "患者姓名：张伟明    住院号：20240105  科室：心内科",
    "医院名称：新疆医科大学第一附属医院",
    "入院日期：2024年01月05日  出院日期：2024年01月18日",
    "合计（小写）：2514.50",
]


def make_pdf(path: Path, pages: int) -> None:
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


def child(pdf: Path, stage: str, home: Path) -> None:
    from pipeline.config import Settings
    from pipeline.ingest import ingest

    settings = Settings(home=home, workers=1, ocr_threads=1, max_pages=1000)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if stage == "ingest":
        res = ingest(pdf, settings)
        n = len(res.pages)
    else:
        from pipeline.models import Case, MaterialRef
        from pipeline.runner import process_material

        case = Case.model_validate(
            {
                "case_id": "MEM-1",
                "service": "reimbursement.offsite",
                "region": "jingmen",
                "submitted_on": "2024-09-10",
                "applicant": {"name": "张伟明", "id_number": "420822199903103950"},
                "materials": [{"file": pdf.name, "declared_type": "expense_list"}],
            }
        )
        m = process_material(case, MaterialRef(file=pdf.name, declared_type=None), pdf.parent, settings)
        n = len(m.pages)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"pages": n, "base_mb": base / 1024, "peak_mb": peak / 1024}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", default="10,50,100")
    ap.add_argument("--stage", choices=("ingest", "material"), default="ingest")
    ap.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--home", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.stage, args.home)
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="intake-mem-") as tmp:
        for n in (int(x) for x in args.pages.split(",")):
            pdf = Path(tmp) / f"p{n}.pdf"
            make_pdf(pdf, n)
            cmd = [sys.executable, __file__, "--child", str(pdf), "--stage", args.stage, "--home", tmp]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            rows.append(r)
            print(
                f"{args.stage:8s} {r['pages']:4d} pages: peak RSS {r['peak_mb']:7.0f} MB "
                f"(after imports {r['base_mb']:.0f} MB, +{r['peak_mb'] - r['base_mb']:.0f} MB)",
                flush=True,
            )
    if len(rows) >= 2:
        a, b = rows[0], rows[-1]
        slope = (b["peak_mb"] - a["peak_mb"]) / max(1, b["pages"] - a["pages"])
        print(f"growth: {slope:.1f} MB per page ({'flat' if slope < 1 else 'NOT flat'})")


if __name__ == "__main__":
    main()
