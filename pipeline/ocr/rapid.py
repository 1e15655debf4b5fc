"""RapidOCR (PP-OCRv6 det/rec ONNX models shipped inside the wheel, onnxruntime on the CPU)."""

from __future__ import annotations

import logging
from importlib.metadata import version
from typing import Any

import numpy as np

from pipeline.models import OcrLine
from pipeline.ocr.base import OcrEngine, OcrEngineError, whole_image


class RapidOcrEngine(OcrEngine):
    name = "rapidocr"

    def __init__(self, threads: int = 1) -> None:
        try:
            from rapidocr import RapidOCR
        except ImportError as e:  # pragma: no cover - a hard dependency
            raise OcrEngineError(f"rapidocr is not installed: {e}") from e
        self.version = version("rapidocr")
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        try:
            self._ocr = RapidOCR(
                params={
                    "Global.log_level": "error",
                    "Global.use_cls": False,  # page orientation is found per page, not per line
                    "Global.max_side_len": 2000,
                    "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                }
            )
        except Exception as e:  # model files missing or unloadable
            raise OcrEngineError(f"RapidOCR could not load its models: {e}") from e

    def recognize(self, image: np.ndarray) -> list[OcrLine]:
        if image.ndim == 2:
            image = np.stack([image] * 3, axis=-1)
        # RapidOCR expects BGR like OpenCV
        out: Any = self._ocr(np.ascontiguousarray(image[:, :, ::-1]))
        if out.boxes is None or out.txts is None:
            return []
        lines = []
        for box, txt, score in zip(out.boxes.tolist(), out.txts, out.scores, strict=False):
            text = str(txt).strip()
            if not text:
                continue
            lines.append(
                OcrLine(
                    text=text,
                    polygon=[(float(x), float(y)) for x, y in box],
                    confidence=float(max(0.0, min(1.0, score))),
                )
            )
        return lines

    def read_line(self, image: np.ndarray) -> OcrLine | None:
        """Recognition only (no detection pass): the image is one line of text, e.g. a seal's ring."""
        if image.ndim == 2:
            image = np.stack([image] * 3, axis=-1)
        h, w = image.shape[:2]
        if h == 0 or w == 0:
            return None
        out: Any = self._ocr.recognize_txt([np.ascontiguousarray(image[:, :, ::-1])])
        text = str(out.txts[0]).strip() if out.txts else ""
        if not text:
            return None
        return OcrLine(
            text=text, polygon=whole_image(image), confidence=float(max(0.0, min(1.0, out.scores[0])))
        )
