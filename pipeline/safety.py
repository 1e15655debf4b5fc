"""Defences against hostile input, in one place (issue 16).

* ``page_blank``: a blank, near-blank or uniform page (white paper, a grey "decoded" nothing).
* ``jpeg_incomplete``: a JPEG whose entropy-coded data is far too short for the size its header
  claims (libjpeg pads such files with grey without an error).
* ``read_material`` / ``read_case_file``: a case folder is closed. Symlinks, FIFOs, devices and
  directories inside it are refused; nothing outside the folder is opened (every path component
  is opened with ``O_NOFOLLOW`` relative to the folder's descriptor).
* ``loads_case_json``: duplicate keys and deep nesting rejected before/while parsing.
* ``printable``: control and bidi characters neutralised for human-readable output.
* ``private_dir`` / ``private_file``: stores and caches owner-only whatever the umask.
"""

from __future__ import annotations

import json
import os
import re
import stat
import struct
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.order_stats import hist_percentile

# --------------------------------------------------------------------------- blank pages

#: a page whose grey levels (1st..99th percentile) span less than this is uniform
BLANK_SPREAD = 16
#: ... or whose share of "ink" pixels (far from the page's median grey) is below this
BLANK_INK_SHARE = 0.0005
#: how far from the median grey a pixel must be to count as ink
INK_DELTA = 48


