"""Red official seals: count and locate them, read their ring text, and flag a missing seal.

* ``quality.seal_count``: seals found on all rendered pages of the material.
* ``quality.seals``: each seal's page, box, ring text read by OCR (polar unwarp, recognition only),
  whether that text matches the institution the document names (payee / hospital / from_hospital /
  employer), and its ``kind``: ``supervision`` for a bill form's printed 财政票据监制章 (ring text
  监制…, or where the ring cannot be read, the place the form prints it), ``issuer`` for a ring that
  names the institution, ``seal`` otherwise. A 监制章 alone does not satisfy a required seal: that is
  ``seal.missing`` as a warning (review), since the issuer's stamp may be in an ink not taken for a seal.
* ``seal.missing``: the document type must bear a seal (``validators/data/seal_required.yaml``)
  or its text says it must be stamped (加盖公章), and no seal was found. A blocker only when the page
  is good enough to tell and no red seal-like mark is on it at all; a page too poor to tell (glare,
  blur, cut off, too few pixels) or a red mark not recognised as a seal gives a warning (review)
  with the reason.

Pages without pixels (text-layer PDFs not rendered) cannot show a seal: when no page of the
material has pixels nothing is counted and no seal is demanded.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz

from pipeline import timing
from pipeline.codes import DocType, Severity
from pipeline.config import read_yaml
from pipeline.messages import make_flag
from pipeline.models import Box, Evidence, Flag
from pipeline.plugins import MaterialCheck, MaterialContext
from validators.image_quality import (
    PageView,
    doc_type,
    document_region,
    is_glared,
    load_config,
    page_qualities,
    page_views,
)
from validators.support import imaging
from validators.support.seal_rings import document_hull, seal_like_marks

log = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parent / "data" / "seal_required.yaml"


class Requirement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    holder: str
    min_seals: int = Field(default=1, ge=1)


class SupervisionPlace(BaseModel):
    model_config = ConfigDict(extra="forbid")

    doc_types: list[str]
    max_centre_offset: float = Field(gt=0, le=0.5)
    max_top: float = Field(gt=0, le=1)


class SealRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    required: dict[DocType, Requirement]
    text_markers: list[str]
    marker_holder: str
    institution_fields: list[str]
    read_ring_text: int = Field(default=2, ge=0)
    supervision_place: SupervisionPlace
    not_searched: list[DocType] = []


@lru_cache(maxsize=2)
def load_rules(path: Path = DATA) -> SealRules:
    return SealRules.model_validate(read_yaml(path.read_text(encoding="utf-8")))


# --------------------------------------------------------------------------- ring text

_SUFFIX = re.compile(r"(财务专用章|发票专用章|票据专用章|结算专用章|诊断证明专用章|专用章|公章|合同专用章)$")
_NOISE = re.compile(r"[^\u4e00-\u9fff0-9A-Za-z（）()]")


def normalise_institution(text: str) -> str:
    t = _NOISE.sub("", text)
    return _SUFFIX.sub("", t)


def ring_text(image: np.ndarray, seal: imaging.Seal, reader: Any) -> tuple[str, float]:
    """The seal's ring text as OCR reads it from the unwarped strip, with its confidence. ``reader``
    has ``read_line``: the material's context (through the OCR cache) or an engine."""
    strip = imaging.seal_strip(image, seal)
    ink = strip[:, :, 0] < 160
    cols = np.nonzero(ink.any(axis=0))[0]
    if len(cols) == 0:
        return "", 0.0
    x0, x1 = max(0, int(cols[0]) - 12), min(strip.shape[1], int(cols[-1]) + 12)
    # the strip is one line of text: recognition only, no detection pass over it
    line = reader.read_line(np.ascontiguousarray(strip[:, x0:x1]))
    return (line.text, line.confidence) if line is not None else ("", 0.0)


#: ring text of the finance bureau's / tax bureau's printed seal on a bill form (财政票据监制章,
#: 全国统一发票监制章): part of the blank form, not the issuer's stamp
_SUPERVISION = re.compile(r"监制|票据监|发票监|财政局|财政部|税务局")


def is_supervision_text(text: str) -> bool:
    return bool(_SUPERVISION.search(text))


