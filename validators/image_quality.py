"""Image quality of every material page: blur, low resolution, glare, cut-off edges, photocopies.

Measures come from :mod:`validators.support.imaging` on each page turned upright the way OCR read it;
thresholds and wording live in ``validators/data/image_quality.yaml`` (calibrated with
``bench/quality_calibration.py``). All of these are advisories (``warning``: a person looks at
the case). A page so blurred that its key text cannot be read is returned through
``document.fields_missing`` (a blocker raised by the field checks), not here: the blur measure
is doubt, the missing field is the fact.

Text-layer PDF pages (no pixels) are skipped. Evidence boxes are in the upright page's pixels,
the frame of the OCR lines.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, partial
from pathlib import Path
from typing import TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from pipeline.codes import DOC_NAMES, DocType, Severity
from pipeline.config import read_yaml
from pipeline.messages import make_flag
from pipeline.models import Evidence, Flag, OcrLine, Page
from pipeline.plugins import MaterialCheck, MaterialContext
from validators.support import imaging

DATA = Path(__file__).resolve().parent / "data" / "image_quality.yaml"

T = TypeVar("T")


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
    washed_chars: float = Field(gt=0)


def is_glared(g: imaging.Glare, cfg: GlareCfg) -> bool:
    """``image.glare``: enough of the document washed out, or enough printed text washed out."""
    return g.share >= cfg.flag_at or g.washed >= cfg.washed_chars


class IncompleteCfg(_Strict):
    touch_min: float = Field(gt=0, lt=1)
    text_margin: float = Field(ge=0, lt=0.1)
    card_ratio: float = Field(gt=1)
    #: card types of another format than ID-1 (a passport's data page is ID-3, 125 x 88 mm)
    card_ratios: dict[DocType, float] = Field(default_factory=dict)

    def ratio_for(self, t: DocType) -> float:
        return self.card_ratios.get(t, self.card_ratio)


class PhotocopyCfg(_Strict):
    original_required: list[DocType]


class QualityConfig(_Strict):
    blur: BlurCfg
    low_resolution: LowResCfg
    glare: GlareCfg
    incomplete: IncompleteCfg
    photocopy: PhotocopyCfg
    card_types: list[DocType]


@lru_cache(maxsize=2)
def load_config(path: Path = DATA) -> QualityConfig:
    return QualityConfig.model_validate(read_yaml(path.read_text(encoding="utf-8")))


# --------------------------------------------------------------------------- upright page views


@dataclass
class PageView:
    """One page with pixels, upright, and its OCR lines in the same frame.

    ``image`` is fetched when asked for (``PageFacts`` keeps the last few pages): a material of many
    pages never holds all of them, and a check that looks at pixels gets them again."""

    index: int
    _load: Callable[[], np.ndarray] = field(repr=False)
    lines: list[OcrLine]
    width: int  # of the upright page, known without reading its pixels
    height: int
    text_layer: bool = False  # the lines are a PDF's text layer, not read from these pixels

    @property
    def image(self) -> np.ndarray:
        return self._load()


def page_views(ctx: MaterialContext) -> list[PageView]:
    """Pages that have pixels, turned upright like their OCR lines (computed once per material)."""
    return ctx.fact(PageFacts).views


def document_region(ctx: MaterialContext, view: PageView) -> imaging.DocumentRegion:
    return ctx.fact(PageFacts).region(view)


def doc_type(ctx: MaterialContext) -> DocType:
    if ctx.document is not None and ctx.document.type != DocType.UNKNOWN:
        return ctx.document.type
    return ctx.ref.declared_type or DocType.UNKNOWN


def doc_name(ctx: MaterialContext) -> str:
    t = doc_type(ctx)
    return "该材料" if t == DocType.UNKNOWN else DOC_NAMES[t]


def _page_box(view: PageView) -> tuple[float, float, float, float]:
    return (0.0, 0.0, float(view.width), float(view.height))


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


def measure_page(view: PageView, region: imaging.DocumentRegion, *, card_ratio: float | None) -> PageQuality:
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
        glare=imaging.glare(
            view.image, view.lines, region, min_washed=cfg.glare.washed_chars, text_layer=view.text_layer
        ),
        cut=imaging.completeness(
            view.image,
            view.lines,
            region=region,
            card_ratio=card_ratio,
            touch_min=cfg.incomplete.touch_min,
            text_margin=cfg.incomplete.text_margin,
        ),
        colour=imaging.colour_stats(view.image, region.mask),
    )


def page_qualities(ctx: MaterialContext) -> list[PageQuality]:
    return ctx.fact(PageFacts).qualities


def is_blurry(p: PageQuality, cfg: BlurCfg) -> bool:
    """Blurred beyond reading, or blurred enough and read with low confidence."""
    return p.blur >= cfg.flag_at or (
        p.confidence is not None and p.confidence < cfg.low_confidence and p.blur >= cfg.confidence_blur_at
    )


def text_too_small(p: PageQuality, cfg: LowResCfg) -> bool:
    return 0 < p.sharp.text_px < cfg.min_text_px


class PageFacts:
    """The pages of one material as the image checks measure them; built once per material
    (``ctx.fact(PageFacts)``) and shared by the image, seal and document checks.

    Pixel-sized facts (the upright image, the document region's mask) are kept for the last
    ``max(1, Settings.pixel_cache_pages)`` pages only and computed again when a later check
    comes back to a page: for a material that fits the cache, everything is computed once."""

    def __init__(self, ctx: MaterialContext) -> None:
        self._ctx = ctx
        self._keep = max(1, ctx.settings.pixel_cache_pages)
        self._upright: OrderedDict[int, np.ndarray] = OrderedDict()
        self._regions: OrderedDict[int, imaging.DocumentRegion] = OrderedDict()

    def _remember(self, cache: OrderedDict[int, T], index: int, value: T) -> T:
        cache[index] = value
        while len(cache) > self._keep:
            cache.popitem(last=False)
        return value

    def _upright_image(self, page: Page, rotation: int) -> np.ndarray:
        img = self._upright.get(page.index)
        if img is not None:
            self._upright.move_to_end(page.index)
            return img
        raw = page.image
        if raw is None:
            raise ValueError(f"page {page.index} has no pixels")
        return self._remember(self._upright, page.index, imaging.upright(raw, rotation))

    @cached_property
    def views(self) -> list[PageView]:
        texts = {t.index: t for t in self._ctx.texts}
        views = []
        for page in self._ctx.pages:
            if not page.has_pixels:
                continue
            t = texts.get(page.index)
            rotation = t.rotation if t else 0
            lines = list(t.lines) if t else []
            w, h = (page.height, page.width) if (rotation // 90) % 2 else (page.width, page.height)
            load = partial(self._upright_image, page, rotation)
            views.append(
                PageView(page.index, load, lines, w, h, text_layer=bool(t and t.source == "pdf_text"))
            )
        return views

    def region(self, view: PageView) -> imaging.DocumentRegion:
        reg = self._regions.get(view.index)
        if reg is not None:
            self._regions.move_to_end(view.index)
            return reg
        return self._remember(self._regions, view.index, imaging.find_document(view.image))

    @cached_property
    def qualities(self) -> list[PageQuality]:
        cfg = load_config()
        dt = doc_type(self._ctx)
        ratio = cfg.incomplete.ratio_for(dt) if dt in cfg.card_types else None
        return [measure_page(v, self.region(v), card_ratio=ratio) for v in self.views]

    @cached_property
    def degraded(self) -> bool:
        """Whether the capture itself is poor (blurred, text too small, glare, cut off): then what
        cannot be read is doubt about the photo, not a fact about the paper."""
        cfg = load_config()
        return any(
            is_blurry(p, cfg.blur)
            or text_too_small(p, cfg.low_resolution)
            or is_glared(p.glare, cfg.glare)
            or p.cut.incomplete
            for p in self.qualities
        )


# --------------------------------------------------------------------------- the check


SIDE_NAMES = {"left": "左", "right": "右", "top": "上", "bottom": "下"}
HOW = {"boundary": "纸张边缘超出画面", "text": "文字被画面边缘截断", "aspect": "证件长宽比不符"}


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
    if is_blurry(worst, cfg.blur):
        box = worst.sharp.worst_box or _page_box(views[worst.index])
        yield make_flag(
            "image.blurry",
            Severity.WARNING,
            params=dict(
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
    low = [p for p in pages if text_too_small(p, cfg.low_resolution) or (0 < p.short_side < min_side)]
    if low:
        p = low[0]
        yield make_flag(
            "image.low_resolution",
            Severity.WARNING,
            params=dict(
                doc=name,
                height=f"{p.sharp.text_px:.0f}",
                min_height=f"{cfg.low_resolution.min_text_px:.0f}",
                side=p.short_side,
            ),
            evidence=[Evidence(page=p.index, box=_page_box(views[p.index]))],
        )

    glared = [p for p in pages if is_glared(p.glare, cfg.glare)]
    if glared:
        g = max(glared, key=lambda p: (p.glare.share >= cfg.glare.flag_at, p.glare.share, p.glare.washed))
        if g.glare.share >= cfg.glare.flag_at:
            key, params = "image.glare", dict(doc=name, share=f"{100 * g.glare.share:.0f}")
        else:  # found along the lines only: the share of the page says nothing, the text washed out does
            key, params = "image.glare#washed_text", dict(doc=name, chars=f"{g.glare.washed:.0f}")
        yield make_flag(
            key,
            Severity.WARNING,
            params=params,
            evidence=[Evidence(page=p.index, box=b) for p in glared for b in p.glare.boxes][:8],
        )

    cut = [p for p in pages if p.cut.incomplete]
    if cut:
        c = cut[0]
        yield make_flag(
            "image.incomplete",
            Severity.WARNING,
            params=dict(
                doc=name,
                sides="、".join(SIDE_NAMES[s] for s in c.cut.cut_sides),
                how=HOW.get(c.cut.reason, c.cut.reason),
            ),
            evidence=[Evidence(page=p.index, box=b) for p in cut for b in p.cut.boxes][:8],
        )

    gray = all(p.colour.grayscale for p in pages)
    q.photocopy = gray
    if gray and dt in cfg.photocopy.original_required:
        p = pages[0]
        yield make_flag(
            "image.photocopy",
            Severity.WARNING,
            params=dict(doc=name, chroma=f"{p.colour.chroma_p99:.1f}"),
            evidence=[Evidence(page=p.index, box=_page_box(views[p.index]))],
        )


# --------------------------------------------------------------------------- this family's checks, in order

MATERIAL_CHECKS: tuple[MaterialCheck, ...] = (image_quality,)