def page_blank(image: np.ndarray | None) -> bool:
    """True when the page carries nothing: uniform, or with almost no ink at all."""
    if image is None or image.size == 0:
        return True
    a = image
    step = max(1, int(max(a.shape[0], a.shape[1]) // 800))
    a = a[::step, ::step]
    if a.dtype == np.uint8 and a.ndim == 3 and a.shape[2] == 3:
        # grey = the float64 mean of the channels = (integer sum) / 3: the same figures from the
        # histogram of the 766 possible sums, without sorting the page
        s = a[:, :, 0].astype(np.uint16) + a[:, :, 1] + a[:, :, 2]
        counts = np.bincount(s.ravel(), minlength=766)
        levels = np.arange(766, dtype=np.float64) / 3
        lo, med, hi = hist_percentile(counts, [1, 50, 99], np.float64, levels)
        if hi - lo < BLANK_SPREAD:
            return True
        ink = float(counts[np.abs(levels - med) > INK_DELTA].sum() / s.size)
        return ink < BLANK_INK_SHARE
    grey = a.mean(axis=2) if a.ndim == 3 else a.astype(np.float32)
    lo, med, hi = np.percentile(grey, [1, 50, 99])
    if hi - lo < BLANK_SPREAD:
        return True
    ink = float(np.mean(np.abs(grey - med) > INK_DELTA))
    return ink < BLANK_INK_SHARE


# --------------------------------------------------------------------------- JPEG completeness

_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def jpeg_header(data: bytes) -> tuple[int, int, list[tuple[int, int]], int] | None:
    """(width, height, per-component sampling (h, v), offset of the first scan's data) or None."""
    i, n = 2, len(data)
    width = height = 0
    comps: list[tuple[int, int]] = []
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        seg = data[i + 4 : i + 2 + length]
        if marker in _SOF and len(seg) >= 6:
            height, width = struct.unpack(">HH", seg[1:5])
            nc = seg[5]
            comps = [
                (seg[6 + 3 * k + 1] >> 4, seg[6 + 3 * k + 1] & 15) for k in range(nc) if 8 + 3 * k < len(seg)
            ]
        if marker == 0xDA:
            return (width, height, comps, i + 2 + length) if width and height and comps else None
        if marker == 0xD9:
            return None
        i += 2 + length
    return None


def jpeg_incomplete(data: bytes) -> str | None:
    """A reason when the JPEG's scan data cannot hold the blocks its header announces.

    Every 8x8 block of every component costs at least one bit in the first scan (DC coefficient;
    baseline also needs an end-of-block code), so a file with fewer bytes after the first scan
    header than ``blocks / 8`` is truncated, whatever libjpeg makes of it.
    """
    head = jpeg_header(data)
    if head is None:
        return None  # Pillow decides (it raises on what it cannot parse)
    width, height, comps, scan_at = head
    hmax = max(h for h, _ in comps) or 1
    vmax = max(v for _, v in comps) or 1
    blocks = 0
    for h, v in comps:
        cw = -(-width * max(h, 1) // hmax)
        ch = -(-height * max(v, 1) // vmax)
        blocks += (-(-cw // 8)) * (-(-ch // 8))
    have = len(data) - scan_at
    if have * 8 < blocks:
        return (
            f"the JPEG is truncated: its header says {width}x{height} pixels ({blocks:,} blocks) "
            f"but only {have:,} bytes of image data follow"
        )
    return None


# --------------------------------------------------------------------------- closed case folders


class Refused(OSError):
    """A path inside a case folder that must not be opened (symlink, FIFO, device, directory)."""


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def entry_problem(case_dir: Path, name: str) -> str | None:
    """Why ``name`` inside ``case_dir`` must not be read (None when it is a plain file).

    Looks with ``lstat`` at every component, never following a link."""
    parts = Path(name).parts
    if not parts or Path(name).is_absolute() or ".." in parts:
        return "outside the case folder"
    cur = case_dir
    for k, part in enumerate(parts):
        cur = cur / part
        try:
            st = os.lstat(cur)
        except FileNotFoundError:
            return None  # absent: reported as not uploaded
        except OSError as e:
            return f"cannot be examined ({e.strerror})"
        last = k == len(parts) - 1
        if stat.S_ISLNK(st.st_mode):
            return "a symbolic link (links are refused: the file must be inside the case folder)"
        if not last and not stat.S_ISDIR(st.st_mode):
            return "not inside a folder"
        if last and not stat.S_ISREG(st.st_mode):
            return f"{_kind(st.st_mode)}, not a regular file"
    return None


def _open_inside(case_dir: Path, name: str) -> int:
    """A read-only descriptor of ``case_dir/name``; no component may be a symlink."""
    parts = Path(name).parts
    if not parts or Path(name).is_absolute() or ".." in parts:
        raise Refused(f"{name}: outside the case folder")
    flags_dir = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(case_dir, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    try:
        for part in parts[:-1]:
            nfd = os.open(part, flags_dir, dir_fd=fd)
            os.close(fd)
            fd = nfd
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            ffd = os.open(parts[-1], flags, dir_fd=fd)
        except OSError as e:
            if e.errno == 40:  # ELOOP: the last component is a symlink
                raise Refused("a symbolic link (links are refused)") from None
            raise
    finally:
        os.close(fd)
    st = os.fstat(ffd)
    if not stat.S_ISREG(st.st_mode):
        os.close(ffd)
        raise Refused(f"{_kind(st.st_mode)}, not a regular file")
    return ffd


def read_inside(case_dir: Path, name: str, max_bytes: int) -> bytes:
    """The bytes of a regular file inside ``case_dir`` (at most ``max_bytes + 1``).

    Raises :class:`Refused` for links, FIFOs, devices and folders, ``OSError`` otherwise."""
    problem = entry_problem(case_dir, name)
    if problem:
        raise Refused(problem)
    fd = _open_inside(case_dir, name)
    try:
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        total = 0
        while total <= max_bytes:
            b = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not b:
                break
            chunks.append(b)
            total += len(b)
        return b"".join(chunks)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- case.json

#: a case.json larger than this is refused (a real one is a few KB)
MAX_CASE_JSON_BYTES = 16 * 1024 * 1024
#: deeper JSON than this is refused before parsing (a case.json is 3-4 levels deep)
MAX_JSON_DEPTH = 32
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def json_depth(raw: bytes) -> int:
    """Maximum nesting of ``[``/``{`` outside strings (a scan, no parsing)."""
    stripped = _STRINGS.sub(b"", raw)
    depth = best = 0
    for m in _BRACKETS.finditer(stripped):
        if m.group() in (b"[", b"{"):
            depth += 1
            if depth > best:
                best = depth
        else:
            depth -= 1
    return best


class DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise DuplicateKey(k)
        out[k] = v
    return out


def loads_case_json(raw: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse case.json bytes: UTF-8 (BOM allowed), no duplicate keys, nesting at most ``max_depth``.

    Raises ``ValueError`` (with a one-line reason) or ``UnicodeDecodeError``/``JSONDecodeError``."""
    text = raw.decode("utf-8-sig")
    depth = json_depth(raw)
    if depth > max_depth:
        raise ValueError(f"nested {depth} levels deep (the limit is {max_depth})")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except DuplicateKey as e:
        raise ValueError(f"the key {printable(str(e))[:60]!r} appears twice in one object") from None
    except RecursionError:
        raise ValueError(f"nested too deep (the limit is {max_depth})") from None


# --------------------------------------------------------------------------- human-readable text

# C0/C1 controls, DEL, and the bidi overrides/isolates that reorder what a terminal shows
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with control characters shown as escapes (``\\x1b``, ``\\u202e``) and undecodable
    bytes of file names (surrogate escapes) as ``\\xff``: safe for a terminal, a table or a log."""
    if not isinstance(text, str):
        text = str(text)
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")

    def esc(m: re.Match[str]) -> str:
        c = ord(m.group())
        return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"

    return _CONTROL.sub(esc, text)


def utf8_name(name: str) -> str:
    """A file name as valid UTF-8 text (undecodable bytes become ``\\xff`` escapes)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


# --------------------------------------------------------------------------- data at rest


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and make it owner-only (0700), whatever the umask."""
    path.mkdir(parents=True, exist_ok=True)
    try:
        if stat.S_IMODE(path.stat().st_mode) != 0o700:
            os.chmod(path, 0o700)
    except OSError:
        pass  # not ours (a shared, pre-made folder): leave it
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` if absent and make it owner-only (0600), whatever the umask. Also tightens
    the SQLite side files that exist (``-wal``, ``-shm``, ``-journal``)."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0), 0o600)
        os.close(fd)
    except OSError:
        return path
    for p in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
        try:
            if p.exists() and stat.S_IMODE(p.stat().st_mode) != 0o600:
                os.chmod(p, 0o600)
        except OSError:
            pass
    return path


# --------------------------------------------------------------------------- applicant-facing output

#: flag fields that name other people's filings: for auditors, never sent back to an applicant
AUDITOR_ONLY_FIELDS = ("other_cases",)


def applicant_view(report: dict[str, Any]) -> dict[str, Any]:
    """A report as the applicant may see it (the portal's response): auditor-only fields removed."""

    def strip(flags: Any) -> Any:
        if not isinstance(flags, list):
            return flags
        return [
            {k: v for k, v in f.items() if k not in AUDITOR_ONLY_FIELDS} if isinstance(f, dict) else f
            for f in flags
        ]

    out = dict(report)
    out["flags"] = strip(report.get("flags"))
    if isinstance(report.get("materials"), list):
        out["materials"] = [
            dict(m, flags=strip(m["flags"])) if isinstance(m, dict) and "flags" in m else m
            for m in report["materials"]
        ]
    return out