def supervision_by_place(seal: imaging.Seal, shape: tuple[int, ...], rules: SupervisionPlace) -> bool:
    """Where a bill form prints its 监制章: centred across the page, in the form's head (above the
    table), the seal of the upright page. An issuer's 收费专用章 sits by the payee, lower down."""
    h, w = shape[:2]
    cx, cy = seal.center
    return abs(cx / w - 0.5) <= rules.max_centre_offset and cy / h <= rules.max_top


def seal_kind(
    seal: imaging.Seal,
    shape: tuple[int, ...],
    dt: DocType,
    text: str,
    matches: bool | None,
    rules: SealRules,
) -> str:
    """``supervision`` (the form's printed 监制章), ``issuer`` (the institution's own stamp: its ring
    names the institution) or ``seal`` (a seal not told apart). The ring text decides where it can be
    read; on bill forms whose ring is unreadable, the 监制章's printed place does."""
    if text and is_supervision_text(text):
        return "supervision"
    if matches:
        return "issuer"
    if dt.value in rules.supervision_place.doc_types and supervision_by_place(
        seal, shape, rules.supervision_place
    ):
        return "supervision"
    return "seal"


def match_institution(seal_text: str, names: list[str]) -> float:
    """0..100: how well the ring text matches the best of the institution names."""
    st = normalise_institution(seal_text)
    best = 0.0
    for n in names:
        nn = normalise_institution(n)
        if st and nn:
            best = max(best, float(fuzz.partial_ratio(st, nn)))
    return best


# --------------------------------------------------------------------------- where a seal should be


def _marker_found(ctx: MaterialContext, markers: list[str]) -> tuple[int, Box | None] | None:
    for t in ctx.texts:
        for ln in t.lines:
            if any(m in ln.text for m in markers):
                return t.index, ln.box
    return None


def _expected_place(ctx: MaterialContext, views: list[PageView], fields: list[str]) -> Evidence:
    """Where the missing seal belongs: the institution's name or the signature block, else the
    lower third of the last page."""
    doc = ctx.document
    if doc is not None:
        for name in fields:
            fv = doc.fields.get(name)
            if fv is not None and fv.page is not None and fv.box is not None:
                return Evidence(page=fv.page, box=fv.box)
    hit = _marker_found(ctx, ["盖章", "公章", "专用章", "（章）"])
    if hit is not None:
        return Evidence(page=hit[0], box=hit[1])
    v = views[-1]
    h, w = v.image.shape[:2]
    return Evidence(page=v.index, box=(0.0, 2 * h / 3, float(w), float(h)))


# --------------------------------------------------------------------------- the check


def _cannot_judge(ctx: MaterialContext) -> str | None:
    """Why a missing seal cannot be told from these pixels (the image checks flag the cause):
    glare, blur, a cut-off edge or too few pixels can hide a seal. A grey image is no excuse: a
    black-and-white copy of a document that must be stamped is returned too (the stamped original
    is what counts)."""
    cfg = load_config()
    for p in page_qualities(ctx):
        if is_glared(p.glare, cfg.glare):  # the same rule as image.glare
            return "glare"
        if p.cut.incomplete:
            return "incomplete"
        if p.blur >= cfg.blur.flag_at:
            return "blur"
        if 0 < p.sharp.text_px < cfg.low_resolution.min_text_px or (
            0 < p.short_side < min(cfg.low_resolution.min_short_side_px.values(), default=0)
        ):
            return "low_resolution"
    return None


class SealFacts:
    """Red seals found on a material's upright pages (page index, seal), built once per material."""

    def __init__(self, ctx: MaterialContext) -> None:
        self._ctx = ctx

    @cached_property
    def found(self) -> list[tuple[int, imaging.Seal]]:
        out = []
        for v in page_views(self._ctx):
            # red fabric under a photographed page is no seal; the page's hull, not its patchy mask
            mask = document_hull(document_region(self._ctx, v).mask)
            for s in imaging.find_seals(v.image):
                cx, cy = (min(max(int(c), 0), n - 1) for c, n in zip(s.center, mask.shape[::-1], strict=True))
                if mask[cy, cx]:
                    out.append((v.index, s))
        return out


def seals_of(ctx: MaterialContext) -> list[tuple[int, imaging.Seal]]:
    return ctx.fact(SealFacts).found


