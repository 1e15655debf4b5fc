from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline import timing
from pipeline.config import Settings
from pipeline.errors import ConfigError, TransientError
from pipeline.models import OcrLine

log = logging.getLogger(__name__)


class OcrEngineError(TransientError):
    """The OCR engine cannot be loaded or failed on a page (a case it hits goes to review)."""


class OcrEngine(ABC):
    name: str = "abstract"
    version: str = "0"

    @abstractmethod
    def recognize(self, image: np.ndarray) -> list[OcrLine]:
        """Read an RGB uint8 image; polygons in that image's pixel coordinates."""

    def read_line(self, image: np.ndarray) -> OcrLine | None:
        """Read an image known to hold one line of text (a crop, a seal's unwarped ring): recognition
        only where the engine can skip detection. This default detects and joins what it finds, left
        to right; the polygon is the whole image."""
        return join_line(self.recognize(image), image)

    def read_line_within(self, image: np.ndarray, alphabet: str) -> OcrLine | None:
        """Read a one-line image whose text can only hold the characters of ``alphabet`` (an amount in
        words: 零壹贰…元角分整): the recogniser's choice at each step is restricted to them (constrained
        decoding). None where the engine cannot restrict its reading (this default)."""
        return None


def line_prefix(alphabet: str | None = None) -> str:
    """The key prefix of a one-line reading (cache and recordings): plain, or restricted to an
    alphabet (keyed by its hash)."""
    if alphabet is None:
        return "line:"
    return f"line-within:{hashlib.sha256(alphabet.encode()).hexdigest()[:12]}:"


def join_line(lines: list[OcrLine], image: np.ndarray) -> OcrLine | None:
    """Lines read on a one-line image as one line (left to right, confidence weighted by length)."""
    lines = sorted((ln for ln in lines if ln.text), key=lambda ln: ln.box[0])
    chars = sum(len(ln.text) for ln in lines)
    if not chars:
        return None
    conf = sum(ln.confidence * len(ln.text) for ln in lines) / chars
    return OcrLine(text="".join(ln.text for ln in lines), polygon=whole_image(image), confidence=float(conf))


def whole_image(image: np.ndarray) -> list[tuple[float, float]]:
    """The polygon of a whole image (where a one-line read sits)."""
    h, w = image.shape[:2]
    return [(0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h))]


def _rapidocr(settings: Settings, threads: int) -> OcrEngine:
    from pipeline.ocr.rapid import RapidOcrEngine

    return RapidOcrEngine(threads=threads, rec_min_width=settings.ocr_rec_min_width)


def _faster_paddle(settings: Settings, threads: int) -> OcrEngine:
    from pipeline.ocr.faster_paddle import FasterPaddleEngine

    return FasterPaddleEngine(model=settings.ocr_model, threads=threads)


def _paddle(settings: Settings, threads: int) -> OcrEngine:
    from pipeline.ocr.paddle import PaddleOcrEngine

    return PaddleOcrEngine(settings, threads=threads)


def _recorded(settings: Settings, threads: int) -> OcrEngine:
    from pipeline.ocr.recorded import RecordedOcrEngine

    return RecordedOcrEngine(settings.ocr_recordings)


def _missing_module(engine: str, module: str, hint: str) -> str | None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        return f"the {engine} OCR engine needs the package {module!r}, not installed here ({hint})"
    return None


def _paddle_problem(settings: Settings) -> str | None:
    from pipeline.ocr.paddle import configuration_problem as paddle_problem

    return paddle_problem(settings)


def _recorded_problem(settings: Settings) -> str | None:
    recordings = settings.ocr_recordings
    if recordings is not None and not recordings.is_dir():
        return f"the recorded OCR engine has no folder {recordings} (INTAKE_OCR_RECORDINGS)"
    return None


@dataclass(frozen=True)
class EngineEntry:
    """How to load an engine, and what keeps it from loading (one line naming the fix, or None;
    loads nothing, so it is cheap enough for start-up)."""

    load: Callable[[Settings, int], OcrEngine]
    problem: Callable[[Settings], str | None]


#: The engines ``INTAKE_OCR_ENGINE`` can name: adding one is a module and an entry here.
ENGINES: dict[str, EngineEntry] = {
    "rapidocr": EngineEntry(
        _rapidocr, lambda s: _missing_module("rapidocr", "rapidocr", "reinstall intake: make setup")
    ),
    "faster-paddle": EngineEntry(
        _faster_paddle,
        lambda s: _missing_module("faster-paddle", "faster_paddle", "pip install faster-paddle"),
    ),
    "paddle": EngineEntry(_paddle, _paddle_problem),
    "recorded": EngineEntry(_recorded, _recorded_problem),
}


