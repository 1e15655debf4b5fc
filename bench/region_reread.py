"""What the second look's band re-read costs (``pipeline.ocr.recognize_region``), against its peer,
the page's own OCR (``recognize_page``), on the real set's invoices: CPU seconds of each, in one run,
no cache, one OCR thread, medians and the ratio.

    PYTHONPATH=. .venv/bin/python bench/region_reread.py [--n 8] [--json FILE]

The band is the one the invoice spec gives the number (``rescan`` of ``invoice_number`` in
``extractors/specs.yaml``: the top 40 % of the text), enlarged as the runner's look enlarges it. The
re-read happens only on a page where a key field was not read (no sample case; 2 of the 36 real
invoices), so its cost there is what this measures; pages read in full are unaffected.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from extractors._base import load_specs  # noqa: E402
from pipeline.codes import DocType  # noqa: E402
from pipeline.config import Settings  # noqa: E402
from pipeline.ocr import get_engine, recognize_page, recognize_region, upright  # noqa: E402
from samples import realset  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=8, help="invoices timed (the first n of the real set)")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    band = load_specs().types[DocType.MEDICAL_INVOICE].fields["invoice_number"].rescan
    assert band is not None
    top, bottom = band
    settings = Settings(
        home=Path(tempfile.mkdtemp(prefix="intake-bench-")), ocr_cache=False, workers=1, ocr_threads=1
    )
    engine = get_engine(settings)
    invoices = [it for it in realset.load() if it.doc_type == "medical_invoice"][: a.n]
    page_s, band_s = [], []
    for it in invoices:
        img = it.image()
        t = time.process_time()
        lines, rot = recognize_page(img, settings, engine)
        page_s.append(time.process_time() - t)
        up = upright(img, rot)
        x0, y0 = min(ln.box[0] for ln in lines), min(ln.box[1] for ln in lines)
        x1, y1 = max(ln.box[2] for ln in lines), max(ln.box[3] for ln in lines)
        crop = np.ascontiguousarray(
            up[int(y0 + top * (y1 - y0)) : int(y0 + bottom * (y1 - y0)), int(x0) : int(x1)]
        )
        t = time.process_time()
        recognize_region(crop, settings, engine)
        band_s.append(time.process_time() - t)
        print(f"{it.id}: page {page_s[-1]:.2f} s, band {band_s[-1]:.2f} s CPU")
    ratios = [b / p for b, p in zip(band_s, page_s, strict=True)]
    figures = {
        "n": len(invoices),
        "page_median_s": round(statistics.median(page_s), 3),
        "band_median_s": round(statistics.median(band_s), 3),
        "ratio_median": round(statistics.median(ratios), 3),
    }
    print(
        f"\n{figures['n']} invoices: page OCR median {figures['page_median_s']} s CPU, header band re-read "
        f"median {figures['band_median_s']} s CPU; band / page median {figures['ratio_median']}x"
    )
    if a.json:
        a.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
