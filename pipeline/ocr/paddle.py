"""PaddleOCR (PaddleX pipeline on PaddlePaddle inference) as an optional engine.

It only ever loads models from local folders: at our users' sites there is no network to download them
from. By default those are the folders ``intake models prepare-paddle`` writes under
``INTAKE_HOME/models/paddle`` (PP-OCRv6 small detection and recognition, converted from the ONNX models
inside the ``rapidocr`` wheel); ``INTAKE_PADDLE_DET_MODEL_DIR`` / ``INTAKE_PADDLE_REC_MODEL_DIR`` name
others (any PaddleX model folder of the same model names).

The detection and recognition settings are RapidOCR's (the same models, the same pre- and
post-processing), so the two engines read a page alike; see docs/ocr_engines.md.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.config import Settings
from pipeline.models import OcrLine
from pipeline.ocr.base import OcrEngine, OcrEngineError

#: the PaddleX model names of the converted models (PaddleX 3.7 knows both)
DET_MODEL_NAME = "PP-OCRv6_small_det"
REC_MODEL_NAME = "PP-OCRv6_small_rec"
PREPARE_COMMAND = "intake models prepare-paddle"
INSTALL_HINT = "make paddle-venv, or pip install 'intake[paddle]' in a virtualenv of its own"

#: RapidOCR 3.10's detection and recognition settings (rapidocr/config.yaml), for parity
DET_LIMIT_SIDE_LEN = 736
DET_LIMIT_TYPE = "min"
DET_THRESH = 0.3
DET_BOX_THRESH = 0.5
DET_UNCLIP_RATIO = 1.6
REC_SCORE_THRESH = 0.5
REC_BATCH = 6


def models_root(settings: Settings) -> Path:
    """Where ``intake models prepare-paddle`` puts the converted models by default."""
    return settings.home / "models" / "paddle"


def model_dirs(settings: Settings) -> tuple[Path, Path]:
    """(detection, recognition) model folders: the configured ones, else those under INTAKE_HOME."""
    root = models_root(settings)
    det = settings.paddle_det_model_dir or root / DET_MODEL_NAME
    rec = settings.paddle_rec_model_dir or root / REC_MODEL_NAME
    return det, rec


def model_folder_problem(path: Path, model_name: str) -> str | None:
    """Why ``path`` is not a usable PaddleX model folder of ``model_name`` (None when it is)."""
    if not path.is_dir():
        return f"no model folder {path}"
    graph = [p for p in ("inference.json", "inference.pdmodel") if (path / p).is_file()]
    missing = [p for p in ("inference.pdiparams", "inference.yml") if not (path / p).is_file()]
    if not graph:
        missing.insert(0, "inference.json")
    if missing:
        return f"model folder {path} lacks {', '.join(missing)}"
    import yaml

    try:
        meta = yaml.safe_load((path / "inference.yml").read_text(encoding="utf-8")) or {}
        name = (meta.get("Global") or {}).get("model_name")
    except (OSError, yaml.YAMLError, AttributeError):
        return f"model folder {path} has an unreadable inference.yml"
    if name != model_name:
        return f"model folder {path} holds {name!r}, not {model_name}"
    return None


def paddle_installed() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("paddle", "paddleocr", "paddlex"))


def configuration_problem(settings: Settings) -> str | None:
    """One line saying what keeps the paddle engine from loading and how to fix it, or None.

    Checked without loading anything (the CLI and the flows call it before the first case)."""
    if not paddle_installed():
        return f"the paddle OCR engine needs PaddlePaddle and PaddleOCR, not installed here ({INSTALL_HINT})"
    det, rec = model_dirs(settings)
    for path, name, env in (
        (det, DET_MODEL_NAME, "INTAKE_PADDLE_DET_MODEL_DIR"),
        (rec, REC_MODEL_NAME, "INTAKE_PADDLE_REC_MODEL_DIR"),
    ):
        problem = model_folder_problem(path, name)
        if problem is not None:
            configured = getattr(settings, env.removeprefix("INTAKE_").lower()) is not None
            fix = (
                f"fix {env}, or unset it and run `{PREPARE_COMMAND}`"
                if configured
                else f"run `{PREPARE_COMMAND}` (converts the models in the rapidocr wheel, offline)"
            )
            return f"the paddle OCR engine has no {name} model: {problem}; {fix}"
    return None


def offline_environment(settings: Settings) -> None:
    """PaddleX's environment for a site without network: no model-source check (it would reach out to
    model hosts), and its caches under INTAKE_HOME instead of ~/.paddlex and ~/.cache/paddle."""
    cache = models_root(settings) / ".cache"
    os.environ["PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK"] = "True"
    os.environ.setdefault("PADDLE_PDX_CACHE_HOME", str(cache / "paddlex"))
    os.environ.setdefault("PADDLE_HOME", str(cache / "paddle"))
    os.environ.setdefault("XDG_CACHE_HOME", str(cache))


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send what Paddle's C++ code prints on file descriptor 1 (oneDNN pass notes such as
    ``ReduceMeanCheckIfOneDNNSupport``) to stderr: stdout carries reports (``--json``, JSON Lines)."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no usable stdout: nothing to protect
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        try:
            sys.stdout.flush()
        except ValueError:
            pass
        os.dup2(saved, 1)
        os.close(saved)


class PaddleOcrEngine(OcrEngine):
    name = "paddleocr"

    def __init__(self, settings: Settings, threads: int = 1) -> None:
        problem = configuration_problem(settings)
        if problem is not None:
            raise OcrEngineError(problem)
        det, rec = model_dirs(settings)
        offline_environment(settings)
        try:
            with stdout_to_stderr():
                import paddleocr
        except Exception as e:  # installed but broken (a missing shared library, a bad numpy)
            raise OcrEngineError(f"PaddleOCR could not be imported: {type(e).__name__}: {e}") from e
        from importlib.metadata import version

        # the models are part of the version: the OCR cache never mixes readings of other models
        self.version = f"{version('paddleocr')}-{DET_MODEL_NAME}-{REC_MODEL_NAME}"
        self.threads = max(1, int(threads))
        kwargs: dict[str, Any] = {
            "text_detection_model_name": DET_MODEL_NAME,
            "text_detection_model_dir": str(det),
            "text_recognition_model_name": REC_MODEL_NAME,
            "text_recognition_model_dir": str(rec),
            "use_doc_orientation_classify": False,  # pages are turned upright by recognize_page
            "use_doc_unwarping": False,
            "use_textline_orientation": False,
            "text_det_limit_side_len": DET_LIMIT_SIDE_LEN,
            "text_det_limit_type": DET_LIMIT_TYPE,
            "text_det_thresh": DET_THRESH,
            "text_det_box_thresh": DET_BOX_THRESH,
            "text_det_unclip_ratio": DET_UNCLIP_RATIO,
            "text_rec_score_thresh": REC_SCORE_THRESH,
            "text_recognition_batch_size": REC_BATCH,
            "device": "cpu",
            "enable_mkldnn": True,
            "cpu_threads": self.threads,
        }
        try:
            with stdout_to_stderr():
                self._ocr = paddleocr.PaddleOCR(**kwargs)
        except Exception as e:
            raise OcrEngineError(f"PaddleOCR could not load the local models: {type(e).__name__}: {e}") from e

    def recognize(self, image: np.ndarray) -> list[OcrLine]:
        if image.ndim == 2:
            image = np.stack([image] * 3, axis=-1)
        h, w = image.shape[:2]
        if h == 0 or w == 0:
            return []
        # PaddleX reads numpy images as BGR, like OpenCV
        with stdout_to_stderr():  # the first run of a predictor prints too
            results = list(self._ocr.predict(np.ascontiguousarray(image[:, :, ::-1])))
        lines: list[OcrLine] = []
        for res in results:
            polys = res.get("rec_polys", [])
            texts = res.get("rec_texts", [])
            scores = res.get("rec_scores", [])
            for poly, txt, score in zip(polys, texts, scores, strict=False):
                text = str(txt).strip()
                if not text:
                    continue
                pts = [(float(x), float(y)) for x, y in np.asarray(poly).reshape(-1, 2)[:4]]
                lines.append(
                    OcrLine(text=text, polygon=pts, confidence=float(max(0.0, min(1.0, float(score)))))
                )
        return lines
