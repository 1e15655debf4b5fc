"""The paddle engine's models, made offline from the ONNX models inside the ``rapidocr`` wheel.

No PyPI package ships PP-OCR models in Paddle's format, and our users' sites cannot download them. The
``rapidocr`` wheel (a dependency of the project) ships PP-OCRv6 small detection and recognition as ONNX,
with the recognition dictionary in the ONNX metadata (key ``character``). :func:`prepare` turns them
into PaddleX model folders:

1. ``x2paddle`` (PyPI) converts each ONNX model to Paddle code + weights, each in its own process (the
   two models share parameter names, which Paddle refuses twice in one process). x2paddle 1.6.0 looks
   for ``onnx.version`` and ``onnx.mapping``, which newer onnx releases dropped: they are restored
   before it runs (otherwise it prints "onnx is not installed" and writes nothing). Its usage
   statistics call is switched off (``disable_feedback``): nothing leaves the machine.
2. Nearest-neighbour upsampling by an integer factor is rewritten as ``repeat_interleave`` (the same
   values): the converted ``interpolate`` carries a list of doubles as its ``scale`` attribute, which
   oneDNN (Paddle's default on the CPU) cannot run.
3. The model is re-exported with ``paddle.jit.to_static`` + ``paddle.jit.save`` as
   ``inference.json`` + ``inference.pdiparams``, beside an ``inference.yml`` naming the PaddleX model
   (``PP-OCRv6_small_det`` / ``PP-OCRv6_small_rec``) with RapidOCR's pre- and post-processing settings
   and, for recognition, the dictionary from the ONNX metadata.
4. Both models are checked against ONNX Runtime on a rendered test page: the outputs must agree
   within :data:`TOLERANCE` and the recognised characters must be the same.

The folders are written next to each other under a temporary name and moved into place at the end, with
``manifest.json`` (sources with their SHA-256, tool versions, the check's figures).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import types
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import ConfigError

DET_ONNX = "PP-OCRv6_det_small.onnx"
REC_ONNX = "PP-OCRv6_rec_small.onnx"
#: largest difference allowed between the converted model's output and ONNX Runtime's
TOLERANCE = 1e-3
MANIFEST = "manifest.json"


class PrepareError(ConfigError):
    """The models could not be prepared (the extra missing, conversion or its check failed)."""


# --------------------------------------------------------------------------- sources


def rapidocr_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("rapidocr")
    if spec is None or not spec.submodule_search_locations:
        raise PrepareError("the rapidocr package is not installed: it holds the ONNX models to convert")
    return Path(next(iter(spec.submodule_search_locations)))


def onnx_sources() -> dict[str, Path]:
    models = rapidocr_dir() / "models"
    out = {"det": models / DET_ONNX, "rec": models / REC_ONNX}
    for p in out.values():
        if not p.is_file():
            raise PrepareError(f"the rapidocr wheel does not hold {p.name} (looked in {models})")
    return out


def rapidocr_config() -> dict[str, Any]:
    """RapidOCR's own settings (``rapidocr/config.yaml``): the converted models are run with them."""
    import yaml

    data: dict[str, Any] = yaml.safe_load((rapidocr_dir() / "config.yaml").read_text(encoding="utf-8"))
    return data


def rec_characters(rec_onnx: Path) -> list[str]:
    """The recognition dictionary stored in the ONNX model's metadata (one character a line)."""
    import onnx

    model = onnx.load(str(rec_onnx), load_external_data=False)
    for prop in model.metadata_props:
        if prop.key == "character":
            return prop.value.splitlines()
    raise PrepareError(f"{rec_onnx.name} carries no character dictionary in its metadata")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- inference.yml


