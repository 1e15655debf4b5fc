"""One clean render of every document type and layout, with its ground truth (for eyeballing and tests)."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

from samples.generator import canvas
from samples.generator.catalog import load_catalog
from samples.generator.documents import FILING_LABELS, RENDERERS, Opts, Rendered, render_document
from samples.generator.people import new_person
from samples.generator.story import Story, new_story


def gallery_story(seed: int) -> Story:
    """A story in which every document type has something to show."""
    rng = random.Random(seed)
    cat = load_catalog()
    ref = date(2024, 6, 1)
    person = new_person(rng, "jingmen", ref, age=(30, 45))
    s = new_story(rng, person, ref, "jingmen")
    dest = cat.hospital("舟山医院")
    s.dest_hospital, s.destination = dest, dest.destination
    s.filing_label = FILING_LABELS["remote.referral"]
    s.employer = cat.people.employers["jingmen"][0]
    s.contract_from, s.contract_until = date(2023, 1, 1), date(2025, 12, 31)
    s.permit_from, s.permit_until = date(2021, 3, 1), date(2026, 3, 1)
    s.form_title = "门诊慢特病病种待遇认定申请表"
    s.agent = new_person(rng, "jingmen", ref, age=(35, 50))
    return s


def render_all(seed: int) -> list[Rendered]:
    s = gallery_story(seed)
    return [
        render_document(t, s, lay, Opts(seed=seed))
        for t, (_, layouts) in RENDERERS.items()
        for lay in layouts
    ]


def render_gallery(out: Path, seed: int = 2024) -> int:
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for r in render_all(seed):
        stem = f"{r.doc_type.value}__{r.layout}"
        canvas.render(r.pages[0], r.dpi).convert("RGB").save(out / f"{stem}.png")
        meta = {"type": r.doc_type.value, "layout": r.layout, "holdout": r.holdout, "fields": r.truth}
        (out / f"{stem}.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        n += 1
    return n
