"""Bounds on what one material may cost before and while it is decoded (issue 16).

PDFs get two fences:

1. ``prescan_pdf``: before any PDF library sees the file, every Flate stream is inflated in
   bounded chunks (never more than ``limit + 1`` bytes of output kept) and counted. A content or
   object stream over ``pdf_max_stream_bytes``, all of them together over
   ``pdf_max_inflated_bytes``, an image stream over what ``max_pixels`` allows, or more than
   ``pdf_max_objects`` objects makes the PDF unreadable at once: a flate bomb costs milliseconds.
2. ``run_bounded``: the parse and render run in a forked child with an address-space limit
   (``RLIMIT_AS`` = what the process already maps + ``pdf_max_memory_mb``) and a wall-clock limit
   (``pdf_timeout``). A PDF that still finds a way to loop or balloon (other filters, page-tree
   tricks, a pathological content stream) is killed and reported, never hangs the worker.

Images are bounded from their header (``image_budget``): the decoded size is estimated from width,
height and mode before any pixel is decoded; JPEGs over the page budget are decoded at 1/2, 1/4
or 1/8 scale by libjpeg itself (``draft``), other formats are reduced right after decoding.
"""

from __future__ import annotations

import os
import pickle
import re
import resource
import select
import signal
import time
import zlib
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_STREAM = re.compile(rb"stream\r?\n")
_OBJ = re.compile(rb"\d+\s+\d+\s+obj\b")
_IMAGE = re.compile(rb"/Subtype\s*/Image")


class LimitExceeded(ValueError):
    """The material would cost more time or memory than allowed."""


def _inflated_size(data: bytes, start: int, cap: int) -> int | None:
    """How many bytes the zlib stream at ``start`` inflates to, counting at most ``cap + 1``.

    None when the bytes there are not a zlib stream (DCT images, raw data)."""
    d = zlib.decompressobj()
    total = 0
    pos = start
    end = len(data)
    try:
        while pos < end and total <= cap:
            chunk = data[pos : pos + 65536]
            pos += len(chunk)
            buf = d.decompress(chunk, 1 << 20)
            total += len(buf)
            while d.unconsumed_tail and total <= cap and not d.eof:
                buf = d.decompress(d.unconsumed_tail, 1 << 20)
                if not buf:
                    break
                total += len(buf)
            if d.eof:
                break
    except zlib.error:
        return total if total else None
    return total


def prescan_pdf(
    data: bytes,
    *,
    max_stream: int,
    max_total: int,
    max_image: int,
    max_objects: int,
) -> str | None:
    """A reason to refuse the PDF before parsing it, or None."""
    n_obj = sum(1 for _ in _OBJ.finditer(data))
    if n_obj > max_objects:
        return f"the PDF has {n_obj:,} objects, more than the limit of {max_objects:,}"
    total = 0
    for m in _STREAM.finditer(data):
        head = data[max(0, m.start() - 400) : m.start()]
        is_image = bool(_IMAGE.search(head[head.rfind(b"obj") + 1 :] if b"obj" in head else head))
        cap = max_image if is_image else max_stream
        size = _inflated_size(data, m.end(), cap)
        if size is None:
            continue
        if size > cap:
            what = "an image stream" if is_image else "a content stream"
            return f"the PDF is a decompression bomb: {what} inflates to more than {cap:,} bytes"
        if not is_image:
            total += size
            if total > max_total:
                return f"the PDF's streams inflate to more than {max_total:,} bytes in all"
    return None


def _vm_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def run_bounded(fn: Callable[..., T], args: tuple[Any, ...], *, timeout: float, memory_mb: int) -> T:
    """``fn(*args)`` in a forked child with an address-space limit and a time limit.

    Returns the child's result; re-raises its ``ValueError``/``OSError`` message as ``ValueError``;
    raises :class:`LimitExceeded` when it runs out of time or memory (or dies)."""
    rfd, wfd = os.pipe()
    limit = _vm_bytes() + memory_mb * 1024 * 1024
    pid = os.fork()
    if pid == 0:  # child
        code = 0
        try:
            os.close(rfd)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            except (ValueError, OSError):
                pass
            try:
                payload: Any = ("ok", fn(*args))
            except MemoryError:
                payload = ("limit", "memory")
            except (ValueError, OSError, SyntaxError, EOFError) as e:
                payload = ("error", str(e) or type(e).__name__)
            except Exception as e:
                payload = ("error", f"the file cannot be decoded ({type(e).__name__})")
            try:
                blob = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
            except MemoryError:
                blob = pickle.dumps(("limit", "memory"))
            with os.fdopen(wfd, "wb") as w:
                w.write(blob)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(wfd)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    timed_out = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([rfd], [], [], min(left, 1.0))
            if not ready:
                continue
            b = os.read(rfd, 1 << 20)
            if not b:
                break
            chunks.append(b)
    finally:
        os.close(rfd)
        if timed_out:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _, status = os.waitpid(pid, 0)
    if timed_out:
        raise LimitExceeded(f"reading it took longer than the limit of {timeout:g} s")
    if not chunks:
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        raise LimitExceeded(
            f"reading it needed more than {memory_mb} MB of memory"
            + (f" (the reader was stopped by signal {sig})" if sig else "")
        )
    kind, value = pickle.loads(b"".join(chunks))
    if kind == "ok":
        return value  # type: ignore[no-any-return]
    if kind == "limit":
        raise LimitExceeded(f"reading it needed more than {memory_mb} MB of memory")
    raise ValueError(value)


# --------------------------------------------------------------------------- images

_BYTES_PER_PIXEL = {
    "1": 1,
    "L": 1,
    "P": 1,
    "LA": 2,
    "PA": 2,
    "La": 2,
    "RGB": 3,
    "YCbCr": 3,
    "LAB": 3,
    "HSV": 3,
    "RGBA": 4,
    "RGBa": 4,
    "RGBX": 4,
    "CMYK": 4,
    "I": 4,
    "F": 4,
    "I;16": 2,
    "I;16B": 2,
    "I;16L": 2,
    "I;16N": 2,
}


def decoded_bytes(width: int, height: int, mode: str) -> int:
    """What decoding costs in memory, from the header alone (one frame, before conversion)."""
    return width * height * _BYTES_PER_PIXEL.get(mode, 4)