def det_inference_meta(model_name: str, cfg: dict[str, Any]) -> dict[str, Any]:
    det = cfg["Det"]
    return {
        "Global": {"model_name": model_name},
        "PreProcess": {
            "transform_ops": [
                {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
                {
                    "DetResizeForTest": {
                        "limit_side_len": int(det["limit_side_len"]),
                        "limit_type": str(det["limit_type"]),
                    }
                },
                {
                    "NormalizeImage": {
                        "mean": [float(x) for x in det["mean"]],
                        "std": [float(x) for x in det["std"]],
                        "scale": 1.0 / 255.0,
                        "order": "hwc",
                    }
                },
                {"ToCHWImage": None},
            ]
        },
        "PostProcess": {
            "name": "DBPostProcess",
            "thresh": float(det["thresh"]),
            "box_thresh": float(det["box_thresh"]),
            "max_candidates": int(det["max_candidates"]),
            "unclip_ratio": float(det["unclip_ratio"]),
            "use_dilation": bool(det["use_dilation"]),
            "score_mode": str(det["score_mode"]),
            "box_type": "quad",
        },
    }


def rec_inference_meta(model_name: str, cfg: dict[str, Any], characters: list[str]) -> dict[str, Any]:
    shape = [int(x) for x in cfg["Rec"]["rec_img_shape"]]
    return {
        "Global": {"model_name": model_name},
        "PreProcess": {
            "transform_ops": [
                {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
                {"RecResizeImg": {"image_shape": shape}},
                {"KeepKeys": {"keep_keys": ["image", "length"]}},
            ]
        },
        "PostProcess": {"name": "CTCLabelDecode", "character_dict": characters},
    }


# --------------------------------------------------------------------------- conversion (child process)


def onnx_compat() -> None:
    """Restore ``onnx.version`` and ``onnx.mapping`` (gone from newer onnx) for x2paddle 1.6.0."""
    import onnx
    from onnx import TensorProto, helper

    if not hasattr(onnx, "version") or not hasattr(getattr(onnx, "version", None), "version"):
        mod = types.ModuleType("onnx.version")
        mod.version = onnx.__version__  # type: ignore[attr-defined]
        onnx.version = mod  # type: ignore[attr-defined]
        sys.modules["onnx.version"] = mod
    try:
        import onnx.mapping
    except ImportError:
        mapping = types.ModuleType("onnx.mapping")
        to_np: dict[int, Any] = {}
        for _, code in TensorProto.DataType.items():
            try:
                to_np[code] = helper.tensor_dtype_to_np_dtype(code)
            except Exception:  # types with no numpy counterpart
                continue
        mapping.TENSOR_TYPE_TO_NP_TYPE = to_np  # type: ignore[attr-defined]
        mapping.NP_TYPE_TO_TENSOR_TYPE = {v: k for k, v in to_np.items()}  # type: ignore[attr-defined]
        onnx.mapping = mapping  # type: ignore[attr-defined]
        sys.modules["onnx.mapping"] = mapping


_NEAREST = re.compile(
    r"paddle\.nn\.functional\.interpolate\(x=(?P<x>[\w.]+), scale_factor=\[(?P<sh>[\d.]+), (?P<sw>[\d.]+)\], "
    r"mode='nearest'(?:, align_mode=\d+)?\)"
)


def patch_upsampling(code: str) -> tuple[str, int]:
    """Nearest upsampling by whole factors as ``repeat_interleave`` (identical values; oneDNN runs it).
    Returns the code and how many calls were rewritten; a non-integer factor is left alone."""

    def repl(m: re.Match[str]) -> str:
        sh, sw = float(m["sh"]), float(m["sw"])
        if sh != int(sh) or sw != int(sw):
            return m.group(0)
        x = m["x"]
        return (
            f"paddle.repeat_interleave(paddle.repeat_interleave({x}, {int(sh)}, axis=2), {int(sw)}, axis=3)"
        )

    return _NEAREST.subn(repl, code)


_INPUT_SHAPE = re.compile(r"# x2paddle_x: shape-\[(?P<dims>[-\d, ]+)\], type-float32")


def convert_one(onnx_path: Path, work: Path, out: Path) -> dict[str, Any]:
    """ONNX → x2paddle code → patched → ``out/inference.json`` + ``inference.pdiparams``. Runs in a
    child process (see :func:`_convert_in_child`)."""
    onnx_compat()
    from x2paddle.convert import onnx2paddle

    onnx2paddle(str(onnx_path), str(work), disable_feedback=True)
    code_file = work / "x2paddle_code.py"
    params = work / "model.pdparams"
    if not code_file.is_file() or not params.is_file():
        raise PrepareError(f"x2paddle wrote no model for {onnx_path.name}")
    code, patched = patch_upsampling(code_file.read_text(encoding="utf-8"))
    m = _INPUT_SHAPE.search(code)
    if m is None:
        raise PrepareError(f"x2paddle's code for {onnx_path.name} does not state its input shape")
    dims = [None if int(d) < 0 else int(d) for d in m["dims"].split(",")]
    fixed = work / "patched_code.py"
    fixed.write_text(code, encoding="utf-8")

    import importlib.util

    import paddle

    spec = importlib.util.spec_from_file_location("intake_x2paddle_model", fixed)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    paddle.disable_static()
    # x2paddle built the same layer once already: a fresh name space, or Paddle refuses its names
    with paddle.utils.unique_name.guard():
        model = module.ONNXModel()
        model.set_dict(paddle.load(str(params)), use_structured_name=True)
        model.eval()
        static = paddle.jit.to_static(
            model,
            input_spec=[paddle.static.InputSpec(shape=dims, dtype="float32", name="x")],
            full_graph=True,
        )
        out.mkdir(parents=True, exist_ok=True)
        paddle.jit.save(static, str(out / "inference"))
    return {"upsampling_rewritten": patched, "input_shape": [d if d is not None else -1 for d in dims]}


def _convert_in_child(onnx_path: Path, work: Path, out: Path) -> dict[str, Any]:
    env = dict(os.environ)
    env.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")
    env["GLOG_minloglevel"] = "2"
    env["HOME"] = str(work.parent)  # paddle writes ~/.cache/paddle (to_static_tmp, dataset): keep it here
    cmd = [sys.executable, "-m", "pipeline.ocr.paddle_models", str(onnx_path), str(work), str(out)]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    if res.returncode != 0:
        tail = " | ".join(res.stderr.strip().splitlines()[-3:])
        raise PrepareError(f"converting {onnx_path.name} failed: {tail or 'exit ' + str(res.returncode)}")
    last = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else "{}"
    result: dict[str, Any] = json.loads(last)
    return result


# --------------------------------------------------------------------------- checking against ONNX


def _font(size: int) -> Any:
    from PIL import ImageFont

    for p in (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    ):
        if Path(p).is_file():
            return ImageFont.truetype(p, size)
    return None


TEST_LINES = ("住院收费票据", "姓名：张三  金额：128.00", "2024年03月15日")
TEST_LINES_LATIN = ("Hospital invoice", "Total 128.00", "2024-03-15")


def test_page() -> tuple[np.ndarray, list[np.ndarray], tuple[str, ...]]:
    """A rendered page (BGR, 320x640) and its lines cropped (BGR), for the check."""
    from PIL import Image, ImageDraw

    font = _font(32)
    lines = TEST_LINES if font is not None else TEST_LINES_LATIN
    if font is None:
        from PIL import ImageFont

        font = ImageFont.load_default(size=32)
    img = Image.new("RGB", (640, 320), "white")
    draw = ImageDraw.Draw(img)
    crops = []
    for i, text in enumerate(lines):
        y = 30 + i * 90
        draw.text((30, y), text, fill=(20, 20, 20), font=font)
        x0, y0, x1, y1 = draw.textbbox((30, y), text, font=font)
        crops.append((int(x0) - 6, int(y0) - 8, int(x1) + 6, int(y1) + 8))
    page = np.asarray(img)[:, :, ::-1].copy()
    return page, [page[b:d, a:c].copy() for a, b, c, d in crops], lines


def _det_input(page: np.ndarray, mean: list[float], std: list[float]) -> np.ndarray:
    h, w = page.shape[:2]
    x: np.ndarray = page.astype(np.float32) / np.float32(255.0)
    x = (x - np.array(mean, np.float32)) / np.array(std, np.float32)
    x = x[: h - h % 32, : w - w % 32]
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None])


