"""The case catalogue (samples/generator/cases) and the renderer registry (samples/generator/documents)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from pipeline.codes import DocType
from samples.generator.cases import ALL, check_catalogue
from samples.generator.documents import LAYOUTS, RENDERERS, Opts, render_document, renderer
from samples.generator.documents._base import Drawn, Values
from samples.generator.gallery import gallery_story
from samples.generator.spec import CaseSpec
from samples.generator.story import Story

CASES = Path(__file__).resolve().parent.parent / "samples" / "cases"


def _case(key: str, same_as: str | None = None) -> CaseSpec:
    return CaseSpec(key, "transfer", "xinjiang", date(2025, 1, 1), same_as=same_as)


def test_catalogue_keys_are_unique_and_same_as_points_back() -> None:
    check_catalogue(ALL)
    with pytest.raises(ValueError, match="twice"):
        check_catalogue([_case("a"), _case("a")])
    with pytest.raises(ValueError, match="earlier"):
        check_catalogue([_case("a", same_as="b"), _case("b")])


def test_catalogue_order_gives_the_committed_case_ids() -> None:
    """Case ids are numbered per region in catalogue order: moving a case would rename committed folders."""
    committed = {
        json.loads(p.read_text(encoding="utf-8"))["key"]: p.parent.name for p in CASES.glob("*/expected.json")
    }
    assert set(committed) == {c.key for c in ALL}
    for region, prefix in (("xinjiang", "XJ-"), ("jingmen", "JM-")):
        ids = [committed[c.key] for c in ALL if c.region == region]
        assert all(i.startswith(prefix) for i in ids), region
        assert ids == sorted(ids, key=lambda i: int(i.rsplit("-", 1)[1])), region


def test_every_type_has_renderers_and_one_holdout_layout_at_most_last() -> None:
    assert list(RENDERERS) == list(DocType)  # the contract's order (gallery, benches)
    for t, (_, layouts) in RENDERERS.items():
        flags = [LAYOUTS[t, lay].holdout for lay in layouts]
        assert sum(flags) <= 1, t
        assert not any(flags[:-1]), t  # the holdout layout is last; the first is the default
    holdouts = {t: lay for (t, lay), spec in LAYOUTS.items() if spec.holdout}
    # as samples/README.md states them (the layouts kept out of calibration)
    assert holdouts == {
        DocType.ID_CARD_FRONT: "watermarked",
        DocType.ID_CARD_BACK: "watermarked",
        DocType.MEDICAL_INVOICE: "printed",
        DocType.EXPENSE_LIST: "daily",
        DocType.DISCHARGE_RECORD: "summary",
        DocType.REFERRAL_SLIP: "letter",
        DocType.REMOTE_CARE_FORM: "checkbox",
    }


def test_rendered_carries_what_the_registration_declares() -> None:
    s = gallery_story(4)
    for (t, lay), spec in LAYOUTS.items():
        r = render_document(t, s, lay, Opts(seed=4))
        assert (r.doc_type, r.layout, r.holdout, r.dpi, r.card) == (t, lay, spec.holdout, spec.dpi, spec.card)
    assert render_document(DocType.MEDICAL_INVOICE, s).layout == "electronic"  # the default layout


def test_unknown_layout_and_double_registration_are_errors() -> None:
    with pytest.raises(ValueError, match="no layout 'letter'"):
        render_document(DocType.MEDICAL_INVOICE, gallery_story(1), "letter")

    def draw(s: Story, o: Opts) -> Drawn:
        return Drawn([], Values(o, {}))

    before = dict(LAYOUTS)
    with pytest.raises(ValueError, match="two renderers"):
        renderer(DocType.MEDICAL_INVOICE, "printed")(draw)
    with pytest.raises(ValueError, match="two holdout layouts"):
        renderer(DocType.MEDICAL_INVOICE, "handwritten", holdout=True)(draw)
    assert before == LAYOUTS
