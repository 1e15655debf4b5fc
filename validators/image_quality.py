"""Image quality of every material page: blur, low resolution, glare, cut-off edges, photocopies.

Measures come from :mod:`pipeline.imaging` on each page turned upright the way OCR read it;
thresholds and wording live in ``validators/data/image_quality.yaml`` (calibrated with
``bench/quality_calibration.py``). All of these are advisories (``warning``: a person looks at
the case). A page so blurred that its key text cannot be read is returned through
``document.fields_missing`` (a blocker raised by the field checks), not here: the blur measure
is doubt, the missing field is the fact.

Text-layer PDF pages (no pixels) are skipped. Evidence boxes are in the upright page's pixels,
the frame of the OCR lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field

from pipeline import imaging
from pipeline.codes import DOC_NAMES, DocType, Severity
from pipeline.models import Evidence, Flag, OcrLine, flag
from pipeline.registry import MaterialContext, material_check

DATA = Path(__file__).resolve().parent / "data" / "image_quality.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BlurCfg(_Strict):
    relative_sharp: float = Field(ge=0)
    relative_unreadable: float = Field(gt=0)
    flag_at: float = Field(ge=0, le=1)
    low_confidence: float = Field(ge=0, le=1)
    confidence_blur_at: float = Field(ge=0, le=1)


class LowResCfg(_Strict):
    min_text_px: float = Field(gt=0)
    min_short_side_px: dict[str, int]


class GlareCfg(_Strict):
    flag_at: float = Field(ge=0, le=1)


class IncompleteCfg(_Strict):
    touch_min: float = Field(gt=0, lt=1)
    text_margin: float = Field(ge=0, lt=0.1)
    card_ratio: float = Field(gt=1)


class PhotocopyCfg(_Strict):
    original_required: list[DocType]


class Wording(_Strict):
    message: str
    reason: str


class QualityConfig(_Strict):
    blur: BlurCfg
    low_resolution: LowResCfg
    glare: GlareCfg
    incomplete: IncompleteCfg
    photocopy: PhotocopyCfg
    card_types: list[DocType]
    messages: dict[str, Wording]


@lru_cache(maxsize=2)
def load_config(path: Path = DATA) -> QualityConfig:
    return QualityConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


# --------------------------------------------------------------------------- upright page views


@dataclass
class PageView:
    """One page with pixels, upright, and its OCR lines in the same frame."""

    index: int
    image: np.ndarray
    lines: list[OcrLine]


def page_views(ctx: MaterialContext) -> list[PageView]:
    """Pages that have pixels, turned upright like their OCR lines (computed once per material)."""
    cached = ctx.scratch.get("quality.views")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    texts = {t.index: t for t in ctx.texts}
    views = []
    for page in ctx.pages:
        if page.image is None:
            continue
        t = texts.get(page.index)
        rotation = t.rotation if t else 0
        lines = list(t.lines) if t else []
        views.append(PageView(page.index, imaging.upright(page.image, rotation), lines))
    ctx.scratch["quality.views"] = views
    return views


def document_region(ctx: MaterialContext, view: PageView) -> imaging.DocumentRegion:
    key = f"quality.region.{view.index}"
    reg = ctx.scratch.get(key)
    if reg is None:
        reg = imaging.find_document(view.image)
        ctx.scratch[key] = reg
    return reg  # type: ignore[no-any-return]


def doc_type(ctx: MaterialContext) -> DocType:
    if ctx.document is not None and ctx.document.type != DocType.UNKNOWN:
        return ctx.document.type
    return ctx.ref.declared_type or DocType.UNKNOWN


def doc_name(ctx: MaterialContext) -> str:
    t = doc_type(ctx)
    return "该材料" if t == DocType.UNKNOWN else DOC_NAMES[t]


def _page_box(view: PageView) -> tuple[float, float, float, float]:
    h, w = view.image.shape[:2]
    return (0.0, 0.0, float(w), float(h))


def _say(key: str, **params: object) -> dict[str, str]:
    w = load_config().messages[key]
    return {"message": w.message.format(**params), "reason": w.reason.format(**params)}


# --------------------------------------------------------------------------- measures -> scores


def blur_score(relative: float, cfg: BlurCfg | None = None) -> float:
    """Relative blur mapped to 0 (sharp) .. 1 (unreadable)."""
    cfg = cfg or load_config().blur
    span = max(1e-6, cfg.relative_unreadable - cfg.relative_sharp)
    return float(min(1.0, max(0.0, (relative - cfg.relative_sharp) / span)))


def mean_confidence(lines: list[OcrLine]) -> float | None:
    chars = sum(len(ln.text) for ln in lines)
    if not chars:
        return None
    return sum(ln.confidence * len(ln.text) for ln in lines) / chars


@dataclass
class PageQuality:
    index: int
    blur: float
    sharp: imaging.Sharpness
    confidence: float | None
    short_side: int
    glare: imaging.Glare
    cut: imaging.Completeness
    colour: imaging.Colour


def measure_page(view: PageView, region: imaging.DocumentRegion, *, card: bool) -> PageQuality:
    cfg = load_config()
    sharp = imaging.sharpness(view.image, view.lines)
    x0, y0, x1, y1 = region.box
    short = int(min(x1 - x0, y1 - y0))
    return PageQuality(
        index=view.index,
        blur=blur_score(sharp.relative, cfg.blur),
        sharp=sharp,
        confidence=mean_confidence(view.lines),
        short_side=short,
        glare=imaging.glare(view.image, view.lines, region),
        cut=imaging.completeness(
            view.image,
            view.lines,
            region=region,
            card_ratio=cfg.incomplete.card_ratio if card else None,
            touch_min=cfg.incomplete.touch_min,
            text_margin=cfg.incomplete.text_margin,
        ),
        colour=imaging.colour_stats(view.image, region.mask),
    )


def page_qualities(ctx: MaterialContext) -> list[PageQuality]:
    cached = ctx.scratch.get("quality.pages")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    card = doc_type(ctx) in load_config().card_types
    out = [measure_page(v, document_region(ctx, v), card=card) for v in page_views(ctx)]
    ctx.scratch["quality.pages"] = out
    return out


# --------------------------------------------------------------------------- the check


SIDE_NAMES = {"left": "左", "right": "右", "top": "上", "bottom": "下"}
HOW = {"boundary": "纸张边缘超出画面", "text": "文字被画面边缘截断", "aspect": "证件长宽比不符"}


@material_check
def image_quality(ctx: MaterialContext) -> Iterator[Flag]:
    """image.blurry / image.low_resolution / image.glare / image.incomplete / image.photocopy."""
    pages = page_qualities(ctx)
    if not pages:
        return
    cfg = load_config()
    views = {v.index: v for v in page_views(ctx)}
    name = doc_name(ctx)
    dt = doc_type(ctx)
    q = ctx.quality
    q.blur = round(max(p.blur for p in pages), 3)
    q.glare = round(max(p.glare.share for p in pages), 3)
    q.incomplete = any(p.cut.incomplete for p in pages)

    # clarity: the worst page decides
    worst = max(pages, key=lambda p: p.blur)
    conf = worst.confidence
    blurry = worst.blur >= cfg.blur.flag_at or (
        conf is not None and conf < cfg.blur.low_confidence and worst.blur >= cfg.blur.confidence_blur_at
    )
    if blurry:
        box = worst.sharp.worst_box or _page_box(views[worst.index])
        yield flag(
            "image.blurry",
            Severity.WARNING,
            **_say(
                "blurry",
                doc=name,
                blur=f"{worst.blur:.2f}",
                edge=f"{worst.sharp.edge_px:.1f}",
                height=f"{worst.sharp.text_px:.0f}",
                conf="无" if conf is None else f"{conf:.2f}",
            ),
            evidence=[Evidence(page=worst.index, box=box)],
        )

    # resolution: text too small, or the document too few pixels across
    kind = "card" if dt in cfg.card_types else "page"
    min_side = cfg.low_resolution.min_short_side_px.get(kind, 0)
    low = [
        p
        for p in pages
        if (0 < p.sharp.text_px < cfg.low_resolution.min_text_px) or (0 < p.short_side < min_side)
    ]
    if low:
        p = low[0]
        yield flag(
            "image.low_resolution",
            Severity.WARNING,
            **_say(
                "low_resolution",
                doc=name,
                height=f"{p.sharp.text_px:.0f}",
                min_height=f"{cfg.low_resolution.min_text_px:.0f}",
                side=p.short_side,
            ),
            evidence=[Evidence(page=p.index, box=_page_box(views[p.index]))],
        )

    glared = [p for p in pages if p.glare.share >= cfg.glare.flag_at]
    if glared:
        g = max(glared, key=lambda p: p.glare.share)
        yield flag(
            "image.glare",
            Severity.WARNING,
            **_say("glare", doc=name, share=f"{100 * g.glare.share:.0f}"),
            evidence=[Evidence(page=p.index, box=b) for p in glared for b in p.glare.boxes][:8],
        )

    cut = [p for p in pages if p.cut.incomplete]
    if cut:
        c = cut[0]
        yield flag(
            "image.incomplete",
            Severity.WARNING,
            **_say(
                "incomplete",
                doc=name,
                sides="、".join(SIDE_NAMES[s] for s in c.cut.cut_sides),
                how=HOW.get(c.cut.reason, c.cut.reason),
            ),
            evidence=[Evidence(page=p.index, box=b) for p in cut for b in p.cut.boxes][:8],
        )

    gray = all(p.colour.grayscale for p in pages)
    q.photocopy = gray  # type: ignore[attr-defined]
    if gray and dt in cfg.photocopy.original_required:
        p = pages[0]
        yield flag(
            "image.photocopy",
            Severity.WARNING,
            **_say("photocopy", doc=name, chroma=f"{p.colour.chroma_p99:.1f}"),
            evidence=[Evidence(page=p.index, box=_page_box(views[p.index]))],
        )
