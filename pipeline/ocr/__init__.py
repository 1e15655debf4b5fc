"""OCR engines behind one small interface, loaded once per process, with a content-hash cache."""

from pipeline.ocr.base import (
    OcrEngine,
    OcrEngineError,
    check_engine,
    get_engine,
    read_line,
    recognize_page,
    recognize_region,
    upright,
)

__all__ = [
    "OcrEngine",
    "OcrEngineError",
    "check_engine",
    "get_engine",
    "read_line",
    "recognize_page",
    "recognize_region",
    "upright",
]
