"""Read one material: classify its pages into a document type, then read that type's fields.

``read_document`` is what the runner calls for every material; it works on OCR lines only (no pixels,
no OCR), so it is fast.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from extractors import build_extractors
from extractors._layout import Layout
from pipeline.codes import DocType
from pipeline.models import Document, PageText
from pipeline.plugins import Look

log = logging.getLogger(__name__)

#: below this best detection score a material is ``unknown``
UNKNOWN_THRESHOLD = 0.3
#: a declared type whose score is this close to the best one is taken (the citizen is usually right)
DECLARED_MARGIN = 0.05


@dataclass
class Classification:
    type: DocType
    confidence: float
    scores: dict[DocType, float]


def classify(
    pages: list[PageText], declared_type: DocType | None = None, layout: Layout | None = None
) -> Classification:
    """The best-fitting document type with a confidence (0..1)."""
    layout = layout or Layout(pages)
    if not layout.rows:
        return Classification(DocType.UNKNOWN, 0.0, {})
    scores: dict[DocType, float] = {}
    for t, ex in build_extractors().items():
        try:
            scores[t] = float(ex.detect_layout(layout, pages))
        except Exception:  # a broken detector never loses the material
            log.exception("detector for %s failed", t)
            scores[t] = 0.0
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    best_t, best = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    if (
        declared_type is not None
        and declared_type in scores
        and declared_type != best_t
        and scores[declared_type] >= UNKNOWN_THRESHOLD
        and best - scores[declared_type] <= DECLARED_MARGIN
    ):
        second = best
        best_t, best = declared_type, scores[declared_type]
    if best < UNKNOWN_THRESHOLD:
        return Classification(DocType.UNKNOWN, round(1.0 - best / UNKNOWN_THRESHOLD * 0.5, 3), scores)
    margin = best - second
    conf = min(1.0, best * (0.55 + 0.45 * min(1.0, margin / 0.25)) + 0.15)
    return Classification(best_t, round(min(1.0, conf), 3), scores)


def read_document(
    pages: list[PageText], declared_type: DocType | None = None, look: Look | None = None
) -> Document:
    """Classify ``pages`` and read the detected type's fields; with ``look``, fields the lines missed
    are read again from their region's pixels where the type knows where they are."""
    layout = Layout(pages)
    cls = classify(pages, declared_type, layout)
    if cls.type == DocType.UNKNOWN:
        return Document(type=DocType.UNKNOWN, confidence=cls.confidence, fields={})
    ex = build_extractors()[cls.type]
    try:
        fields = ex.extract_layout(layout)
    except Exception:
        log.exception("extractor for %s failed", cls.type)
        fields = {}
    if look is not None and fields:
        try:
            ex.second_look(layout, fields, look)
        except Exception:  # a second look is a bonus: never lose what the lines gave
            log.exception("second look for %s failed", cls.type)
    return Document(type=cls.type, confidence=cls.confidence, fields=fields)
