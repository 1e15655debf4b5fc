"""Seal detection figures per source: the real set (calibration / held-out), the sample corpus
(render family 1) and, when asked, the second render family (``bench/render2.py``).

    .venv/bin/python bench/seal_sources.py [--corpus samples/cases] [--family2 N] [--json FILE]

Only the detector runs here (``imaging.find_seals`` on the pixels, inside the document region as the
shipping check keeps it), no OCR: seconds, not minutes. Counts are printed as n/N.

* real set: presence accuracy (a seal found exactly on the images that carry a red or purple-red
  round/oval seal), red seals located (centre match), issuer seals located, false seals (found
  where no seal of any colour is labelled);
* corpus: materials of a type the generator stamps (one seal) found / all of them; materials
  without a seal where one was found (false seals). Photocopies (grey seal) are left out;
* family 2: the same two counts on its clean and faulted renders.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.codes import DocType  # noqa: E402
from samples import realset  # noqa: E402
from validators.support import imaging  # noqa: E402
from validators.support.seal_rings import document_hull  # noqa: E402


def centres(image: np.ndarray) -> list[tuple[float, float]]:
    """Seal centres as the shipping check counts them: on the document, not on the background."""
    mask = document_hull(imaging.find_document(image).mask)
    out = []
    for s in imaging.find_seals(image):
        cx, cy = (min(max(int(c), 0), n - 1) for c, n in zip(s.center, mask.shape[::-1], strict=True))
        if mask[cy, cx]:
            out.append(s.center)
    return out


def real_figures(items: list[realset.Item]) -> dict[str, object]:
    out: dict[str, object] = {}
    for split in ("calibration", "heldout", "all"):
        part = [it for it in items if split in ("all", it.split)]
        sc = realset.score_seals(part, centres)
        print(f"\n== real {split} ({len(part)} images)")
        for ln in sc.lines():
            print("  " + ln)
        if sc.missed:
            print("  missed: " + " ".join(sc.missed))
        if sc.false:
            print("  false:  " + " ".join(sc.false))
        out[split] = {k: v for k, v in sc.__dict__.items()}
    return out


def corpus_figures(corpus: Path) -> dict[str, object]:
    from bench.quality_calibration import corpus_samples, decode

    samples = [s for s in corpus_samples(corpus) if s.true_seals is not None]
    pos = found = neg = false = 0
    missed: list[str] = []
    falses: list[str] = []
    for s in samples:
        n = sum(len(centres(img)) for img in decode(s))
        if s.true_seals:
            pos += 1
            found += n > 0
            if n == 0:
                missed.append(s.name)
        else:
            neg += 1
            if n:
                false += 1
                falses.append(s.name)
    print(f"\n== corpus ({len(samples)} materials)")
    print(f"  stamped materials with a seal found   {found}/{pos}")
    print(f"  unstamped materials with a false seal {false}/{neg}")
    if missed:
        print("  missed: " + " ".join(missed[:30]))
    if falses:
        print("  false:  " + " ".join(falses[:30]))
    return {
        "stamped": pos,
        "found": found,
        "unstamped": neg,
        "false": false,
        "missed": missed,
        "falses": falses,
    }


def family2_figures(n: int, seed: int) -> dict[str, object]:
    from bench import render2

    pos = found = neg = false = cpos = cfound = 0
    missed: list[str] = []
    for doc in render2.corpus(n, seed):
        k = len(centres(doc.image))
        if doc.seals:
            pos += 1
            found += k > 0
            cpos += doc.clean
            cfound += doc.clean and k > 0
            if k == 0:
                missed.append(doc.name)
        else:
            neg += 1
            false += k > 0
    print(f"\n== family 2 ({pos + neg} renders)")
    print(f"  stamped renders with a seal found   {found}/{pos} (clean {cfound}/{cpos})")
    print(f"  unstamped renders with a false seal {false}/{neg}")
    if missed:
        print("  missed: " + " ".join(missed[:30]))
    return {
        "stamped": pos,
        "found": found,
        "clean_stamped": cpos,
        "clean_found": cfound,
        "unstamped": neg,
        "false": false,
        "missed": missed,
    }


def _checked(name: str, doc_type: DocType, image: np.ndarray, capture: str) -> dict[str, str]:
    """The shipping image and seal checks (real OCR) on one image: {code: severity}."""
    import io

    from PIL import Image

    from bench.quality_calibration import Sample, run_checks

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    s = Sample(name, doc_type, capture, buf.getvalue(), "png")
    run_checks(s)
    return s.flags


def _rate(n: int, d: int) -> str:
    return f"{n}/{d}" + (f" = {n / d:.3f}" if d else "")


def family2_checks(n: int, seed: int) -> dict[str, object]:
    """seal.missing and image.glare as the shipping checks decide them on family-2 renders."""
    from bench import render2
    from validators.seals import load_rules

    required = set(load_rules().required)
    rows = []
    for doc in render2.corpus(n, seed):
        flags = _checked(doc.name, doc.doc_type, doc.image, "family2")
        rows.append((doc, flags))
    clean_stamped = [(d, f) for d, f in rows if d.clean and d.seals and d.doc_type in required]
    unstamped = [(d, f) for d, f in rows if not d.seals and d.doc_type in required]
    glared = [(d, f) for d, f in rows if d.glare]
    unglared = [(d, f) for d, f in rows if not d.glare]
    out: dict[str, Any] = {
        "clean_stamped": len(clean_stamped),
        "seal_missing_blockers_on_clean": sum(f.get("seal.missing") == "blocker" for _, f in clean_stamped),
        "seal_missing_warnings_on_clean": sum(f.get("seal.missing") == "warning" for _, f in clean_stamped),
        "unstamped_required": len(unstamped),
        "unstamped_flagged": sum("seal.missing" in f for _, f in unstamped),
        "unstamped_blocker": sum(f.get("seal.missing") == "blocker" for _, f in unstamped),
        "glared": len(glared),
        "glare_found": sum("image.glare" in f for _, f in glared),
        "unglared": len(unglared),
        "glare_false": sum("image.glare" in f for _, f in unglared),
        "blockers_on_clean": [d.name for d, f in clean_stamped if f.get("seal.missing") == "blocker"],
        "glare_missed": [d.name for d, f in glared if "image.glare" not in f],
    }
    print(f"\n== family 2 through the shipping checks ({len(rows)} renders, real OCR)")
    print(
        f"  seal.missing blockers on clean stamped materials  {_rate(out['seal_missing_blockers_on_clean'], len(clean_stamped))}"
    )
    print(
        f"  seal.missing warnings on clean stamped materials  {_rate(out['seal_missing_warnings_on_clean'], len(clean_stamped))}"
    )
    print(
        f"  unstamped (seal required) flagged seal.missing    {_rate(out['unstamped_flagged'], len(unstamped))}  (blocker {out['unstamped_blocker']})"
    )
    print(f"  image.glare recall                                {_rate(out['glare_found'], len(glared))}")
    print(f"  image.glare on renders without glare              {_rate(out['glare_false'], len(unglared))}")
    return out


def real_checks(items: list[realset.Item]) -> dict[str, object]:
    """image.glare and seal.missing as the shipping checks decide them on the real set."""
    rows = []
    for it in items:
        dt = DocType(it.doc_type) if it.doc_type in DocType.__members__.values() else DocType.UNKNOWN
        rows.append((it, _checked(it.id, dt, it.image(), it.capture)))
    out: dict[str, object] = {}
    for split in ("calibration", "heldout"):
        part = [(it, f) for it, f in rows if it.split == split]
        inv = [(it, f) for it, f in part if it.doc_type == "medical_invoice" and it.red_seal]
        g = [(it, f) for it, f in part if it.glare]
        ng = [(it, f) for it, f in part if not it.glare]
        o: dict[str, Any] = {
            "stamped_invoices": len(inv),
            "seal_missing_blocker": sum(f.get("seal.missing") == "blocker" for _, f in inv),
            "seal_missing_warning": sum(f.get("seal.missing") == "warning" for _, f in inv),
            "glared": len(g),
            "glare_found": sum("image.glare" in f for _, f in g),
            "unglared": len(ng),
            "glare_false": sum("image.glare" in f for _, f in ng),
            "glare_false_ids": [it.id for it, f in ng if "image.glare" in f],
        }
        out[split] = o
        print(f"\n== real {split} through the shipping checks")
        print(
            f"  seal.missing on stamped invoices  blocker {_rate(o['seal_missing_blocker'], len(inv))}, warning {o['seal_missing_warning']}"
        )
        print(f"  image.glare recall                {_rate(o['glare_found'], len(g))}")
        print(
            f"  image.glare on images without     {_rate(o['glare_false'], len(ng))} {o['glare_false_ids']}"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT / "samples" / "cases")
    ap.add_argument("--no-corpus", action="store_true")
    ap.add_argument("--family2", type=int, default=0, help="documents of the second render family")
    ap.add_argument("--family2-checks", type=int, default=0, help="family-2 renders through the checks (OCR)")
    ap.add_argument("--real-checks", action="store_true", help="the real set through the checks (OCR)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    t0 = time.time()
    figures: dict[str, object] = {"real": real_figures(realset.load())}
    extra = realset.extra_root()
    if extra is not None:
        print(f"\n(extra real material from {realset.EXTRA_ENV})")
        figures["real_extra"] = real_figures(realset.load(extra))
    if not a.no_corpus:
        figures["corpus"] = corpus_figures(a.corpus)
    if a.family2:
        figures["family2"] = family2_figures(a.family2, a.seed)
    if a.family2_checks:
        figures["family2_checks"] = family2_checks(a.family2_checks, a.seed)
    if a.real_checks:
        figures["real_checks"] = real_checks(realset.load())
    print(f"\n{time.time() - t0:.0f} s")
    if a.json:
        a.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