def _rec_input(crop: np.ndarray, shape: list[int]) -> np.ndarray:
    import cv2

    _, ih, iw = shape
    h, w = crop.shape[:2]
    nw = max(8, round(ih * w / h))
    x = cv2.resize(crop, (nw, ih)).astype(np.float32) / 255.0
    x = (x - 0.5) / 0.5
    width = max(iw, nw)
    padded = np.zeros((ih, width, 3), np.float32)
    padded[:, :nw] = x
    return np.ascontiguousarray(padded.transpose(2, 0, 1)[None])


def _ctc_text(probs: np.ndarray, characters: list[str]) -> str:
    table = ["", *characters, " "]
    idx = probs.argmax(-1)
    out, prev = [], -1
    for i in idx:
        if i != prev and i != 0:
            out.append(table[i] if i < len(table) else "")
        prev = int(i)
    return "".join(out)


def _paddle_predictor(folder: Path, threads: int = 1) -> Any:
    import paddle.inference as pi

    cfg = pi.Config(str(folder / "inference.json"), str(folder / "inference.pdiparams"))
    cfg.disable_gpu()
    cfg.enable_mkldnn()  # the default on the CPU, and what the engine uses: the check runs it
    cfg.set_cpu_math_library_num_threads(threads)
    cfg.disable_glog_info()
    return pi.create_predictor(cfg)


