"""Contract fields on the real set (``samples/real``): the shipping reader on real OCR against the
fields labelled by hand in the manifest (``fields:`` of each item; the issue's target: fields >= 0.97
where labels exist).

    PYTHONPATH=. .venv/bin/python bench/real_fields.py [--look] [--show-names] [--json FILE]

Each labelled item is read as the pipeline reads one image page: ``pipeline.ocr.recognize_page``
(real OCR, cached on disk by content under ``INTAKE_HOME``: minutes the first time), one
``PageText`` of the upright size, ``extractors.reader.read_document`` (the type detected, not
declared). With ``--look`` the reader gets the runner's second look too (``pipeline.runner._looker``: a box
read again from the upright page's pixels, a band read again enlarged).

Printed per part (``calibration`` / ``heldout``) and per field: right n/N, wrong, not read; the total
fields right n/N per part and overall; every miss (item, field, label, read) and the detected type
when it is not the labelled one. A field counts as right when the reader's value equals the label
exactly (both in the normalised form: ``YYYY-MM-DD``, ``109.24``, digits). Names (the invoices carry
real patients' names) are printed masked, one ``*`` a character, unless ``--show-names``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from extractors.reader import read_document  # noqa: E402
from pipeline.config import Settings, get_settings  # noqa: E402
from pipeline.models import Document, Page, PageText  # noqa: E402
from pipeline.ocr import recognize_page  # noqa: E402
from pipeline.runner import _looker  # noqa: E402
from samples import realset  # noqa: E402

PARTS = ("calibration", "heldout")
#: fields holding a person's name: printed masked unless --show-names (the invoices carry real names)
NAME_FIELDS = {"name", "payer_name", "patient_name"}


@dataclass
class Outcome:
    item: str
    part: str
    doc_type: str
    read_type: str
    field: str
    label: str
    read: str | None

    @property
    def right(self) -> bool:
        return self.read == self.label


@dataclass
class Tally:
    right: int = 0
    wrong: int = 0
    missing: int = 0
    misses: list[Outcome] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.right + self.wrong + self.missing

    def add(self, o: Outcome) -> None:
        if o.right:
            self.right += 1
        elif o.read is None:
            self.missing += 1
            self.misses.append(o)
        else:
            self.wrong += 1
            self.misses.append(o)


def read_item(item: realset.Item, settings: Settings, look: bool = False) -> Document:
    """The shipping reading of one real image, as the pipeline reads one image page."""
    img = item.image()
    lines, rot = recognize_page(img, settings)
    h, w = img.shape[:2]
    uw, uh = (h, w) if rot in (90, 270) else (w, h)
    page = PageText(index=0, width=uw, height=uh, source="image", rotation=rot, lines=lines)
    shot = Page(index=0, width=w, height=h, source="image", image=img)
    return read_document([page], look=_looker([shot], [page], settings, None) if look else None)


def outcomes(items: Iterable[realset.Item], look: bool = False) -> list[Outcome]:
    settings = get_settings()
    out: list[Outcome] = []
    for it in items:
        if not it.fields:
            continue
        doc = read_item(it, settings, look)
        for name, label in it.fields.items():
            fv = doc.fields.get(name)
            read = fv.value if fv is not None and fv.value not in (None, "") else None
            out.append(Outcome(it.id, it.split, it.doc_type, str(doc.type.value), name, label, read))
    return out


def _rate(n: int, d: int) -> str:
    return f"{n}/{d}" + (f" = {n / d:.3f}" if d else "")


def _shown(name: str, value: str | None, show_names: bool) -> str | None:
    """A value for the printout: a name as one ``*`` per character (its length and whether it
    matched still show) unless ``show_names``."""
    if value is None or show_names or name not in NAME_FIELDS:
        return value
    return "*" * len(value)


def report(rows: list[Outcome], show_names: bool = False) -> dict[str, object]:
    figures: dict[str, object] = {}
    for part in (*PARTS, "all"):
        rs = [r for r in rows if part in ("all", r.part)]
        if not rs:
            continue
        items = sorted({r.item for r in rs})
        print(f"\n== {part}: {len(items)} items, {len(rs)} labelled fields")
        per: dict[str, Tally] = {}
        total = Tally()
        for r in rs:
            per.setdefault(r.field, Tally()).add(r)
            total.add(r)
        fig: dict[str, object] = {}
        for name in sorted(per):
            t = per[name]
            print(f"  {name:<20} right {_rate(t.right, t.total):<16} wrong {t.wrong:<3} not read {t.missing}")
            fig[name] = {"right": t.right, "n": t.total, "wrong": t.wrong, "not_read": t.missing}
        print(f"  {'fields right':<20} {_rate(total.right, total.total)}")
        mistyped = sorted({(r.item, r.doc_type, r.read_type) for r in rs if r.read_type != r.doc_type})
        figures[part] = {
            "items": len(items),
            "fields": fig,
            "right": total.right,
            "n": total.total,
            "wrong": total.wrong,
            "not_read": total.missing,
            "mistyped": [list(m) for m in mistyped],
            "misses": [
                {
                    "item": o.item,
                    "field": o.field,
                    "label": _shown(o.field, o.label, show_names),
                    "read": _shown(o.field, o.read, show_names),
                }
                for o in total.misses
            ],
        }
        if part == "all":
            continue
        for m in mistyped:
            print(f"  type: {m[0]} labelled {m[1]}, read as {m[2]}")
        for o in total.misses:
            label, read = _shown(o.field, o.label, show_names), _shown(o.field, o.read, show_names)
            print(f"  miss: {o.item} {o.field}: label {label!r}, read {read!r}")
    return figures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--look", action="store_true", help="give the reader the runner's second look")
    ap.add_argument("--show-names", action="store_true", help="print names in misses (masked by default)")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    t0 = time.time()
    items = realset.load()
    extra = realset.extra_root()
    if extra is not None:
        items += realset.load(extra)
    rows = outcomes(items, a.look)
    print(f"real set fields, reader {'with' if a.look else 'without'} the second look")
    figures = report(rows, a.show_names)
    print(f"\n{time.time() - t0:.0f} s")
    if a.json:
        a.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
