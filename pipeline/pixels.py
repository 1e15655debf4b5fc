"""Page pixels on demand: a long material keeps only a few decoded pages in memory (issue 18).

Every page of a material is rendered or decoded once, at ingestion, exactly as before. When the
material has more pages than the cache holds (``Settings.pixel_cache_pages``), each page's pixels are
written to an owner-only temporary folder as ``.npy`` (lossless: the very same bytes come back) and
read again when OCR or a check asks for them (``Page.image``), through a small LRU cache. A material
of 100 pages therefore costs about the memory of a few pages, and OCR and the checks see the same
pixels as when all pages stayed in memory.

The folder (``intake-pages-*`` in the system's temporary directory, ``TMPDIR``) is mode 0700, its
files 0600; it is removed by :meth:`PagePixels.close` (the runner calls it when the material is
done, on every path), and otherwise when the store is garbage-collected or the process exits. A
process killed outright (SIGKILL, the OOM killer) cannot clean up: its folders carry its pid, and the
next runner removes those whose process is gone (:func:`sweep_orphans`).
``TMPDIR`` should be on disk: on a RAM-backed tmpfs the spilled pages would still cost memory.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import threading
import time
import weakref
from collections import OrderedDict
from pathlib import Path

import numpy as np

PREFIX = "intake-pages-"


def make_spill_dir() -> Path:
    """A fresh owner-only (0700) folder for one material's pages, named after this process (so that
    :func:`sweep_orphans` can tell when its owner is gone)."""
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


#: a folder is swept only when untouched this long too: a process of another PID namespace (another
#: container sharing the temporary folder) may look dead from here
ORPHAN_AGE_S = 900.0


def sweep_orphans(min_age_s: float = ORPHAN_AGE_S) -> int:
    """Remove the page folders of processes that no longer exist (a worker killed with SIGKILL or by
    the OOM killer cannot remove its own), untouched for ``min_age_s``; only folders of this user.
    Returns how many."""
    root = Path(tempfile.gettempdir())
    now = time.time()
    removed = 0
    for d in root.glob(PREFIX + "*-*"):
        pid_text = d.name[len(PREFIX) :].split("-", 1)[0]
        if not pid_text.isdigit():
            continue
        try:
            st = d.lstat()
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or now - st.st_mtime < min_age_s:
            continue
        if _alive(int(pid_text)):
            continue
        shutil.rmtree(d, ignore_errors=True)
        removed += not d.exists()
    return removed


def page_file(directory: Path, index: int) -> Path:
    return directory / f"{int(index)}.npy"


def write_page(directory: Path, index: int, image: np.ndarray) -> None:
    """Write one page's pixels (exact, ``.npy``) to an owner-only file that must not exist yet.

    Used by the PDF reader in its bounded child process as well as in the worker."""
    fd = os.open(
        page_file(directory, index),
        os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
        0o600,
    )
    with os.fdopen(fd, "wb") as f:
        np.save(f, np.ascontiguousarray(image), allow_pickle=False)


def _remove(directory: str) -> None:
    shutil.rmtree(directory, ignore_errors=True)


class PagePixels:
    """The spilled pages of one material, read back through an LRU cache of ``keep`` pages.

    Arrays handed out are read-only (as Pillow's are): a check cannot change the pixels another
    check, or a second read, sees."""

    def __init__(self, directory: Path, keep: int = 2) -> None:
        self.directory = directory
        self.keep = max(1, int(keep))
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.loads = 0  # pages read back from disk (for tests and the benchmark)
        self._finalizer = weakref.finalize(self, _remove, str(directory))

    @classmethod
    def create(cls, keep: int = 2) -> PagePixels:
        return cls(make_spill_dir(), keep)

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def put(self, index: int, image: np.ndarray) -> None:
        if self.closed:
            raise ValueError("the page store is closed")
        write_page(self.directory, index, image)

    def get(self, index: int) -> np.ndarray:
        """The pixels of page ``index`` (H x W x 3 RGB uint8, read-only)."""
        with self._lock:
            arr = self._cache.get(index)
            if arr is not None:
                self._cache.move_to_end(index)
                return arr
            if self.closed:
                raise ValueError("the page store is closed: the material's pixels are gone")
            arr = np.load(page_file(self.directory, index), allow_pickle=False)
            arr.flags.writeable = False
            self.loads += 1
            self._cache[index] = arr
            while len(self._cache) > self.keep:
                self._cache.popitem(last=False)
            return arr

    def close(self) -> None:
        """Forget the cached pages and remove the folder (idempotent)."""
        with self._lock:
            self._cache.clear()
        self._finalizer()

    def __getstate__(self) -> None:
        raise TypeError("PagePixels belongs to the process that read the material")