def _run_paddle(pred: Any, x: np.ndarray) -> np.ndarray:
    name = pred.get_input_names()[0]
    handle = pred.get_input_handle(name)
    handle.reshape(list(x.shape))
    handle.copy_from_cpu(x)
    pred.run()
    out = pred.get_output_handle(pred.get_output_names()[0]).copy_to_cpu()
    return np.asarray(out)


@dataclass
class CheckResult:
    det_max_diff: float
    rec_max_diff: float
    texts_onnx: list[str]
    texts_paddle: list[str]
    expected: list[str]

    @property
    def ok(self) -> bool:
        return (
            self.det_max_diff <= TOLERANCE
            and self.rec_max_diff <= TOLERANCE
            and self.texts_onnx == self.texts_paddle
        )


def check_against_onnx(
    det_dir: Path, rec_dir: Path, sources: dict[str, Path], cfg: dict[str, Any]
) -> CheckResult:
    """Run both converted models and ONNX Runtime on :func:`test_page`; compare outputs and text."""
    import onnxruntime as ort

    from pipeline.ocr.paddle import stdout_to_stderr

    with stdout_to_stderr():
        return _check_against_onnx(det_dir, rec_dir, sources, cfg, ort)


def _check_against_onnx(
    det_dir: Path, rec_dir: Path, sources: dict[str, Path], cfg: dict[str, Any], ort: Any
) -> CheckResult:
    page, crops, lines = test_page()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    det_x = _det_input(page, cfg["Det"]["mean"], cfg["Det"]["std"])
    det_sess = ort.InferenceSession(str(sources["det"]), opts, providers=["CPUExecutionProvider"])
    det_onnx = det_sess.run(None, {det_sess.get_inputs()[0].name: det_x})[0]
    det_pd = _run_paddle(_paddle_predictor(det_dir), det_x)
    characters = rec_characters(sources["rec"])
    rec_sess = ort.InferenceSession(str(sources["rec"]), opts, providers=["CPUExecutionProvider"])
    rec_pred = _paddle_predictor(rec_dir)
    rec_diff = 0.0
    texts_onnx, texts_pd = [], []
    for crop in crops:
        x = _rec_input(crop, [int(v) for v in cfg["Rec"]["rec_img_shape"]])
        a = rec_sess.run(None, {rec_sess.get_inputs()[0].name: x})[0]
        b = _run_paddle(rec_pred, x)
        rec_diff = max(rec_diff, float(np.abs(a - b).max()))
        texts_onnx.append(_ctc_text(a[0], characters))
        texts_pd.append(_ctc_text(b[0], characters))
    return CheckResult(
        det_max_diff=float(np.abs(det_onnx - det_pd).max()),
        rec_max_diff=rec_diff,
        texts_onnx=texts_onnx,
        texts_paddle=texts_pd,
        expected=list(lines),
    )


# --------------------------------------------------------------------------- prepare


