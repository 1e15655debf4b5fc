"""Calibrate and measure the image checks of issue 5 on labelled materials.

    .venv/bin/python bench/quality_calibration.py [--corpus samples/cases] [--synthetic N] [--seed S]

Materials come from two places:

* the committed sample corpus (``samples/cases/*/expected.json``): each material's ``capture`` label
  (``photo+glare``, ``clean+low_res`` ...) says which image faults it carries;
* ``--synthetic N``: N extra rounds of the sample generator's documents through its own captures and
  faults (``samples.generator``), so every code has enough positives to measure a recall.

Every material is read by the real OCR (``recognize_page``, cached by content hash under the
configured ``INTAKE_HOME``), then the shipping checks run on it (``validators.image_quality``,
``validators.seals``) with the document type known, so the figures are those of the checks, not of
the classifier. Printed: per code, recall on materials with that fault and false positives on
clean materials; seal detection precision and recall (against the seals the generator drew); the
distributions of the measures behind the thresholds (clean vs faulted) and the threshold each
distribution would suggest.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.codes import DocType  # noqa: E402
from pipeline.config import get_settings  # noqa: E402
from pipeline.models import Case, Document, MaterialRef, Page, PageText  # noqa: E402
from pipeline.plugins import MaterialContext  # noqa: E402

FAULT_CODE = {
    "blur": "image.blurry",
    "motion_blur": "image.blurry",
    "low_res": "image.low_resolution",
    "glare": "image.glare",
    "corner_cut": "image.incomplete",
}
#: document types the sample generator stamps with one red seal
SEALED = {
    DocType.DIAGNOSIS_CERTIFICATE,
    DocType.DISCHARGE_RECORD,
    DocType.EXPENSE_LIST,
    DocType.HUKOU_BOOKLET,
    DocType.LABOR_CONTRACT,
    DocType.MEDICAL_INVOICE,
    DocType.REFERRAL_SLIP,
    DocType.SETTLEMENT_STATEMENT,
    DocType.WORK_DISPATCH_PROOF,
}
CODES = ["image.blurry", "image.low_resolution", "image.glare", "image.incomplete", "image.photocopy"]


@dataclass
class Sample:
    name: str
    doc_type: DocType
    capture: str  # generator label, e.g. "photo+glare"
    data: bytes
    ext: str
    true_seals: int | None = None
    flags: dict[str, str] = field(default_factory=dict)
    measures: dict[str, float] = field(default_factory=dict)

    @property
    def faults(self) -> set[str]:
        return set(self.capture.split("+")[1:])

    @property
    def kind(self) -> str:
        return self.capture.split("+")[0]

    def expected(self) -> set[str]:
        exp = {FAULT_CODE[f] for f in self.faults if f in FAULT_CODE}
        return exp

    def allowed(self) -> set[str]:
        """Codes that are not false positives on this material (consequences of its faults)."""
        allow = set(self.expected())
        if "low_res" in self.faults:
            allow.add("image.blurry")  # 360 px: the text is a few pixels of mush
        if self.kind == "photocopy":
            allow.add("image.photocopy")
        return allow


# --------------------------------------------------------------------------- inputs


def corpus_samples(root: Path) -> list[Sample]:
    out: list[Sample] = []
    for exp_path in sorted(root.glob("*/expected.json")):
        case_dir = exp_path.parent
        exp = json.loads(exp_path.read_text(encoding="utf-8"))
        for file, info in (exp.get("materials") or {}).items():
            p = case_dir / file
            if not p.is_file() or not info.get("type") or info.get("broken"):
                continue
            cap = str(info.get("capture") or "clean")
            dt = DocType(info["type"])
            # the generator draws one seal on these types, none elsewhere; a seal.missing case drops it
            seals: int | None = 1 if dt in SEALED else 0
            if dt in SEALED and "seal.missing" in exp.get("must", []):
                seals = 0 if dt in _required() else None
            if cap.startswith("photocopy"):
                seals = None  # the seal turned grey: not a red seal any more
            out.append(
                Sample(f"{case_dir.name}/{file}", dt, cap, p.read_bytes(), p.suffix.lstrip("."), seals)
            )
    return out


def synthetic_samples(rounds: int, seed: int) -> list[Sample]:
    """The generator's documents through its captures: clean ones and one of each fault."""
    from samples.generator import documents as gd
    from samples.generator import materials as gm
    from samples.generator.canvas import Seal
    from samples.generator.people import new_person
    from samples.generator.story import new_story

    rng = random.Random(seed)
    types = [t for t in gd.RENDERERS if t != DocType.UNKNOWN]
    seal_types = {DocType.REFERRAL_SLIP, DocType.MEDICAL_INVOICE, DocType.WORK_DISPATCH_PROOF}
    out: list[Sample] = []
    for r in range(rounds):
        group = rng.choice(["xinjiang", "jingmen"])
        person = new_person(rng, group, date(2025, 3, 1))
        story = new_story(rng, person, date(2025, 3, 1), group)
        for i, t in enumerate(types):
            layouts = gd.RENDERERS[t][1]
            layout = layouts[(r + i) % len(layouts)]
            with_seal = not (t in seal_types and (r + i) % 4 == 0)
            doc = gd.render_document(t, story, layout, gd.Opts(seal=with_seal, seed=seed + 97 * r + i))
            n_seals = sum(isinstance(it, Seal) for p in doc.pages for it in p.items)
            caps = [gm.Capture(rng.choice(["clean", "photo", "scan"]))]
            fault = ["blur", "motion_blur", "low_res", "glare", "corner_cut", None][(r + i) % 6]
            if fault == "corner_cut":
                caps.append(gm.Capture("photo", ("corner_cut",)))
            elif fault == "glare":  # over text: a spot on blank paper hides nothing
                at = (0.35, 0.45) if doc.card else (0.45, 0.22)
                caps.append(gm.Capture(rng.choice(["clean", "photo"]), (fault,), glare_at=at))
            elif fault is not None:
                caps.append(gm.Capture(rng.choice(["clean", "photo"]), (fault,)))
            if (r + i) % 7 == 0:
                caps.append(gm.Capture("photocopy"))
            for cap in caps:
                data = gm.capture_bytes(doc, cap, seed + 1000 * r + i)
                seals = n_seals if cap.kind != "photocopy" else 0
                out.append(Sample(f"syn{r}/{t.value}/{cap.label}", t, cap.label, data, cap.ext, seals))
    return out