def configuration_problem(settings: Settings) -> str | None:
    """What keeps the configured engine from loading at all (not installed, no models), as one line
    naming the fix; None when nothing is known to be wrong. Loads nothing: cheap enough for start-up."""
    entry = ENGINES.get(settings.ocr_engine)
    return entry.problem(settings) if entry is not None else None


def check_engine(settings: Settings) -> None:
    """Refuse to start a run whose OCR engine cannot be loaded at all: :class:`ConfigError` (exit 3)
    with one line naming what is missing and the command that fixes it. Called by ``intake check``,
    ``batch``, ``ocr``, ``serve`` and the flows before the first case: a misconfigured engine must not
    turn every case into ``review``. (An engine that loads but fails on a page stays an
    :class:`OcrEngineError`: that case goes to review, and the flows redo it.)"""
    problem = configuration_problem(settings)
    if problem is not None:
        raise ConfigError(problem)


_engines: dict[tuple[str, str, int, int], OcrEngine] = {}
_lock = threading.Lock()


def _key(settings: Settings, threads: int) -> tuple[str, str, int, int]:
    return (settings.ocr_engine, settings.ocr_model, threads, settings.ocr_rec_min_width)


def get_engine(settings: Settings, threads: int | None = None) -> OcrEngine:
    """The process's engine (loaded once)."""
    threads = threads or settings.effective_ocr_threads()
    key = _key(settings, threads)
    with _lock:
        eng = _engines.get(key)
        if eng is None:
            entry = ENGINES.get(settings.ocr_engine)
            if entry is None:  # pragma: no cover - guarded by Settings' Literal
                raise OcrEngineError(f"unknown OCR engine {settings.ocr_engine!r}")
            eng = _engines[key] = entry.load(settings, threads)
    return eng


def install_engine(settings: Settings, engine: OcrEngine, threads: int | None = None) -> None:
    """Make ``get_engine(settings)`` return ``engine`` in this process (``record-ocr`` wraps the real one)."""
    threads = threads or settings.effective_ocr_threads()
    with _lock:
        _engines[_key(settings, threads)] = engine


class OcrCache:
    """OCR results keyed by (pixel content hash, engine, version), in one SQLite file."""

    def __init__(self, path: Path, max_age_days: float = 0.0) -> None:
        from pipeline.safety import private_file

        private_file(path)  # OCR text of ID cards: owner-only, whatever the umask
        self.max_age = max_age_days * 86400.0
        self._db = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        # Worker processes open the cache at the same moment: switching to WAL needs a lock another
        # process may hold, so retry a few times before giving up on the cache.
        for attempt in range(20):
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA secure_delete=ON")  # purged text is overwritten on disk
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS ocr (key TEXT PRIMARY KEY, lines TEXT NOT NULL, created REAL)"
                )
                cols = {r[1] for r in self._db.execute("PRAGMA table_info(ocr)")}
                if "created" not in cols:  # a cache of an earlier version: its entries count as expired
                    self._db.execute("ALTER TABLE ocr ADD COLUMN created REAL")
                self._db.commit()
                private_file(path)
                break
            except sqlite3.OperationalError:
                if attempt == 19:
                    raise
                time.sleep(0.05 * (attempt + 1))
        self._lock = threading.Lock()  # one connection, shared by the threads of a process

    @staticmethod
    def key(image: np.ndarray, engine: OcrEngine | tuple[str, str]) -> str:
        name, ver = engine if isinstance(engine, tuple) else (engine.name, engine.version)
        h = hashlib.blake2b(digest_size=20)
        h.update(str(image.shape).encode())
        h.update(np.ascontiguousarray(image).tobytes())
        return f"{name}:{ver}:upright:{h.hexdigest()}"

    def _cutoff(self) -> float:
        return time.time() - self.max_age if self.max_age > 0 else float("-inf")

    def get(self, key: str) -> tuple[list[OcrLine], int] | None:
        with self._lock:
            if self.max_age > 0:  # an expired entry is not served (and is purged at the next open)
                sql, args = "SELECT lines FROM ocr WHERE key = ? AND created >= ?", [key, self._cutoff()]
            else:
                sql, args = "SELECT lines FROM ocr WHERE key = ?", [key]
            row = self._db.execute(sql, args).fetchone()
        if row is None:
            return None
        data = json.loads(row[0])
        return [OcrLine.model_validate(x) for x in data["lines"]], int(data["rotation"])

    def put(self, key: str, lines: list[OcrLine], rotation: int) -> None:
        payload = json.dumps(
            {"rotation": rotation, "lines": [x.model_dump(mode="json") for x in lines]}, ensure_ascii=False
        )
        try:
            with self._lock:
                self._db.execute(
                    "INSERT OR REPLACE INTO ocr (key, lines, created) VALUES (?, ?, ?)",
                    (key, payload, time.time()),
                )
                self._db.commit()
        except sqlite3.OperationalError as e:  # a busy cache must never fail a case
            log.warning("OCR cache write skipped: %s", e)

    def purge(self, everything: bool = False) -> int:
        """Delete expired entries (all with ``everything``); returns how many. Deleted text is
        overwritten (``secure_delete``) and the write-ahead log truncated."""
        with self._lock:
            if everything:
                cur = self._db.execute("DELETE FROM ocr")
            elif self.max_age > 0:
                cur = self._db.execute(
                    "DELETE FROM ocr WHERE created IS NULL OR created < ?", (self._cutoff(),)
                )
            else:
                return 0
            self._db.commit()
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.OperationalError:
                pass
            return int(cur.rowcount or 0)


