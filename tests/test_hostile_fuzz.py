"""Issue 16: bounded fuzzing (hypothesis) of case loading and of ingestion inside a case folder.

* ``load_case`` on arbitrary bytes and JSON shapes only ever returns a Case or raises CaseError.
* ``process_material`` on arbitrary entries (bytes, PDF-ish bytes with streams, symlinks, FIFOs,
  folders, odd names) never raises, never reads through a link, never changes a file.
* ``printable`` never lets a control character through.
"""

from __future__ import annotations

import json
import os
import shutil
import zlib
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.app.wiring import build_registry
from pipeline.config import Settings
from pipeline.models import Case, CaseError, MaterialRef, load_case
from pipeline.runner import process_material
from pipeline.safety import _CONTROL, json_depth, printable

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)
case_like = st.fixed_dictionaries(
    {
        "case_id": st.text(max_size=10) | st.integers(),
        "service": st.sampled_from(["query.person", "reimburse.inpatient", "no.such", ""]),
        "submitted_on": st.sampled_from(["2025-08-06", "2024-02-30", "x", ""]),
        "applicant": json_values,
        "materials": st.lists(
            st.fixed_dictionaries(
                {"file": st.text(max_size=12), "declared_type": st.none() | st.text(max_size=12)}
            ),
            max_size=3,
        )
        | json_values,
    }
)


@FUZZ
@given(
    raw=st.one_of(
        st.binary(max_size=512),
        json_values.map(lambda v: json.dumps(v).encode()),
        case_like.map(lambda v: json.dumps(v, ensure_ascii=False).encode()),
        st.integers(min_value=1, max_value=5000).map(lambda n: b'{"a":' + b"[" * n + b"]" * n + b"}"),
    )
)
def test_load_case_only_case_or_case_error(tmp_path_factory: object, raw: bytes) -> None:
    d = Path(os.environ.get("TMPDIR", "/tmp")) / f"fuzz-case-{os.getpid()}"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir()
    try:
        (d / "case.json").write_bytes(raw)
        try:
            assert isinstance(load_case(d), Case)
        except CaseError as e:
            assert "\n" not in str(e)  # one line
    finally:
        shutil.rmtree(d, ignore_errors=True)


CASE = Case.model_validate(
    {
        "case_id": "F",
        "service": "query.person",
        "submitted_on": date(2025, 3, 1).isoformat(),
        "applicant": {"name": "张三", "id_number": "420802198503121234"},
    }
)

pdfish = st.tuples(st.binary(max_size=200), st.integers(0, 20), st.binary(max_size=200)).map(
    lambda t: (
        b"%PDF-1.4\n1 0 obj\n<< /Length 9 /Filter /FlateDecode >>\nstream\n"
        + zlib.compress(t[0] * t[1])
        + b"\nendstream\nendobj\n"
        + t[2]
    )
)
entry_kinds = st.sampled_from(["file", "pdf", "link_out", "link_in", "fifo", "dir", "dangling"])
names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\0"), min_size=1, max_size=20
).filter(lambda n: n not in (".", "..", "case.json"))


@FUZZ
@given(kind=entry_kinds, name=names, data=st.binary(max_size=600), pdf=pdfish)
def test_process_material_never_raises(kind: str, name: str, data: bytes, pdf: bytes) -> None:
    root = Path(os.environ.get("TMPDIR", "/tmp")) / f"fuzz-mat-{os.getpid()}"
    shutil.rmtree(root, ignore_errors=True)
    case = root / "case"
    case.mkdir(parents=True)
    secret = root / "secret.bin"
    secret.write_bytes(b"outside the case folder")
    try:
        target = case / name
        try:
            if kind == "file":
                target.write_bytes(data)
            elif kind == "pdf":
                target.write_bytes(pdf)
            elif kind == "link_out":
                target.symlink_to(secret)
            elif kind == "link_in":
                (case / "real.bin").write_bytes(data)
                target.symlink_to(case / "real.bin")
            elif kind == "fifo":
                os.mkfifo(target)
            elif kind == "dir":
                target.mkdir()
            else:
                target.symlink_to(root / "nowhere")
        except OSError:
            return  # a name the file system refuses
        before = {p.name: p.lstat().st_mtime_ns for p in case.iterdir()}
        res = process_material(
            CASE,
            MaterialRef(file=name),
            case,
            Settings(home=root / "home", workers=1, ocr_cache=False, pdf_timeout=10.0),
            build_registry(),
        )
        codes = {f.code for f in res.flags}
        if kind.startswith("link") or kind in ("fifo", "dir", "dangling"):
            assert "material.unreadable" in codes and res.sha256 is None and not res.pages
        assert {p.name: p.lstat().st_mtime_ns for p in case.iterdir()} == before
        assert secret.read_bytes() == b"outside the case folder"
    finally:
        shutil.rmtree(root, ignore_errors=True)


@FUZZ
@given(text=st.text(max_size=80))
def test_printable_lets_no_control_through(text: str) -> None:
    out = printable(text)
    assert not _CONTROL.search(out)
    out.encode("utf-8")


@FUZZ
@given(v=json_values)
def test_json_depth_matches_the_parser(v: object) -> None:
    raw = json.dumps(v).encode()

    def depth(x: object) -> int:
        if isinstance(x, list):
            return 1 + max((depth(i) for i in x), default=0)
        if isinstance(x, dict):
            return 1 + max((depth(i) for i in x.values()), default=0)
        return 0

    assert json_depth(raw) == depth(v)