# --------------------------------------------------------------------------- running the checks


def decode(s: Sample) -> list[np.ndarray]:
    from PIL import Image

    if s.ext == "pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(s.data)
        return [np.asarray(pdf[i].render(scale=200 / 72).to_pil().convert("RGB")) for i in range(len(pdf))]
    return [np.asarray(Image.open(io.BytesIO(s.data)).convert("RGB"))]


def run_checks(s: Sample) -> None:
    from pipeline.ocr import recognize_page
    from validators import image_quality as iq
    from validators import seals as vs

    settings = get_settings()
    images = decode(s)
    pages, texts = [], []
    for i, img in enumerate(images):
        lines, rot = recognize_page(img, settings)
        h, w = img.shape[:2]
        pages.append(Page(index=i, width=w, height=h, source="image", image=img))
        texts.append(PageText(index=i, width=w, height=h, source="image", rotation=rot, lines=lines))
    case = Case.model_validate(
        {
            "case_id": "BENCH",
            "service": "reimburse.inpatient",
            "submitted_on": "2025-03-01",
            "applicant": {"name": "x", "id_number": "x"},
        }
    )
    ctx = MaterialContext(
        case=case,
        ref=MaterialRef(file=s.name.replace("/", "_")),
        settings=settings,
        pages=pages,
        texts=texts,
        document=Document(type=s.doc_type, confidence=1.0),
    )
    flags = list(iq.image_quality(ctx)) + list(vs.official_seals(ctx))
    s.flags = {f.code: f.severity.value for f in flags}
    pq = iq.page_qualities(ctx)
    worst = max(pq, key=lambda p: p.blur)
    s.measures = {
        "blur_rel": worst.sharp.relative,
        "blur": ctx.quality.blur,
        "text_px": min((p.sharp.text_px for p in pq if p.sharp.text_px > 0), default=0.0),
        "short_side": min(p.short_side for p in pq),
        "conf": worst.confidence if worst.confidence is not None else 0.0,
        "glare": ctx.quality.glare,
        "chroma": max(p.colour.chroma_p99 for p in pq),
        "seals": ctx.quality.seal_count,
    }


# --------------------------------------------------------------------------- report


def _suggest(clean: list[float], bad: list[float], higher_is_bad: bool = True) -> str:
    if not clean or not bad:
        return "n/a"
    if higher_is_bad:
        lo, hi = float(np.percentile(clean, 98)), float(np.percentile(bad, 5))
    else:
        lo, hi = float(np.percentile(bad, 95)), float(np.percentile(clean, 2))
    return f"{lo:.4g} .. {hi:.4g} (midpoint {(lo + hi) / 2:.4g})" + ("" if lo < hi else "  OVERLAP")