@dataclass
class Prepared:
    out: Path
    det: Path
    rec: Path
    reused: bool
    seconds: float
    check: dict[str, Any] = field(default_factory=dict)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("rapidocr", "x2paddle", "onnx", "paddlepaddle", "paddleocr", "paddlex", "onnxruntime"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "-"
    return out


def _up_to_date(out: Path, sources: dict[str, Path]) -> bool:
    from pipeline.ocr.paddle import DET_MODEL_NAME, REC_MODEL_NAME, model_folder_problem

    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if model_folder_problem(out / DET_MODEL_NAME, DET_MODEL_NAME) or model_folder_problem(
        out / REC_MODEL_NAME, REC_MODEL_NAME
    ):
        return False
    want = {k: sha256(p) for k, p in sources.items()}
    return bool(manifest.get("sources_sha256") == want and manifest.get("check", {}).get("ok"))


def require_tools() -> None:
    import importlib.util

    from pipeline.ocr.paddle import INSTALL_HINT

    missing = [m for m in ("paddle", "paddleocr", "x2paddle", "onnx") if importlib.util.find_spec(m) is None]
    if missing:
        raise PrepareError(
            f"preparing the paddle models needs {', '.join(missing)}, not installed here ({INSTALL_HINT})"
        )


def prepare(out: Path, force: bool = False, progress: Any = None) -> Prepared:
    """Convert, check and install the models under ``out`` (``out/PP-OCRv6_small_det`` and
    ``out/PP-OCRv6_small_rec``). Idempotent: models already made from the same ONNX files are kept
    unless ``force``. Nothing is downloaded."""
    from pipeline.ocr.paddle import DET_MODEL_NAME, REC_MODEL_NAME

    say = progress or (lambda _msg: None)
    t0 = time.perf_counter()
    require_tools()
    sources = onnx_sources()
    if not force and _up_to_date(out, sources):
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        return Prepared(
            out, out / DET_MODEL_NAME, out / REC_MODEL_NAME, True, time.perf_counter() - t0, manifest["check"]
        )
    cfg = rapidocr_config()
    characters = rec_characters(sources["rec"])
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".prepare-", dir=out))
    try:
        made: dict[str, dict[str, Any]] = {}
        for kind, name in (("det", DET_MODEL_NAME), ("rec", REC_MODEL_NAME)):
            say(f"converting {sources[kind].name} -> {name}")
            made[kind] = _convert_in_child(sources[kind], staging / f"work-{kind}", staging / name)
        import yaml

        (staging / DET_MODEL_NAME / "inference.yml").write_text(
            yaml.safe_dump(det_inference_meta(DET_MODEL_NAME, cfg), allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
        (staging / REC_MODEL_NAME / "inference.yml").write_text(
            yaml.safe_dump(
                rec_inference_meta(REC_MODEL_NAME, cfg, characters), allow_unicode=True, sort_keys=False
            ),
            encoding="utf-8",
        )
        say("checking the converted models against ONNX Runtime")
        check = check_against_onnx(staging / DET_MODEL_NAME, staging / REC_MODEL_NAME, sources, cfg)
        report = {**asdict(check), "ok": check.ok, "tolerance": TOLERANCE}
        if not check.ok:
            raise PrepareError(
                f"the converted models disagree with ONNX (detection {check.det_max_diff:.2g}, recognition "
                f"{check.rec_max_diff:.2g}, texts {check.texts_paddle} vs {check.texts_onnx}); nothing was installed"
            )
        manifest = {
            "made": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "sources": {k: str(p) for k, p in sources.items()},
            "sources_sha256": {k: sha256(p) for k, p in sources.items()},
            "versions": _versions(),
            "conversion": made,
            "check": report,
        }
        for name in (DET_MODEL_NAME, REC_MODEL_NAME):
            target = out / name
            if target.exists():
                shutil.rmtree(target)
            (staging / name).rename(target)
        tmp_manifest = staging / MANIFEST
        tmp_manifest.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        tmp_manifest.replace(out / MANIFEST)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Prepared(out, out / DET_MODEL_NAME, out / REC_MODEL_NAME, False, time.perf_counter() - t0, report)


def _child_main(argv: list[str]) -> int:
    onnx_path, work, out = (Path(a) for a in argv)
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):  # x2paddle and paddle print freely: keep stdout for the result
        result = convert_one(onnx_path, work, out)
    sys.stderr.write(buf.getvalue())
    print(json.dumps(result))
    return 0


if __name__ == "__main__":  # the child process of _convert_in_child
    raise SystemExit(_child_main(sys.argv[1:]))
