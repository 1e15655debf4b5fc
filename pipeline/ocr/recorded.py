"""Recorded OCR: replay what a real engine read, keyed by the exact pixels it was given.

The idea of OCRmyPDF's null engine, for tests: ``RecordedOcrEngine`` answers ``recognize(image)``
from JSON files written by ``RecordingOcrEngine`` (a real engine plus a notebook) during one real run
(``intake samples record-ocr``). It sits at the engine level, so every call the pipeline makes is
covered: the upright reading of a downscaled page, the turned retries, and the seal ring strips
(``read_line``: recognition only, keyed ``line:<hash>``).

A recording file (one per sample case)::

    {"engine": "rapidocr", "version": "3.10.0",
     "calls": {"<blake2b of shape + bytes>": {"shape": [h, w, 3], "lines": [[text, conf, polygon], ...]}}}

An image that was never recorded raises :class:`OcrEngineError` naming its hash: the recordings are
stale (a change upstream of OCR altered the pixels) and must be recorded again.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.models import OcrLine
from pipeline.ocr.base import OcrEngine, OcrEngineError, line_prefix

RERECORD = "intake samples record-ocr samples/cases --out samples/ocr"
#: recordings of ``read_line`` (recognition only) are keyed apart from ``recognize`` of the same image
LINE_PREFIX = line_prefix()


def within_key(image: np.ndarray, alphabet: str) -> str:
    """The recording key of a one-line reading restricted to ``alphabet``."""
    return line_prefix(alphabet) + image_key(image)


def default_recordings() -> Path:
    """``samples/ocr`` of the source tree (the committed recordings of the sample cases)."""
    return Path(__file__).resolve().parents[2] / "samples" / "ocr"


def image_key(image: np.ndarray) -> str:
    """The content hash of an image as given to ``recognize`` (shape + bytes, like ``OcrCache.key``)."""
    h = hashlib.blake2b(digest_size=20)
    h.update(str(image.shape).encode())
    h.update(np.ascontiguousarray(image).tobytes())
    return h.hexdigest()


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x  # 342 reads back as 342.0: the same line, fewer bytes


def _line_to_json(line: OcrLine) -> list[Any]:
    return [line.text, line.confidence, [[_num(x), _num(y)] for x, y in line.polygon]]


def _line_from_json(item: list[Any]) -> OcrLine:
    text, conf, poly = item
    return OcrLine(text=text, confidence=conf, polygon=[(x, y) for x, y in poly])


def dump_recording(path: Path, engine: str, version: str, calls: dict[str, dict[str, Any]]) -> int:
    """Write one recording file, deterministically (sorted keys, one call per line). Returns bytes."""
    head = json.dumps({"engine": engine, "version": version}, ensure_ascii=False)[:-1]
    body = ",\n".join(
        f"  {json.dumps(k)}: {json.dumps(calls[k], ensure_ascii=False, separators=(',', ':'), sort_keys=True)}"
        for k in sorted(calls)
    )
    text = f'{head}, "calls": {{\n{body}\n}}}}\n'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))


class RecordedOcrEngine(OcrEngine):
    """Serves lines recorded for exactly this image; a miss raises :class:`OcrEngineError`."""

    name = "recorded"

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or default_recordings()
        if not self.folder.is_dir():
            raise OcrEngineError(f"no OCR recordings in {self.folder}; record them with: {RERECORD}")
        self._calls: dict[str, list[Any]] = {}
        versions = set()
        for p in sorted(self.folder.glob("*.json")):
            data = json.loads(p.read_text(encoding="utf-8"))
            versions.add(f"{data.get('engine')} {data.get('version')}")
            for k, v in data.get("calls", {}).items():
                self._calls[k] = v["lines"]
        self.version = ",".join(sorted(versions)) or "empty"

    def __len__(self) -> int:
        return len(self._calls)

    def recognize(self, image: np.ndarray) -> list[OcrLine]:
        key = image_key(image)
        lines = self._calls.get(key)
        if lines is None:
            raise OcrEngineError(
                f"no recorded OCR for image {key} (shape {tuple(image.shape)}) in {self.folder}: "
                f"the pixels given to OCR changed since the recording; record again with: {RERECORD}"
            )
        return [_line_from_json(x) for x in lines]

    def _one_line(self, key: str, what: str, image: np.ndarray) -> OcrLine | None:
        if key not in self._calls:
            raise OcrEngineError(
                f"no recorded {what} for image {key} (shape {tuple(image.shape)}) in {self.folder}: "
                f"the pixels given to OCR changed since the recording; record again with: {RERECORD}"
            )
        lines = self._calls[key]
        return _line_from_json(lines[0]) if lines else None

    def read_line(self, image: np.ndarray) -> OcrLine | None:
        return self._one_line(LINE_PREFIX + image_key(image), "one-line OCR", image)

    def read_line_within(self, image: np.ndarray, alphabet: str) -> OcrLine | None:
        return self._one_line(within_key(image, alphabet), "restricted one-line OCR", image)


class RecordingOcrEngine(OcrEngine):
    """A real engine that also notes what it read for each image; :meth:`take` hands the notes over."""

    def __init__(self, real: OcrEngine) -> None:
        self.real = real
        self.name = real.name
        self.version = real.version
        self._calls: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def recognize(self, image: np.ndarray) -> list[OcrLine]:
        lines = self.real.recognize(image)
        entry = {"shape": list(image.shape), "lines": [_line_to_json(x) for x in lines]}
        with self._lock:
            self._calls[image_key(image)] = entry
        return lines

    def read_line(self, image: np.ndarray) -> OcrLine | None:
        line = self.real.read_line(image)
        entry = {"shape": list(image.shape), "lines": [_line_to_json(line)] if line else []}
        with self._lock:
            self._calls[LINE_PREFIX + image_key(image)] = entry
        return line

    def read_line_within(self, image: np.ndarray, alphabet: str) -> OcrLine | None:
        line = self.real.read_line_within(image, alphabet)
        entry = {"shape": list(image.shape), "lines": [_line_to_json(line)] if line else []}
        with self._lock:
            self._calls[within_key(image, alphabet)] = entry
        return line

    def take(self) -> dict[str, dict[str, Any]]:
        """The calls noted since the last ``take`` (and forget them)."""
        with self._lock:
            out, self._calls = self._calls, {}
        return out
