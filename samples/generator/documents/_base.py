"""What every renderer shares: the per-material options, the printed values, the result, and the registry.

A renderer draws one layout of one document type::

    @renderer(DocType.MEDICAL_INVOICE, "printed", holdout=True)
    def invoice_printed(s: Story, o: Opts) -> Drawn: ...

It returns the pages and the printed :class:`Values`; :func:`render` turns that into a :class:`Rendered`
with the type, layout, holdout flag, resolution and ground truth the registration declared, so each of
them is stated once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from pipeline.codes import DOC_FIELDS, DocType
from samples.generator.canvas import Page
from samples.generator.story import Story


@dataclass
class Opts:
    """Per-material choices: faults that live on the paper itself (not in the capture)."""

    seal: bool = True
    omit: frozenset[str] = frozenset()  # fields left blank on the paper (信息不全)
    override: dict[str, str] = field(default_factory=dict)  # printed values differing from the story
    seal_over_text: bool = False  # the stamp sits on top of key text
    qr_override: dict[str, str] = field(default_factory=dict)  # e-invoice QR payload differing from the print
    emergency_mark: bool | None = None  # medical record: print 急诊 (None = as the story says)
    seed: int = 0


@dataclass
class Rendered:
    doc_type: DocType
    layout: str
    holdout: bool
    pages: list[Page]
    truth: dict[str, str]
    dpi: int  # the resolution the paper is rasterised at (before capture)
    card: bool = False


class Values:
    """The printed values of one document: story defaults, overridden per material; omitted ones blank."""

    def __init__(self, opts: Opts, defaults: dict[str, str]) -> None:
        self.opts = opts
        self.values = {**defaults, **{k: v for k, v in opts.override.items()}}

    def __getitem__(self, key: str) -> str:
        if key in self.opts.omit:
            return ""
        return self.values.get(key, "")

    def date(self, key: str) -> date | None:
        v = self[key]
        return date.fromisoformat(v) if v and v != "long_term" else None

    def truth(self, fields: tuple[str, ...]) -> dict[str, str]:
        """The ground truth: the contract's ``fields`` as printed (blank and omitted ones left out)."""
        return {
            k: self.values[k]
            for k in fields
            if k in self.values and self.values[k] and k not in self.opts.omit
        }


class Drawn(NamedTuple):
    """What a renderer returns: the pages and the values printed on them."""

    pages: list[Page]
    values: Values


Draw = Callable[[Story, Opts], Drawn]


@dataclass(frozen=True)
class Layout:
    """One registered (type, layout): how it is drawn and what is fixed about it."""

    doc_type: DocType
    name: str
    draw: Draw
    holdout: bool  # kept out of calibration (at most one per type)
    dpi: int  # the resolution the paper is rasterised at (before capture)
    card: bool

    def render(self, story: Story, opts: Opts) -> Rendered:
        pages, values = self.draw(story, opts)
        truth = values.truth(DOC_FIELDS[self.doc_type])
        return Rendered(self.doc_type, self.name, self.holdout, pages, truth, self.dpi, card=self.card)


#: every registered layout, in registration order
LAYOUTS: dict[tuple[DocType, str], Layout] = {}


def renderer(
    doc_type: DocType, layout: str, *, holdout: bool = False, dpi: int = 150, card: bool = False
) -> Callable[[Draw], Draw]:
    """Register ``fn`` as the renderer of ``layout`` of ``doc_type``; ``fn`` itself is returned unchanged."""

    def register(fn: Draw) -> Draw:
        key = (doc_type, layout)
        if key in LAYOUTS:
            raise ValueError(f"two renderers for {doc_type.value}/{layout}")
        if holdout and any(x.holdout for x in LAYOUTS.values() if x.doc_type == doc_type):
            raise ValueError(f"{doc_type.value} has two holdout layouts")
        LAYOUTS[key] = Layout(doc_type, layout, fn, holdout, dpi, card)
        return fn

    return register


def layouts_of(doc_type: DocType) -> tuple[str, ...]:
    """The layouts of a type: the first registered is the default, the holdout layout comes last."""
    own = [x for x in LAYOUTS.values() if x.doc_type == doc_type]
    return tuple(x.name for x in own if not x.holdout) + tuple(x.name for x in own if x.holdout)
