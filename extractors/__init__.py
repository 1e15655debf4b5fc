"""Document types: detect a material's type and read its fields.

Every type is one :class:`~extractors._base.SpecExtractor` built from its entry in ``specs.yaml``
(titles, keywords, labels, parsers: data, in the manner of invoice2data's templates). Two types need
code on top of their spec; they are the only entries of ``OVERRIDES``. Adding a document type is an
entry in ``specs.yaml`` (and its fields in ``pipeline.codes``), not a module.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from pipeline.codes import DocType
from pipeline.models import FieldValue, PageText
from pipeline.plugins import Look

if TYPE_CHECKING:
    from extractors._layout import Layout


class Extractor(Protocol):
    """What the reader calls for every document type."""

    doc_type: DocType

    def detect_layout(self, layout: Layout, pages: Sequence[PageText]) -> float:
        """0..1: how much these pages look like this document type."""
        ...

    def extract_layout(self, layout: Layout) -> dict[str, FieldValue]:
        """The contract's fields for this type that could be read (absent when not read)."""
        ...

    def second_look(self, layout: Layout, fields: dict[str, FieldValue], look: Look) -> None:
        """Fields the lines missed, read again from their region's pixels (adds to ``fields``)."""
        ...


def key_fields(doc_type: DocType) -> list[str]:
    """The fields of a type without which the document is incomplete (``key: true`` in specs.yaml)."""
    from extractors._base import key_fields as _key_fields

    return _key_fields(doc_type)


def field_name(field: str) -> str:
    """A field's Chinese name for messages (``field_names`` in specs.yaml)."""
    from extractors._base import field_name as _field_name

    return _field_name(field)


@lru_cache(maxsize=1)
def build_extractors() -> dict[DocType, Extractor]:
    """One extractor per type of ``specs.yaml``, in the order of the type names (ties in detection go
    to the first)."""
    from extractors._base import SpecExtractor, load_specs
    from extractors.id_card_front import IdCardFront
    from extractors.medical_invoice import MedicalInvoice

    overrides: dict[DocType, type[SpecExtractor]] = {
        DocType.ID_CARD_FRONT: IdCardFront,
        DocType.MEDICAL_INVOICE: MedicalInvoice,
    }
    return {t: overrides.get(t, SpecExtractor)(t) for t in sorted(load_specs().types)}
