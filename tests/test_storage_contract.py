"""Case storage: the same contract on the local folder and on S3 (moto's S3 server on 127.0.0.1)."""

from __future__ import annotations

import errno
import http.server
import io
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.storage import (
    REPORT_NAME,
    STATE_NAME,
    CaseNotFoundError,
    CaseStorage,
    ChecksumMismatchError,
    InvalidKeyError,
    LocalStorage,
    S3Storage,
    StorageError,
    TransientStorageError,
    check_key,
    fingerprint_dir,
    sha256_bytes,
)

KEY = "incoming/2026-11-25/XJ-1"


def make_case(d: Path, case_id: str = "XJ-1", extra: dict | None = None) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "a.jpg").write_bytes(b"\xff\xd8 fake jpeg " * 50)
    (d / "sub").mkdir(exist_ok=True)
    (d / "sub" / "b.pdf").write_bytes(b"%PDF-1.4 fake")
    case = {"case_id": case_id, "materials": [{"file": "a.jpg"}, {"file": "sub/b.pdf"}], **(extra or {})}
    (d / "case.json").write_text(json.dumps(case), encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"{host}:{port}"
    server.stop()


_bucket_no = iter(range(1000))


def s3_storage(endpoint: str) -> S3Storage:
    st = S3Storage(
        endpoint=endpoint,
        access_key="testing",
        secret_key="testing",
        bucket=f"intake-{next(_bucket_no)}",
        region="us-east-1",
        retries=0,
    )
    st.ensure_bucket()
    return st


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> CaseStorage:
    if request.param == "local":
        return LocalStorage(tmp_path / "root")
    return s3_storage(request.getfixturevalue("moto_endpoint"))


def test_layout_listing_and_fetch(storage: CaseStorage, tmp_path: Path) -> None:
    src = make_case(tmp_path / "src")
    storage.put_case(KEY, src)
    storage.put_case("incoming/2026-11-26/XJ-2", make_case(tmp_path / "src2", "XJ-2"))
    assert storage.list_cases("incoming/") == [KEY, "incoming/2026-11-26/XJ-2"]
    assert storage.list_cases("incoming/2026-11-25") == [KEY]
    assert storage.list_cases("incoming/2026-11-2") == [KEY, "incoming/2026-11-26/XJ-2"]
    assert storage.list_cases("elsewhere/") == []
    got = storage.fetch_case(KEY, tmp_path / "got")
    assert sorted(p.relative_to(got).as_posix() for p in got.rglob("*") if p.is_file()) == [
        "a.jpg",
        "case.json",
        "sub/b.pdf",
    ]
    assert (got / "sub" / "b.pdf").read_bytes() == (src / "sub" / "b.pdf").read_bytes()
    assert storage.input_fingerprint(KEY) == fingerprint_dir(got) == fingerprint_dir(src)


def test_report_and_state_beside_originals(storage: CaseStorage, tmp_path: Path) -> None:
    storage.put_case(KEY, make_case(tmp_path / "src"))
    fp = storage.input_fingerprint(KEY)
    assert storage.read_report(KEY) is None and storage.read_state(KEY) is None
    report = {
        "case_id": "XJ-1",
        "decision": "return",
        "flags": [{"code": "seal.missing", "message": "未盖章"}],
    }
    digest = storage.write_report(KEY, report)
    storage.write_state(KEY, {"status": "done", "fingerprint": fp})
    assert storage.read_report(KEY) == report
    assert digest == sha256_bytes(json.dumps(report, ensure_ascii=False, indent=2).encode())
    assert storage.read_state(KEY) == {"status": "done", "fingerprint": fp}
    # outputs are not inputs: the fingerprint and the fetched folder do not change
    assert storage.input_fingerprint(KEY) == fp
    got = storage.fetch_case(KEY, tmp_path / "got")
    assert not (got / REPORT_NAME).exists() and not (got / STATE_NAME).exists()


def test_fingerprint_follows_every_input(storage: CaseStorage, tmp_path: Path) -> None:
    src = make_case(tmp_path / "src")
    storage.put_case(KEY, src)
    fp0 = storage.input_fingerprint(KEY)
    (src / "a.jpg").write_bytes(b"another photo")
    storage.put_case(KEY, src)  # the portal replaces a material
    fp1 = storage.input_fingerprint(KEY)
    (src / "unlisted.png").write_bytes(b"png")
    storage.put_case(KEY, src)  # an extra upload is an input too
    fp2 = storage.input_fingerprint(KEY)
    assert len({fp0, fp1, fp2}) == 3


def test_missing_case_and_bad_keys(storage: CaseStorage, tmp_path: Path) -> None:
    with pytest.raises(CaseNotFoundError):
        storage.fetch_case("incoming/2026-11-25/NOPE", tmp_path / "x")
    with pytest.raises(CaseNotFoundError):
        storage.input_fingerprint("incoming/2026-11-25/NOPE")
    for bad in ["", "/abs/key", "a/../b", "a//b", "a/./b", "a\\b", "a/.intake/b"]:
        with pytest.raises(InvalidKeyError):
            check_key(bad)
    with pytest.raises(InvalidKeyError):
        storage.write_report("../escape", {})


def test_declared_sha256_in_case_json_is_verified(storage: CaseStorage, tmp_path: Path) -> None:
    src = tmp_path / "src"
    make_case(src)
    good = sha256_bytes((src / "a.jpg").read_bytes())
    make_case(src, extra={"materials": [{"file": "a.jpg", "sha256": good}]})
    storage.put_case(KEY, src)
    storage.fetch_case(KEY, tmp_path / "ok")
    make_case(src, extra={"materials": [{"file": "a.jpg", "sha256": "0" * 64}]})
    storage.put_case(KEY, src)
    with pytest.raises(ChecksumMismatchError):
        storage.fetch_case(KEY, tmp_path / "bad")


def test_reserved_material_name_is_refused(storage: CaseStorage, tmp_path: Path) -> None:
    src = make_case(tmp_path / "src", extra={"materials": [{"file": REPORT_NAME}]})
    storage.put_case(KEY, src)
    with pytest.raises(StorageError, match="reserved"):
        storage.fetch_case(KEY, tmp_path / "got")


# --------------------------------------------------------------------------- tampering


def test_local_tampered_original_and_report_are_caught(tmp_path: Path) -> None:
    st = LocalStorage(tmp_path / "root")
    st.put_case(KEY, make_case(tmp_path / "src"))
    st.write_report(KEY, {"decision": "pass"})
    (tmp_path / "root" / KEY / "a.jpg").write_bytes(b"swapped behind our back")
    with pytest.raises(ChecksumMismatchError, match=r"a\.jpg"):
        st.fetch_case(KEY, tmp_path / "got")
    (tmp_path / "root" / KEY / REPORT_NAME).write_text('{"decision": "return"}')
    with pytest.raises(ChecksumMismatchError):
        st.read_report(KEY)


def test_local_folder_dropped_by_the_portal_needs_no_sidecars(tmp_path: Path) -> None:
    root = tmp_path / "root"
    make_case(root / KEY)  # written straight into the folder, no checksums recorded
    st = LocalStorage(root)
    assert st.list_cases() == [KEY]
    got = st.fetch_case(KEY, tmp_path / "got")
    assert st.input_fingerprint(KEY) == fingerprint_dir(got)


def test_local_errno_mapping(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    st = LocalStorage(tmp_path / "root")
    st.put_case(KEY, make_case(tmp_path / "src"))

    def boom(code: int) -> None:
        def fail(*a: object, **k: object) -> None:
            raise OSError(code, "injected")

        monkeypatch.setattr("flows.storage.sha256_file", fail)

    boom(errno.EIO)
    with pytest.raises(TransientStorageError):
        st.input_fingerprint(KEY)
    boom(errno.EACCES)
    with pytest.raises(StorageError) as ei:
        st.input_fingerprint(KEY)
    assert not isinstance(ei.value, TransientStorageError)


def test_s3_metadata_checksum_verified_on_read(moto_endpoint: str, tmp_path: Path) -> None:
    st = s3_storage(moto_endpoint)
    st.put_case(KEY, make_case(tmp_path / "src"))
    data = b"not what the checksum says"
    st.client.put_object(
        bucket_name=st.bucket,
        object_name=f"{KEY}/a.jpg",
        data=io.BytesIO(data),
        length=len(data),
        metadata={"sha256": "1" * 64},
    )
    with pytest.raises(ChecksumMismatchError, match=r"a\.jpg"):
        st.fetch_case(KEY, tmp_path / "got")
    st.client.put_object(
        bucket_name=st.bucket, object_name=f"{KEY}/{REPORT_NAME}", data=io.BytesIO(b"{}"), length=2
    )  # written by someone else without metadata: readable, and the fingerprint hashes the bytes
    assert st.read_report(KEY) == {}


def test_s3_object_without_metadata_is_hashed_for_the_fingerprint(moto_endpoint: str, tmp_path: Path) -> None:
    st = s3_storage(moto_endpoint)
    src = make_case(tmp_path / "src")
    for p in sorted(src.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            st.client.put_object(
                bucket_name=st.bucket,
                object_name=f"{KEY}/{p.relative_to(src).as_posix()}",
                data=io.BytesIO(data),
                length=len(data),
            )
    assert st.input_fingerprint(KEY) == fingerprint_dir(src)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_s3_unreachable_is_transient() -> None:
    st = S3Storage(
        endpoint=f"127.0.0.1:{_free_port()}",
        access_key="x",
        secret_key="y",
        bucket="intake",
        region="us-east-1",
        timeout=2,
        retries=0,
    )
    with pytest.raises(TransientStorageError):
        st.list_cases("incoming/")


def test_s3_server_error_is_transient() -> None:
    class Unavailable(http.server.BaseHTTPRequestHandler):
        def _503(self) -> None:
            body = (
                b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
                b"<Message>Please reduce your request rate.</Message></Error>"
            )
            self.send_response(503)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_HEAD = do_PUT = _503

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Unavailable)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        st = S3Storage(
            endpoint=f"127.0.0.1:{srv.server_address[1]}",
            access_key="x",
            secret_key="y",
            bucket="intake",
            region="us-east-1",
            timeout=2,
            retries=0,
        )
        with pytest.raises(TransientStorageError):
            st.read_state(KEY)
        with pytest.raises(TransientStorageError):
            st.write_report(KEY, {"decision": "pass"})
    finally:
        srv.shutdown()
