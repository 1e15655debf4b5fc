"""The real-material development set: its manifest holds what it says (field labels of known fields,
in the reader's normalised form), and the seal detector meets its targets on it (calibration part
and held-out part reported separately)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest
from PIL import Image

from pipeline.codes import DOC_FIELDS, DocType
from samples import realset

ITEMS = realset.load()


def test_manifest_lists_enough_labelled_redistributable_images() -> None:
    assert len(ITEMS) >= 30
    assert len({it.id for it in ITEMS}) == len(ITEMS)
    splits = Counter(it.split for it in ITEMS)
    assert splits["calibration"] >= 20 and splits["heldout"] >= 10
    for it in ITEMS:
        assert it.source.licence in realset.REDISTRIBUTABLE, it.id
        assert it.path.is_file(), it.id
        with Image.open(it.path) as im:
            assert tuple(im.size) == it.size, it.id
        for s in it.seals:
            x0, y0, x1, y1 = s.box
            assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1, it.id
        assert it.red_seal == any(s.is_red_seal for s in it.seals), it.id


def test_the_set_stays_small() -> None:
    total = sum(it.path.stat().st_size for it in ITEMS)
    assert total < 15 * 1024 * 1024


def test_extra_material_is_read_only_from_the_named_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(realset.EXTRA_ENV, raising=False)
    assert realset.extra_root() is None
    monkeypatch.setenv(realset.EXTRA_ENV, str(tmp_path))
    assert realset.extra_root() is None  # no manifest there
    (tmp_path / "manifest.yaml").write_text("items: []\n", encoding="utf-8")
    assert realset.extra_root() == tmp_path
    assert realset.load(tmp_path) == []


def test_scoring_counts_presence_location_and_false_seals() -> None:
    it = next(i for i in ITEMS if len([s for s in i.seals if s.is_red_seal]) == 2)
    boxes = it.boxes_px([s for s in it.seals if s.is_red_seal])
    c0 = ((boxes[0][0] + boxes[0][2]) / 2, (boxes[0][1] + boxes[0][3]) / 2)
    sc = realset.score_seals([it], lambda _img: [c0, (1.0, 1.0)])
    assert (sc.presence_right, sc.seals, sc.seals_found) == (1, 2, 1)
    assert (sc.detections, sc.false_detections) == (2, 1)
    sc = realset.score_seals([it], lambda _img: [])
    assert (sc.presence_right, sc.seals_found) == (0, 0)


@pytest.mark.skipif(realset.extra_root() is None, reason=f"{realset.EXTRA_ENV} names no folder")
def test_extra_material_manifest_is_valid() -> None:
    root = realset.extra_root()
    assert root is not None
    for it in realset.load(root):
        assert it.path.is_file()


#: the normalised form of a labelled field (the reader's output form), by field name
FIELD_FORMS = {
    "invoice_number": r"\d+",
    "invoice_code": r"\d+",
    "id_number": r"\d{17}[\dX]",
    "issue_date": r"\d{4}-\d{2}-\d{2}",
    "birth_date": r"\d{4}-\d{2}-\d{2}",
    "total_amount": r"\d+\.\d{2}",
    "sex": r"[男女]",
}


def test_field_labels_are_known_fields_in_the_readers_form() -> None:
    labelled = [it for it in ITEMS if it.fields]
    assert len(labelled) >= 20
    for it in labelled:
        known = DOC_FIELDS[DocType(it.doc_type)]
        for name, value in it.fields.items():
            assert name in known, (it.id, name)
            assert value == value.strip() and value, (it.id, name)
            form = FIELD_FORMS.get(name)
            if form is not None:
                assert re.fullmatch(form, value), (it.id, name, value)
            if name.endswith("_date"):
                date.fromisoformat(value)
