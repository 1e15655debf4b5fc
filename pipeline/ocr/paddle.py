"""PaddleOCR as an optional engine. It only ever loads models from local folders given in the
configuration: at our users' sites there is no network to download them from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from pipeline.config import Settings
from pipeline.models import OcrLine
from pipeline.ocr.base import OcrEngine, OcrEngineError


def _check_dir(label: str, env: str, path: Path | None) -> Path:
    if path is None:
        raise OcrEngineError(
            f"PaddleOCR needs a local {label} model folder: set {env} (no models are downloaded)"
        )
    if not path.is_dir() or not any(path.iterdir()):
        raise OcrEngineError(f"PaddleOCR {label} model folder {path} does not exist or is empty ({env})")
    return path


class PaddleOcrEngine(OcrEngine):
    name = "paddleocr"

    def __init__(self, settings: Settings) -> None:
        det = _check_dir("detection", "INTAKE_PADDLE_DET_MODEL_DIR", settings.paddle_det_model_dir)
        rec = _check_dir("recognition", "INTAKE_PADDLE_REC_MODEL_DIR", settings.paddle_rec_model_dir)
        try:
            import paddleocr  # type: ignore[import-not-found]
        except ImportError as e:
            raise OcrEngineError(
                "the paddle engine needs the optional extra: pip install 'intake[paddle]'"
            ) from e
        self.version = getattr(paddleocr, "__version__", "unknown")
        kwargs: dict[str, Any] = {
            "text_detection_model_dir": str(det),
            "text_recognition_model_dir": str(rec),
            "use_doc_orientation_classify": False,
            "use_doc_unwarping": False,
            "use_textline_orientation": False,
        }
        try:
            self._ocr = paddleocr.PaddleOCR(**kwargs)
        except Exception as e:
            raise OcrEngineError(f"PaddleOCR could not load the local models: {e}") from e

    def recognize(self, image: np.ndarray) -> list[OcrLine]:
        results = self._ocr.predict(np.ascontiguousarray(image[:, :, ::-1]))
        lines: list[OcrLine] = []
        for res in results:
            data = res.json.get("res", res.json) if hasattr(res, "json") else res
            for poly, txt, score in zip(
                data.get("rec_polys", []), data.get("rec_texts", []), data.get("rec_scores", []), strict=False
            ):
                if not str(txt).strip():
                    continue
                pts = [(float(x), float(y)) for x, y in list(poly)[:4]]
                lines.append(OcrLine(text=str(txt).strip(), polygon=pts, confidence=float(score)))
        return lines
