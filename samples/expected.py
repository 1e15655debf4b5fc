"""``expected.json``: the ground truth of one labelled sample case, one schema for writer and reader.

Written by the corpus generator (``samples/generator/build.py``), read by the evaluation
(``samples/evaluate.py``) and the golden test. ``must_not`` is not stored: it is every flag code
that is neither in ``must`` nor in ``allow`` (:meth:`Expected.must_not`), so adding a flag code
rewrites no file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.codes import FLAG_CATEGORIES

#: codes a case can be asked to show or not to show (a processing failure is never an expectation)
SCORED_CODES: tuple[str, ...] = tuple(sorted(c for c in FLAG_CATEGORIES if c != "system.processing_failed"))

CLEAN_CAPTURES = {"clean", "clean_png", "pdf_text"}


class ExpectedMaterial(BaseModel):
    """What one file of the case is and what its fields say."""

    model_config = ConfigDict(extra="forbid")

    type: str  # a DocType value; "unknown" for a broken file
    fields: dict[str, str] = Field(default_factory=dict)
    layout: str | None = None
    holdout: bool = False
    capture: str = "clean"  # capture label, or the kind of damage for a broken file
    broken: str | None = None  # the file was damaged on purpose (truncated, encrypted, ...)
    intended_type: str | None = None  # what a broken file would have been
    listed: bool = True  # False: uploaded but not listed in case.json

    @property
    def scored(self) -> bool:
        """Type and fields are scored (not for a broken or an unlisted file)."""
        return not self.broken and self.listed

    @property
    def capture_group(self) -> str:
        return "clean" if self.capture in CLEAN_CAPTURES else "captured"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": self.type,
            "fields": self.fields,
            "layout": self.layout,
            "holdout": self.holdout,
            "capture": self.capture,
        }
        if self.broken:
            out["broken"] = self.broken
            out["intended_type"] = self.intended_type
        if not self.listed:
            out["listed"] = False
        return out


class Expected(BaseModel):
    """The labels of one case: decision, flag codes that must / may appear, and every file's truth."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["pass", "review", "return"]
    must: list[str] = Field(default_factory=list)
    allow: list[str] = Field(default_factory=list)
    key: str  # the case's key in the generator's catalogue (stable, unlike its position)
    note: str = ""
    materials: dict[str, ExpectedMaterial] = Field(default_factory=dict)

    def must_not(self, codes: tuple[str, ...] | None = None) -> set[str]:
        """Codes that must not appear: all codes minus ``must`` minus ``allow`` (computed, not stored)."""
        return set(codes if codes is not None else SCORED_CODES) - set(self.must) - set(self.allow)

    def to_json(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "must": sorted(self.must),
            "allow": sorted(self.allow),
            "key": self.key,
            "note": self.note,
            "materials": {name: m.to_json() for name, m in self.materials.items()},
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2) + "\n"

    def write(self, path: Path) -> None:
        path.write_text(self.dumps(), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Expected:
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("must_not", None)  # older files stored it; it is derived now
        return cls.model_validate(data)