def report(samples: list[Sample]) -> dict[str, object]:
    clean = [s for s in samples if not s.faults and s.kind != "photocopy"]
    print(f"\n{len(samples)} materials ({len(clean)} clean)")
    print(f"{'code':24s} {'recall':>14s} {'false pos (clean)':>20s}")
    result: dict[str, object] = {}
    for code in CODES:
        if code == "image.photocopy":
            pos = [s for s in samples if s.kind == "photocopy" and s.doc_type in _original_required()]
        else:
            pos = [s for s in samples if code in s.expected()]
        hit = [s for s in pos if code in s.flags]
        fp = [s for s in clean if code in s.flags]
        rec = len(hit) / len(pos) if pos else float("nan")
        fpr = len(fp) / len(clean) if clean else float("nan")
        print(
            f"{code:24s} {len(hit):>4d}/{len(pos):<4d} {rec:5.2f}   {len(fp):>6d}/{len(clean):<4d} {fpr:6.3f}"
        )
        for s in [s for s in pos if code not in s.flags][:6]:
            print(f"    missed: {s.name}  {_fmt(s.measures)}")
        for s in fp[:6]:
            print(f"    false+: {s.name}  {_fmt(s.measures)}")
        result[code] = {"recall": rec, "positives": len(pos), "fp_rate": fpr, "clean": len(clean)}
    # any unexpected image flag on a faulted material
    other = [
        (s, c)
        for s in samples
        if s.faults
        for c in s.flags
        if c.startswith("image.") and c not in s.allowed()
    ]
    print(f"unexpected image flags on faulted materials: {len(other)}")
    for s, c in other[:8]:
        print(f"    {c} on {s.name}  {_fmt(s.measures)}")

    # seal.missing: materials that must bear a seal and have none vs those that have one
    req = _required()
    need = [s for s in samples if s.doc_type in req and s.true_seals == 0]
    have = [s for s in samples if s.doc_type in req and s.true_seals and not s.faults]
    n_hit = sum("seal.missing" in s.flags for s in need)
    fps = [s for s in have if "seal.missing" in s.flags]
    print(
        f"{'seal.missing':24s} {n_hit:>4d}/{len(need):<4d} {n_hit / max(1, len(need)):5.2f}   {len(fps):>6d}/{len(have):<4d}"
    )
    for s in fps[:6]:
        print(f"    false+: {s.name}  {_fmt(s.measures)}")
    result["seal.missing"] = {
        "recall": n_hit / max(1, len(need)),
        "positives": len(need),
        "false_pos": len(fps),
    }

    # seals: per material, found vs drawn (counts)
    tp = fp_ = fn = 0
    for s in samples:
        if s.true_seals is None or s.faults & {"blur", "motion_blur", "low_res"}:
            continue
        found = int(s.measures.get("seals", 0))
        tp += min(found, s.true_seals)
        fp_ += max(0, found - s.true_seals)
        fn += max(0, s.true_seals - found)
        if found != s.true_seals:
            print(f"    seals {found} found, {s.true_seals} drawn: {s.name}")
    prec = tp / (tp + fp_) if tp + fp_ else float("nan")
    rec = tp / (tp + fn) if tp + fn else float("nan")
    print(f"seal detection: precision {prec:.3f}  recall {rec:.3f}  (tp {tp}, fp {fp_}, fn {fn})")
    result["seals"] = {"precision": prec, "recall": rec, "tp": tp, "fp": fp_, "fn": fn}

    def vals(group: list[Sample], key: str) -> list[float]:
        return [s.measures[key] for s in group if key in s.measures]

    blurred = [s for s in samples if s.faults & {"blur", "motion_blur"}]
    glared = [s for s in samples if "glare" in s.faults]
    lowres = [s for s in samples if "low_res" in s.faults]
    print("\nthreshold ranges (clean p98 .. faulted p5):")
    print("  blur (relative edge width):", _suggest(vals(clean, "blur_rel"), vals(blurred, "blur_rel")))
    print("  glare share:               ", _suggest(vals(clean, "glare"), vals(glared, "glare")))
    print(
        "  text height px (low side): ",
        _suggest(vals(clean, "text_px"), [v for v in vals(lowres, "text_px") if v > 0], higher_is_bad=False),
    )
    print(
        "  document short side px:    ",
        _suggest(vals(clean, "short_side"), vals(lowres, "short_side"), higher_is_bad=False),
    )
    return result


def _required() -> set[DocType]:
    from validators.seals import load_rules

    return set(load_rules().required)


def _original_required() -> set[DocType]:
    from validators.image_quality import load_config

    return set(load_config().photocopy.original_required)


def _fmt(m: dict[str, float]) -> str:
    return " ".join(f"{k}={v:.3g}" for k, v in m.items())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT / "samples" / "cases")
    ap.add_argument("--synthetic", type=int, default=0, help="rounds of generator documents (19 types each)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args(argv)
    samples = corpus_samples(args.corpus) if args.corpus.is_dir() else []
    if args.synthetic:
        samples += synthetic_samples(args.synthetic, args.seed)
    if not samples:
        print("no materials: build the corpus or pass --synthetic N", file=sys.stderr)
        return 1
    by_code: dict[str, int] = defaultdict(int)
    t0 = time.time()
    for i, s in enumerate(samples, 1):
        try:
            run_checks(s)
        except Exception as e:  # one bad sample must not stop the bench
            print(f"  {s.name}: {type(e).__name__}: {e}", file=sys.stderr)
        for c in s.flags:
            by_code[c] += 1
        if i % 10 == 0:
            print(f"  {i}/{len(samples)} in {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    res = report(samples)
    if args.json:
        args.json.write_text(json.dumps(res, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