def official_seals(ctx: MaterialContext) -> Iterator[Flag]:
    views = page_views(ctx)
    if not views:
        return
    rules = load_rules()
    dt = doc_type(ctx)
    if dt in rules.not_searched and _marker_found(ctx, rules.text_markers) is None:
        return  # a type that carries no seal, whose text asks for none: nothing to count or demand
    found = seals_of(ctx)
    ctx.quality.seal_count = len(found)

    doc = ctx.document
    names = [v for f in rules.institution_fields if doc is not None and (v := doc.value(f))]
    described: list[dict[str, Any]] = []
    by_index = {v.index: v for v in views}
    for i, (page, seal) in enumerate(found):
        info: dict[str, Any] = {"page": page, "box": [round(c, 1) for c in seal.box]}
        text = ""
        if i < rules.read_ring_text:
            try:
                with timing.stage("seal.ring_text"):
                    text, conf = ring_text(by_index[page].image, seal, ctx)
                info["text"] = text
                info["text_confidence"] = round(conf, 3)
                if names and text:
                    info["matches_institution"] = match_institution(text, names) >= 60
            except Exception as e:  # reading the ring is a bonus: never fail the check for it
                log.warning("seal ring text not read: %s", type(e).__name__)
        info["kind"] = seal_kind(
            seal, by_index[page].image.shape, dt, text, info.get("matches_institution"), rules
        )
        described.append(info)
    ctx.quality.seals = described

    if any(d["kind"] != "supervision" for d in described):
        return
    req = rules.required.get(dt)
    if req is not None:
        key, holder = f"seal.missing#{dt.value}", req.holder
    elif _marker_found(ctx, rules.text_markers) is not None:
        key, holder = "seal.missing#marker", rules.marker_holder
    else:
        return
    where = [_expected_place(ctx, views, rules.institution_fields)]
    missing = make_flag(key, Severity.BLOCKER, params={"holder": holder, "pages": len(views)}, evidence=where)
    # Doubt instead of a return: only the form's printed 监制章 (the issuer's stamp may be in an ink or
    # a state the detector does not take for a seal: blue, faint); a page too poor to tell; a red mark
    # not recognised as a seal. An auditor looks; the applicant is not sent back.
    doubt = _doubt(ctx, found)
    if doubt is not None:
        why, key, params, evidence = doubt
        ctx.quality.seal_unverified = why
        yield make_flag(
            key,
            Severity.WARNING,
            params={"message": missing.message, "reason": missing.reason, **params},
            evidence=evidence or where,
        )
        return
    yield missing


def _doubt(
    ctx: MaterialContext, found: list[tuple[int, imaging.Seal]]
) -> tuple[str, str, dict[str, Any], list[Evidence]] | None:
    """Why a missing seal is doubt, not a fact: (``seal_unverified``, message key, its parameters,
    evidence; empty: where the seal belongs), or None."""
    if found:
        page, seal = found[0]
        return (
            "supervision_only",
            "seal.missing#supervision_only",
            {"seals": len(found)},
            [Evidence(page=page, box=seal.box)],
        )
    poor = _cannot_judge(ctx)
    if poor:
        return poor, "seal.missing#unverified", {"doubt": _DOUBT_TEXT.get(poor, poor)}, []
    marks = red_marks(ctx)
    if marks:
        page, box = marks[0]
        return "red_mark", "seal.missing#red_mark", {"marks": len(marks)}, [Evidence(page=page, box=box)]
    return None


_DOUBT_TEXT = {
    "glare": "有反光",
    "blur": "模糊",
    "incomplete": "不完整",
    "low_resolution": "分辨率过低",
}


def red_marks(ctx: MaterialContext) -> list[tuple[int, Box]]:
    """Red seal-like marks on the document that were not recognised as seals (page, box)."""
    out: list[tuple[int, Box]] = []
    for v in page_views(ctx):
        hull = document_hull(document_region(ctx, v).mask)
        side = min(v.image.shape[:2])
        mask = imaging.red_mask(v.image) & hull
        for box in seal_like_marks(mask, max(20.0, 0.06 * side), 0.7 * side):
            out.append((v.index, box))
    return out


# --------------------------------------------------------------------------- this family's checks, in order

MATERIAL_CHECKS: tuple[MaterialCheck, ...] = (official_seals,)
