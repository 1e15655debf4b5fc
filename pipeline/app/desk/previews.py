"""Page previews for the desk: the upright page (the stored file turned by the report's rotation),
downscaled, JPEG, cached under ``INTAKE_HOME/cache/desk-previews`` (owner-only). Originals are read
through the storage backend (a local case folder or ``storage:<key>``) and never written."""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path

from PIL import Image

from pipeline.config import Settings
from pipeline.ocr.base import upright

MAX_SIDE = 1400
_LOCK = threading.Lock()


class PreviewError(Exception):
    """The original cannot be read or rendered (shown as a note on the case page)."""


def read_original(settings: Settings, location: str, name: str) -> bytes:
    """The bytes of ``name`` in the case at ``location`` (a folder, or ``storage:<key>``)."""
    if "/" in name or "\\" in name or name in ("", ".", ".."):
        raise PreviewError("not a file of the case")
    if location.startswith("storage:"):
        from flows.storage import get_storage

        try:
            return get_storage(settings)._read_bytes(location[len("storage:") :], name)
        except Exception as e:
            raise PreviewError(f"cannot read {name} from storage ({type(e).__name__})") from None
    path = Path(location) / name
    try:
        return path.read_bytes()
    except OSError as e:
        raise PreviewError(f"cannot read {name} ({e.strerror})") from None


def _cache_dir(settings: Settings) -> Path:
    d = settings.cache_dir / "desk-previews"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


def cache_key(location: str, name: str, sha256: str | None, page: int, rotation: int) -> str:
    ident = sha256 or hashlib.sha256(f"{location}\0{name}".encode()).hexdigest()
    return f"{ident[:40]}-p{page}-r{rotation % 360}-{MAX_SIDE}"


def preview_path(
    settings: Settings, location: str, name: str, sha256: str | None, page: int, rotation: int
) -> Path:
    """The cached preview of one page (made on first use from the original)."""
    d = _cache_dir(settings)
    out = d / (cache_key(location, name, sha256, page, rotation) + ".jpg")
    if out.is_file():
        return out
    with _LOCK:
        if out.is_file():
            return out
        from pipeline.ingest import ingest

        data = read_original(settings, location, name)
        with tempfile.TemporaryDirectory(prefix="desk-") as tmp:
            src = Path(tmp) / name
            src.write_bytes(data)
            ing = ingest(src, settings)
        if ing.error or not ing.pages:
            raise PreviewError(f"{name} cannot be rendered: {ing.error or 'no pages'}")
        if not 0 <= page < len(ing.pages) or ing.pages[page].image is None:
            raise PreviewError(f"{name} has no page {page + 1}")
        arr = upright(ing.pages[page].image, rotation)  # type: ignore[arg-type]
        im = Image.fromarray(arr)
        im.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        fd, tmpname = tempfile.mkstemp(dir=d, suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            im.save(fh, format="JPEG", quality=85)
        os.replace(tmpname, out)
        return out
