"""Output of ``intake batch``: lines that are always valid UTF-8, an output file that is only
replaced when the run completes, and the fingerprints that let ``--resume`` skip reported cases.

* ``--out FILE`` is written to ``FILE.partial`` (owner-only) and moved over ``FILE`` at the end:
  a killed run never truncates an earlier complete output.
* Every line carries ``input_fingerprint``: a hash of the case folder's relative path, the names,
  kinds, sizes and modification times of its entries and the bytes of case.json (nothing is
  followed or read outside the folder). ``--resume`` copies the lines of cases whose fingerprint
  is unchanged from ``FILE`` and ``FILE.partial`` and checks only the others.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import IO, Any

from pipeline.safety import utf8_name

PARTIAL_SUFFIX = ".partial"


def case_fingerprint(root: Path, case_dir: Path) -> str:
    """``sha256:…`` over what a case's check depends on in its folder (see the module docstring)."""
    h = hashlib.sha256()
    try:
        rel = case_dir.relative_to(root).as_posix()
    except ValueError:
        rel = case_dir.as_posix()
    h.update(b"dir\0" + os.fsencode(rel) + b"\0")
    try:
        names = sorted(os.listdir(case_dir))
    except OSError as e:
        h.update(f"unlistable {e.errno}".encode())
        names = []
    for name in names:
        try:
            st = os.lstat(case_dir / name)
        except OSError:
            continue
        kind = stat.S_IFMT(st.st_mode)
        h.update(os.fsencode(name) + f"\0{kind}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    try:
        if stat.S_ISREG(os.lstat(case_dir / "case.json").st_mode):
            with open(case_dir / "case.json", "rb", opener=_nofollow) as f:
                h.update(hashlib.sha256(f.read()).digest())
    except OSError:
        h.update(b"case.json unreadable")
    return "sha256:" + h.hexdigest()


def _nofollow(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK)


def encode_line(obj: dict[str, Any]) -> bytes:
    """One JSON line as UTF-8 bytes; anything unencodable (surrogate-escaped file-name bytes) is
    written as a ``\\xff``-style escape instead of failing."""
    text = json.dumps(obj, ensure_ascii=False)
    try:
        return text.encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        return utf8_name(text).encode("utf-8", "backslashreplace") + b"\n"


def previous_lines(out_file: Path) -> dict[str, bytes]:
    """Fingerprint -> line, from an earlier output and an interrupted run's ``.partial`` file."""
    found: dict[str, bytes] = {}
    for p in (out_file, out_file.with_name(out_file.name + PARTIAL_SUFFIX)):
        try:
            raw = p.read_bytes()
        except OSError:
            continue
        for line in raw.splitlines():
            try:
                obj = json.loads(line)
            except ValueError:
                continue  # a torn last line of a killed run
            fp = obj.get("input_fingerprint") if isinstance(obj, dict) else None
            if isinstance(fp, str) and "error" not in obj:
                found[fp] = line + b"\n"
    return found


class Sink:
    """Where the lines go: stdout, or ``FILE.partial`` renamed to ``FILE`` by :meth:`commit`."""

    def __init__(self, out_file: Path | None, stdout: IO[bytes]) -> None:
        self.out_file = out_file
        self.partial = out_file.with_name(out_file.name + PARTIAL_SUFFIX) if out_file else None
        self._fh: IO[bytes]
        if self.partial is not None:
            fd = os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
            self._fh = os.fdopen(fd, "wb")
        else:
            self._fh = stdout

    def write(self, line: bytes) -> None:
        self._fh.write(line)
        self._fh.flush()

    def commit(self) -> None:
        if self.partial is None or self.out_file is None:
            return
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self.partial, self.out_file)

    def close(self) -> None:
        if self.partial is not None and not self._fh.closed:
            self._fh.close()
