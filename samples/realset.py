"""The real-material development set (``samples/real/``): its manifest, and seal figures on it.

``samples/real/manifest.yaml`` lists images of real documents copied from public repositories whose
licence allows it (source repository, path, commit, licence and the original's SHA-256 for each),
labelled by hand: document type, capture, every seal with its kind (``supervision``: the finance
bureau's printed 监制章, part of the form; ``issuer``: the institution's own stamp; ``other``), colour,
shape and box (fractions of the image), and whether it is stamped over text, faint or partly off
the page; glare; and ``fields``: contract fields legible on the image, read by eye, in the reader's
normalised form (dates ``YYYY-MM-DD``, amounts ``109.24``, numbers as digits). Each item is either
in the ``calibration`` part or the ``heldout`` part, fixed in the manifest: thresholds may be tuned
on the first only.

Material whose licence does not allow copying stays out of the repository: put it in a folder with
a ``manifest.yaml`` of the same form and name that folder in ``INTAKE_REAL_EXTRA``; the tests and
the bench read it when it is there.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

ROOT = Path(__file__).resolve().parent / "real"
EXTRA_ENV = "INTAKE_REAL_EXTRA"
#: licences under which a copy may sit in this repository
REDISTRIBUTABLE = {"MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "CC0-1.0", "CC-BY-4.0"}
#: colours of ink that count as an official (red) seal: purple-red stamp pads are common
SEAL_INK = {"red", "purple"}

Box4 = tuple[float, float, float, float]


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    repo: str
    path: str
    commit: str = Field(pattern=r"^[0-9a-f]{40}$")
    licence: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class SealLabel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["supervision", "issuer", "other"]
    colour: Literal["red", "purple", "blue", "yellow", "grey"]
    shape: Literal["round", "oval", "square"]
    box: Box4
    over_text: bool = False
    faint: bool = False
    partial: bool = False

    @property
    def is_red_seal(self) -> bool:
        return self.colour in SEAL_INK and self.shape in ("round", "oval")


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    file: str
    split: Literal["calibration", "heldout"]
    doc_type: str
    capture: str
    size: tuple[int, int]
    source: Source
    transform: str = ""
    red_seal: bool
    glare: bool = False
    seals: list[SealLabel] = Field(default_factory=list)
    #: contract fields read off the image by hand, in the reader's normalised form (``bench/real_fields.py``)
    fields: dict[str, str] = Field(default_factory=dict)
    notes: str = ""
    root: Path = Field(default=ROOT, exclude=True)

    @property
    def path(self) -> Path:
        return self.root / self.file

    def image(self) -> np.ndarray:
        with Image.open(self.path) as im:
            return np.asarray(im.convert("RGB"))

    def boxes_px(self, labels: Iterable[SealLabel] | None = None) -> list[Box4]:
        w, h = self.size
        return [(s.box[0] * w, s.box[1] * h, s.box[2] * w, s.box[3] * h) for s in (labels or self.seals)]


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    about: str = ""
    box_units: str = ""
    items: list[Item]


def load(root: Path = ROOT) -> list[Item]:
    data = yaml.safe_load((root / "manifest.yaml").read_text(encoding="utf-8"))
    man = Manifest.model_validate(data)
    for it in man.items:
        it.root = root
    return man.items


def extra_root() -> Path | None:
    """The folder of material that may not be copied here, when the environment names one."""
    v = os.environ.get(EXTRA_ENV)
    if v and (Path(v) / "manifest.yaml").is_file():
        return Path(v)
    return None


# --------------------------------------------------------------------------- seal figures


def _inside(pt: tuple[float, float], box: Box4, margin: float = 0.0) -> bool:
    x, y = pt
    x0, y0, x1, y1 = box
    mx, my = margin * (x1 - x0), margin * (y1 - y0)
    return x0 - mx <= x <= x1 + mx and y0 - my <= y <= y1 + my


@dataclass
class SealScore:
    """Counts over a set of items (n / N for each figure)."""

    images: int = 0
    presence_right: int = 0  # found a seal exactly when a red seal is there
    positives: int = 0  # images with a red seal
    positives_found: int = 0
    negatives: int = 0
    negatives_clean: int = 0  # no seal found on an image without a red seal
    seals: int = 0  # red (or purple) round/oval seals labelled
    seals_found: int = 0
    issuer_seals: int = 0
    issuer_found: int = 0
    detections: int = 0
    false_detections: int = 0  # centre on no labelled seal of any colour
    missed: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)

    def add(self, item: Item, centres: Sequence[tuple[float, float]]) -> None:
        self.images += 1
        found = bool(centres)
        self.presence_right += found == item.red_seal
        if item.red_seal:
            self.positives += 1
            self.positives_found += found
        else:
            self.negatives += 1
            self.negatives_clean += not found
        red = [s for s in item.seals if s.is_red_seal]
        boxes = item.boxes_px(red) if red else []
        for s, b in zip(red, boxes, strict=True):
            hit = any(_inside(c, b, 0.1) for c in centres)
            self.seals += 1
            self.seals_found += hit
            if s.kind == "issuer":
                self.issuer_seals += 1
                self.issuer_found += hit
            if not hit:
                self.missed.append(f"{item.id}:{s.kind}")
        all_boxes = item.boxes_px() if item.seals else []
        for c in centres:
            self.detections += 1
            if not any(_inside(c, b, 0.15) for b in all_boxes):
                self.false_detections += 1
                self.false.append(f"{item.id}@{round(c[0])},{round(c[1])}")

    def lines(self) -> list[str]:
        def r(n: int, d: int) -> str:
            return f"{n}/{d} = {n / d:.3f}" if d else f"{n}/0"

        return [
            f"presence accuracy      {r(self.presence_right, self.images)}",
            f"  images with a seal   {r(self.positives_found, self.positives)} found",
            f"  images without       {r(self.negatives_clean, self.negatives)} clean",
            f"red seals located      {r(self.seals_found, self.seals)}",
            f"  issuer seals         {r(self.issuer_found, self.issuer_seals)}",
            f"false seals            {self.false_detections} of {self.detections} detections",
        ]


def score_seals(
    items: Iterable[Item], detect: Callable[[np.ndarray], Sequence[tuple[float, float]]]
) -> SealScore:
    """Run ``detect`` (image -> seal centres in pixels) on each item and count."""
    score = SealScore()
    for it in items:
        score.add(it, detect(it.image()))
    return score
