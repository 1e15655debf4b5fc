"""Absence of a seal is a fact only on a good page with no red seal-like mark at all: a red mark that
is not recognised as a seal, or a page too poor to tell, is doubt (warning -> review) with its reason."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipeline.codes import DocType, Severity
from tests.test_quality_checks import _ctx, _no_ring, page
from tests.test_quality_render import glare
from validators.seals import official_seals
from validators.support.seal_rings import document_hull, seal_like_marks


def _broken_seal(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """A badly stamped seal: under half of its ring inked, some ink inside."""
    im = Image.fromarray(image.copy())
    d = ImageDraw.Draw(im)
    d.arc(box, 170, 320, fill=(200, 35, 40), width=5)
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    d.regular_polygon((cx, cy, (x1 - x0) // 8), 5, fill=(200, 35, 40))
    return np.asarray(im)


def test_no_red_mark_on_a_good_page_is_still_a_blocker(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_ring(monkeypatch)
    r = page(6, seals=0, red_title=True, red_table=True, red_box=True)
    ctx = _ctx(r.image, r.lines, DocType.REFERRAL_SLIP, tmp_home=str(tmp_path))
    flags = list(official_seals(ctx))
    assert [(f.code, f.severity) for f in flags] == [("seal.missing", Severity.BLOCKER)]


def test_a_red_mark_not_recognised_as_a_seal_is_doubt(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_ring(monkeypatch)
    r = page(6, seals=0, red_title=True, red_table=True)
    img = _broken_seal(r.image, (330, 520, 450, 640))
    ctx = _ctx(img, r.lines, DocType.REFERRAL_SLIP, tmp_home=str(tmp_path))
    flags = list(official_seals(ctx))
    assert [(f.code, f.severity) for f in flags] == [("seal.missing", Severity.WARNING)]
    assert "红色印迹" in flags[0].reason
    ev = flags[0].evidence[0]
    assert ev.box is not None and ev.box[0] <= 390 <= ev.box[2] and ev.box[1] <= 580 <= ev.box[3]
    assert ctx.quality.model_dump()["seal_unverified"] == "red_mark"


def test_a_page_too_poor_to_tell_is_doubt_with_the_reason(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_ring(monkeypatch)
    r = page(6, seals=0, red_title=True)
    washed = glare(r.image, (0.62, 0.6), 0.2)  # the glare sits where the seal belongs
    ctx = _ctx(washed, r.lines, DocType.REFERRAL_SLIP, tmp_home=str(tmp_path))
    flags = list(official_seals(ctx))
    assert [(f.code, f.severity) for f in flags] == [("seal.missing", Severity.WARNING)]
    assert "反光" in flags[0].reason
    assert ctx.quality.model_dump()["seal_unverified"] == "glare"


def test_seal_like_marks_ignore_titles_rules_and_boxes() -> None:
    from validators.support import imaging

    r = page(6, seals=0, red_title=True, red_table=True, red_box=True, red_handwriting=True)
    side = min(r.image.shape[:2])
    assert seal_like_marks(imaging.red_mask(r.image), 0.06 * side, 0.7 * side) == []
    img = _broken_seal(r.image, (330, 520, 450, 640))
    marks = seal_like_marks(imaging.red_mask(img), 0.06 * side, 0.7 * side)
    assert len(marks) == 1


def test_document_hull_fills_holes_but_not_the_background() -> None:
    mask = np.zeros((200, 300), bool)
    mask[20:180, 30:270] = True
    mask[60:120, 100:160] = False  # a hole where a seal sits
    hull = document_hull(mask)
    assert hull[90, 130] and not hull[5, 5] and not hull[190, 290]


# --------------------------------------------------------------------------- where no seal is looked for


def test_identity_cards_are_not_searched_for_seals(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An identity card carries no issuer's seal (validators/data/seal_required.yaml, not_searched):
    the detector does not run on it, nothing is counted, nothing is demanded. The same pixels as a
    referral slip are searched."""
    _no_ring(monkeypatch)
    r = page(6, seals=1, red_title=True)
    card = _ctx(r.image, r.lines, DocType.ID_CARD_BACK, tmp_home=str(tmp_path))
    assert list(official_seals(card)) == []
    assert card.quality.seal_count == 0 and card.quality.model_dump()["seals"] is None
    slip = _ctx(r.image, r.lines, DocType.REFERRAL_SLIP, tmp_home=str(tmp_path))
    assert list(official_seals(slip)) == []
    assert slip.quality.seal_count == 1


def test_a_card_whose_text_asks_for_a_stamp_is_still_searched(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typed as a card but its text says 单位（盖章） (a form taken for a card): the seal is looked for."""
    from pipeline.models import OcrLine

    _no_ring(monkeypatch)
    r = page(6, seals=1, red_title=True)
    stamp = OcrLine(
        text="单位（盖章）", confidence=0.99, polygon=[(300, 700), (420, 700), (420, 720), (300, 720)]
    )
    ctx = _ctx(r.image, [*r.lines, stamp], DocType.ID_CARD_FRONT, tmp_home=str(tmp_path))
    assert list(official_seals(ctx)) == []
    assert ctx.quality.seal_count == 1


def test_text_washed_out_along_a_line_is_a_page_too_poor_to_tell(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Glare found only along the OCR lines (a few characters blown out, too few pale strokes left
    for the stroke measure) raises image.glare, so it also makes a missing seal doubt, not a fact."""
    from validators.image_quality import load_config
    from validators.support import imaging

    _no_ring(monkeypatch)
    r = page(6, seals=0, red_title=True)
    line = max((ln for ln in r.lines if len(ln.text) >= 6), key=lambda ln: ln.box[2] - ln.box[0])
    x0, y0, _, y1 = (int(v) for v in line.box)
    lh = y1 - y0
    img = r.image.astype(np.float32)
    img[y0 - 2 : y1 + 2, x0 + lh : x0 + 5 * lh] = (
        0.05 * img[y0 - 2 : y1 + 2, x0 + lh : x0 + 5 * lh] + 0.95 * 255
    )
    washed = img.clip(0, 255).astype(np.uint8)
    cfg = load_config().glare
    g = imaging.glare(washed, r.lines, min_washed=cfg.washed_chars)
    assert g.share < cfg.flag_at <= 1 and g.washed >= cfg.washed_chars, g  # only the line measure sees it
    ctx = _ctx(washed, r.lines, DocType.REFERRAL_SLIP, tmp_home=str(tmp_path))
    flags = list(official_seals(ctx))
    assert [(f.code, f.severity) for f in flags] == [("seal.missing", Severity.WARNING)]
    assert ctx.quality.model_dump()["seal_unverified"] == "glare"
