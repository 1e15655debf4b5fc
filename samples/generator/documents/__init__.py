"""Renderers for every document type of the contract, several layouts for the important ones.

Each renderer draws one layout of one type from the case's :class:`Story` and per-material :class:`Opts`
and is registered with :func:`renderer` (``_base``). The result, a :class:`Rendered`, holds the pages
(vector model, see :mod:`samples.generator.canvas`) and the ground truth: the contract's fields for that
type, normalised the way the report shows them (dates ``YYYY-MM-DD``, money ``"2514.50"``,
``long_term``, ``"true"``/``"false"``).

``cards`` (ID card, residence permit, SSC card, hukou), ``money`` (invoice, expense list, settlement),
``medical`` (discharge, referral, diagnosis, medical record, prescription), ``forms`` (filing and
application forms, letters, the unrecognised receipt); ``_draw`` holds the shared drawing helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from pipeline.codes import DocType
from samples.generator.documents import cards, forms, medical, money, permits  # noqa: F401  (registers the renderers)
from samples.generator.documents._base import LAYOUTS, Opts, Rendered, layouts_of, renderer
from samples.generator.documents.forms import FILING_LABELS
from samples.generator.story import Story

__all__ = [
    "FILING_LABELS",
    "LAYOUTS",
    "RENDERERS",
    "Opts",
    "Rendered",
    "Renderer",
    "TypeRenderers",
    "render_document",
    "renderer",
]

Renderer = Callable[[Story, str, Opts], Rendered]


class TypeRenderers(NamedTuple):
    render: Renderer  # (story, layout, opts) -> Rendered
    layouts: tuple[str, ...]  # the default first; the holdout layout last where there is one


def _render_type(doc_type: DocType) -> Renderer:
    def render(story: Story, layout: str, opts: Opts) -> Rendered:
        try:
            spec = LAYOUTS[doc_type, layout]
        except KeyError:
            raise ValueError(
                f"{doc_type.value} has no layout {layout!r} (it has {', '.join(layouts_of(doc_type))})"
            ) from None
        return spec.render(story, opts)

    return render


#: document type -> (renderer, layouts), in the contract's order of types
RENDERERS: dict[DocType, TypeRenderers] = {
    t: TypeRenderers(_render_type(t), layouts_of(t)) for t in DocType if layouts_of(t)
}
_missing = [t.value for t in DocType if t not in RENDERERS]
if _missing:
    raise ImportError(f"no renderer for {', '.join(_missing)}")


def render_document(
    doc_type: DocType, story: Story, layout: str | None = None, opts: Opts | None = None
) -> Rendered:
    fn, layouts = RENDERERS[doc_type]
    return fn(story, layout or layouts[0], opts or Opts())
