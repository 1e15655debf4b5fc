"""Extractor for `medical_record` (labels and keywords in specs.yaml)."""

from __future__ import annotations

from extractors._base import SpecExtractor
from pipeline.codes import DocType
from pipeline.registry import register_extractor

EXTRACTOR = register_extractor(SpecExtractor(DocType.MEDICAL_RECORD))
