"""RapidOCR (PP-OCRv6 det/rec ONNX models shipped inside the wheel, onnxruntime on the CPU)."""

from __future__ import annotations

import logging
from importlib.metadata import version
from typing import Any

import numpy as np

from pipeline.models import OcrLine
from pipeline.ocr.base import OcrEngine, OcrEngineError, whole_image

#: RapidOCR's (and PaddleOCR's) recognition input: 48 high, every batch padded to 320 wide at least
REC_HEIGHT, REC_MIN_WIDTH = 48, 320


def engine_version(rec_min_width: int = REC_MIN_WIDTH) -> str:
    """The version the OCR cache files readings under: the package's, and the recognition width when
    it is not RapidOCR's own (the two give slightly different text)."""
    v = version("rapidocr")
    return v if rec_min_width == REC_MIN_WIDTH else f"{v}-w{rec_min_width}"


class RapidOcrEngine(OcrEngine):
    name = "rapidocr"

    def __init__(self, threads: int = 1, rec_min_width: int = REC_MIN_WIDTH) -> None:
        try:
            from rapidocr import RapidOCR
        except ImportError as e:  # pragma: no cover - a hard dependency
            raise OcrEngineError(f"rapidocr is not installed: {e}") from e
        self.rec_min_width = int(rec_min_width)
        self._rec_index: dict[str, int] | None = None
        self.version = engine_version(self.rec_min_width)
        rec: dict[str, Any] = {}
        if self.rec_min_width != REC_MIN_WIDTH:
            # each line recognised alone at its own width (not padded to the batch's widest, nor to
            # 320): a short field costs what it is wide; the cache keeps the two readings apart
            rec = {"Rec.rec_img_shape": [3, REC_HEIGHT, self.rec_min_width], "Rec.rec_batch_num": 1}
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        try:
            self._ocr = RapidOCR(
                params={
                    "Global.log_level": "error",
                    "Global.use_cls": False,  # page orientation is found per page, not per line
                    "Global.max_side_len": 2000,
                    "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                    **rec,
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

    def read_line_within(self, image: np.ndarray, alphabet: str) -> OcrLine | None:
        """Recognition only, each step's choice restricted to ``alphabet`` (and CTC's blank): the
        recogniser's own scores over the whole dictionary, read among the allowed characters. A
        character the dictionary lacks is left out; the confidence is the mean score of the chosen
        characters (over the whole dictionary, so a forced choice scores low)."""
        if image.ndim == 2:
            image = np.stack([image] * 3, axis=-1)
        h, w = image.shape[:2]
        if h == 0 or w == 0:
            return None
        rec: Any = self._ocr._load_rec_model()  # RapidOCR's TextRecognizer: its session and decoder
        if self._rec_index is None:  # the dictionary's characters (0: CTC blank), indexed once
            self._rec_index = {c: i for i, c in enumerate(rec.postprocess_op.character) if i}
        index = self._rec_index
        allowed = [c for c in dict.fromkeys(alphabet) if c in index]
        if not allowed:
            return None
        cols = np.array([0] + [index[c] for c in allowed])
        _, img_h, img_w = rec.rec_image_shape[:3]
        x = rec.resize_norm_img(np.ascontiguousarray(image[:, :, ::-1]), max(img_w / img_h, w / h))
        preds = np.asarray(rec.session(x[np.newaxis].astype(np.float32)))[0][:, cols]
        best = preds.argmax(axis=1)
        text: list[str] = []
        scores: list[float] = []
        prev = 0
        for t, b in enumerate(best.tolist()):
            if b and b != prev:
                text.append(allowed[b - 1])
                scores.append(float(preds[t, b]))
            prev = b
        if not text:
            return None
        return OcrLine(
            text="".join(text),
            polygon=whole_image(image),
            confidence=max(0.0, min(1.0, sum(scores) / len(scores))),
        )
