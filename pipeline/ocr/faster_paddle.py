"""faster-paddle: PP-OCRv6 detection + recognition in Rust on a bundled ONNX Runtime (PyPI
``faster-paddle``, MIT). The ``tiny`` and ``small`` models ship inside the wheel; ``medium`` would be
downloaded on first use, which our users' closed networks forbid, so it is refused here.

The engine returns axis-aligned boxes (top-left, bottom-right) in the coordinates of the image it was
given; they become 4-point polygons. Page rotation is handled by ``recognize_page``, which turns the
pixels before calling ``recognize``, so the boxes are always those of the upright page.
"""

from __future__ import annotations

import io
import os
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

from pipeline.models import OcrLine
from pipeline.ocr.base import OcrEngine, OcrEngineError

#: models inside the wheel (nothing is ever downloaded)
BUNDLED_MODELS = ("tiny", "small")


def _encode_bmp(image: np.ndarray) -> bytes:
    """The engine takes encoded bytes; uncompressed BMP is the cheapest lossless container."""
    from PIL import Image

    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    elif image.shape[2] == 4:
        image = image[:, :, :3]
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8), mode="RGB").save(buf, format="BMP")
    return buf.getvalue()


def _clamp(v: float, hi: int) -> float:
    return float(min(max(v, 0.0), float(hi)))


def bounds_to_lines(bounds: dict[Any, dict[str, Any]], width: int, height: int) -> list[OcrLine]:
    """faster-paddle's ``bounds`` (axis-aligned boxes) as OCR lines with 4-point polygons (clockwise
    from the top-left), clamped to the image, in the engine's reading order."""
    lines: list[OcrLine] = []
    for key in sorted(bounds, key=lambda k: int(k)):
        b = bounds[key]
        text = str(b.get("text", "")).strip()
        if not text:
            continue
        (x0, y0), (x1, y1) = b["topLeftCoord"], b["bottomRightCoord"]
        x0, x1 = sorted((_clamp(x0, width), _clamp(x1, width)))
        y0, y1 = sorted((_clamp(y0, height), _clamp(y1, height)))
        conf = float(b.get("confidence", 0.0))
        if conf != conf:  # NaN
            conf = 0.0
        lines.append(
            OcrLine(
                text=text,
                polygon=[(x0, y0), (x1, y0), (x1, y1), (x0, y1)],
                confidence=max(0.0, min(1.0, conf)),
            )
        )
    return lines


class FasterPaddleEngine(OcrEngine):
    name = "faster-paddle"

    def __init__(self, model: str = "small", threads: int = 1) -> None:
        if model not in BUNDLED_MODELS:
            raise OcrEngineError(
                f"faster-paddle model {model!r} is not bundled in the wheel (only {', '.join(BUNDLED_MODELS)}); "
                "models are never downloaded: set INTAKE_OCR_MODEL to tiny or small"
            )
        try:
            import faster_paddle
        except ImportError as e:
            raise OcrEngineError(
                "the faster-paddle engine needs the package: pip install 'intake[faster-paddle]'"
            ) from e
        try:
            pkg_version = version("faster-paddle")
        except PackageNotFoundError:  # pragma: no cover - installed without metadata
            pkg_version = str(getattr(faster_paddle, "__version__", "unknown"))
        self.model = model
        # the model is part of the version so that the OCR cache never mixes tiny and small readings
        self.version = f"{pkg_version}-{model}"
        self.threads = max(1, int(threads))
        # The engine would otherwise size its pools from the physical cores; a worker gets its share.
        os.environ.setdefault("RAYON_NUM_THREADS", str(self.threads))
        try:
            self._ocr = faster_paddle.OcrEngine(model_size=model, threads=self.threads)
        except Exception as e:
            raise OcrEngineError(f"faster-paddle could not load its {model} model: {e}") from e

    @property
    def config(self) -> dict[str, Any]:
        return dict(self._ocr.config)

    def recognize(self, image: np.ndarray) -> list[OcrLine]:
        h, w = image.shape[:2]
        if h == 0 or w == 0:
            return []
        out = self._ocr.ocr(_encode_bmp(image))
        return bounds_to_lines(out.get("bounds") or {}, w, h)