_caches: dict[Path, OcrCache] = {}


def _cache(settings: Settings) -> OcrCache | None:
    if not settings.ocr_cache or settings.ocr_engine == "recorded":  # a cache hit would hide a miss
        return None
    path = settings.cache_dir / "ocr.sqlite"
    c = _caches.get(path)
    if c is None:
        try:
            c = OcrCache(path, max_age_days=settings.ocr_cache_days)
            c.purge()  # expired entries do not stay on disk
        except sqlite3.Error as e:
            log.warning("OCR cache unavailable: %s", e)
            return None
        _caches[path] = c
    return c


def _identity(settings: Settings) -> tuple[str, str] | None:
    """(name, version) of the configured engine when known without loading it."""
    if settings.ocr_engine != "rapidocr":
        return None
    try:
        from pipeline.ocr.rapid import engine_version

        return ("rapidocr", engine_version(settings.ocr_rec_min_width))
    except Exception:
        return None


def _downscale(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    h, w = image.shape[:2]
    side = max(h, w)
    if side <= max_side:
        return image, 1.0
    import cv2

    scale = max_side / side
    small = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    return small, scale


def upright(image: np.ndarray, rotation: int) -> np.ndarray:
    """The page turned clockwise by ``rotation`` degrees (a multiple of 90), as
    :func:`recognize_page` read it: its lines' boxes are on this image."""
    k = (rotation // 90) % 4
    # np.rot90 turns counter-clockwise; the page is turned clockwise
    return np.ascontiguousarray(np.rot90(image, k=-k)) if k else image


def _score(lines: list[OcrLine]) -> float:
    """How well a reading went: confident characters, on horizontal lines."""
    total = 0.0
    for ln in lines:
        x0, y0, x1, y1 = ln.box
        if (x1 - x0) >= (y1 - y0):  # horizontal text is the upright reading
            total += ln.confidence * len(ln.text)
    return total


def _vertical_share(lines: list[OcrLine]) -> float:
    if not lines:
        return 0.0
    vertical = sum(1 for ln in lines if (ln.box[3] - ln.box[1]) > 1.5 * (ln.box[2] - ln.box[0]))
    return vertical / len(lines)


def _reads_well(lines: list[OcrLine]) -> bool:
    chars = sum(len(ln.text) for ln in lines)
    if chars < 4:
        return False
    mean_conf = sum(ln.confidence * len(ln.text) for ln in lines) / chars
    return mean_conf >= 0.85 and _vertical_share(lines) < 0.3


def _keyed(image: np.ndarray, settings: Settings, engine: Any | None, prefix: str) -> tuple[Any, str]:
    """The cache and the key of a reading other than a page's (``prefix`` keeps it apart): keyed by
    the engine that reads, or the configured one when none is loaded; no key without a cache or an
    engine identity."""
    cache = _cache(settings)
    ident = (
        _identity(settings)
        if engine is None
        else (getattr(engine, "name", ""), getattr(engine, "version", ""))
    )
    return cache, (f"{prefix}{OcrCache.key(image, ident)}" if cache and ident and ident[0] else "")


def read_line(
    image: np.ndarray,
    settings: Settings,
    engine: Any | None = None,
    load: Callable[[], Any] | None = None,
    alphabet: str | None = None,
) -> OcrLine | None:
    """One line of text (recognition only: a seal's ring strip), through the OCR cache like a page.

    ``engine`` is the engine that read the pages, if any; ``load`` gives one on a cache miss (so a
    cached read needs no engine loaded). Line entries have their own keys: the same pixels read as
    a page are another entry. With ``alphabet``, the reading is restricted to its characters
    (:meth:`OcrEngine.read_line_within`), keyed apart again."""
    cache, key = _keyed(image, settings, engine, line_prefix(alphabet))
    if cache and key:
        hit = cache.get(key)
        if hit is not None:
            timing.count("ocr_line_cache_hits")
            return hit[0][0] if hit[0] else None
    if engine is None:
        engine = load() if load is not None else get_engine(settings)
    line: OcrLine | None = (
        engine.read_line(image) if alphabet is None else engine.read_line_within(image, alphabet)
    )
    if cache and key:
        cache.put(key, [line] if line is not None else [], 0)
    return line


#: a region read again is enlarged to the longest side OCR is given, but by this much at most
REGION_MAX_ENLARGE = 3.0
REGION_PREFIX = "region:"


def recognize_region(image: np.ndarray, settings: Settings, engine: Any | None = None) -> list[OcrLine]:
    """A region of an upright page read again, detection and recognition, enlarged to the longest
    side OCR is given (``ocr_max_side``; by ``REGION_MAX_ENLARGE`` at most; a larger region is
    brought down to it, as a page is): small print that the
    page's own reading did not box, or joined with a line beside it (a red number under a title, real
    set r16), is boxed at the larger scale. No turning: the page is upright already. Lines come back
    in the region's own coordinates; cached apart from page readings (``region:`` keys)."""
    h, w = image.shape[:2]
    scale = min(REGION_MAX_ENLARGE, settings.ocr_max_side / max(h, w, 1))
    if scale > 1.0:
        import cv2

        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_CUBIC)
    else:  # a band of a huge page: brought down to what OCR is given, as a page is
        image, scale = _downscale(image, settings.ocr_max_side)
    image = np.ascontiguousarray(image)
    cache, key = _keyed(image, settings, engine, REGION_PREFIX)
    hit = cache.get(key) if cache and key else None
    if hit is not None:
        timing.count("ocr_region_cache_hits")
        lines = hit[0]
    else:
        lines = (engine or get_engine(settings)).recognize(image)
        if cache and key:
            cache.put(key, lines, 0)
    return _scaled(lines, 1.0 / scale)


def _scaled(lines: list[OcrLine], factor: float) -> list[OcrLine]:
    """Lines read on a resized image, in the original image's coordinates."""
    if factor == 1.0:
        return list(lines)
    return [
        OcrLine(
            text=ln.text, polygon=[(x * factor, y * factor) for x, y in ln.polygon], confidence=ln.confidence
        )
        for ln in lines
    ]


def recognize_page(
    image: np.ndarray, settings: Settings, engine: OcrEngine | None = None
) -> tuple[list[OcrLine], int]:
    """OCR one page, upright. Returns lines in the coordinates of the *upright* page and the
    clockwise rotation (0/90/180/270) applied to make it upright."""
    cache = _cache(settings)
    ident = _identity(settings) if engine is None else (engine.name, engine.version)
    if cache and ident is not None:  # a cached page needs no engine (loading it takes seconds)
        hit = cache.get(OcrCache.key(image, ident))
        if hit is not None:
            timing.count("ocr_cache_hits")
            return hit
    engine = engine or get_engine(settings)
    key = OcrCache.key(image, engine) if cache else ""
    if cache and ident is None:
        hit = cache.get(key)
        if hit is not None:
            timing.count("ocr_cache_hits")
            return hit

    small, scale = _downscale(image, settings.ocr_max_side)
    with timing.stage("ocr.recognize"):
        best_lines = engine.recognize(small)
    best_rot = 0
    best_score = _score(best_lines)
    if not _reads_well(best_lines):
        # Turn the page only when the upright reading is poor: no text or tall boxes mean a page
        # turned by a quarter, flat boxes with poor text mean one upside down.
        if not best_lines:
            candidates: tuple[int, ...] = (90, 270, 180)
        elif _vertical_share(best_lines) > 0.5:
            candidates = (90, 270)
        else:
            candidates = (180,)
        for rot in candidates:
            timing.count("orientation_retries")
            with timing.stage("ocr.orientation_retries"):
                lines = engine.recognize(upright(small, rot))
            s = _score(lines)
            if s > best_score * 1.05:
                best_lines, best_rot, best_score = lines, rot, s
            if _reads_well(lines):
                break
    best_lines = _scaled(best_lines, 1.0 / scale)
    if cache:
        cache.put(key, best_lines, best_rot)
    return best_lines, best_rot
