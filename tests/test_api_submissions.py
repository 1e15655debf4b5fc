"""Portal API v1: submit (multipart or storage reference) -> 202 -> status / report; wait; problems;
idempotency; back-pressure; request ids and the access log; owner-only files."""

from __future__ import annotations

import json
import logging
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from pipeline.models import CaseError, load_case
from pipeline.stores.cases import CaseStore
from tests.api_support import (
    ID_NUMBER,
    GatedRunner,
    api_client,
    bearer,
    case_bytes,
    invoice_pdf,
    settings_for,
)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, CaseStore, dict[str, str]]]:
    home = tmp_path_factory.mktemp("home")
    with api_client(home) as (c, store, _):
        _, key, _ = store.add_client("portal")
        yield c, store, bearer(key)


def _problem(r, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["title"] and body["type"]
    assert body["request_id"] == r.headers["x-request-id"]
    assert "Traceback" not in r.text
    return body


def test_readme_curl_shape_case_as_file_part_then_status_then_report(env, tmp_path: Path) -> None:
    c, _, h = env
    mats = [
        {"file": "invoice.pdf", "declared_type": "medical_invoice"},
        {"file": "absent.jpg", "declared_type": "prescription"},
    ]
    r = c.post(
        "/v1/submissions",
        headers=h,
        files=[
            ("case", ("case.json", case_bytes("API-README", mats), "application/json")),
            ("files", ("invoice.pdf", invoice_pdf(tmp_path / "i.pdf"), "application/pdf")),
            ("files", ("corrupt.jpg", b"\xff\xd8\xff\xe0broken", "image/jpeg")),
        ],
    )
    assert r.status_code == 202, r.text
    sub = r.json()
    assert r.headers["location"] == f"/v1/submissions/{sub['id']}"
    assert sub["status"] in ("queued", "running", "done") and sub["case_id"] == "API-README"
    r = c.get(f"/v1/submissions/{sub['id']}", params={"wait": 30}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "done", r.text
    report = r.json()["report"]
    assert report["decision"] == "return" and r.json()["decision"] == "return"
    codes = {(f["code"], f["material"]) for f in report["flags"]}
    assert ("material.not_uploaded", "absent.jpg") in codes
    assert ("material.unlisted", "corrupt.jpg") in codes
    assert {m["file"]: m for m in report["materials"]}["invoice.pdf"]["detected_type"] == "medical_invoice"
    alone = c.get(f"/v1/submissions/{sub['id']}/report", headers=h)
    assert alone.status_code == 200 and alone.json() == report
    assert set(alone.json()) >= {"case_id", "decision", "flags", "materials"}
    # what intake check --json prints for the same folder, in the applicant's view (no null keys added)
    from pipeline.app.wiring import build_runner

    api = c.app.state.api  # type: ignore[attr-defined]
    with build_runner(api.settings, pool=False) as runner:
        direct = runner.run(api.submissions / sub["id"]).to_json()
    from pipeline.safety import applicant_view

    assert {**report, "seconds": 0} == {**applicant_view(direct), "seconds": 0}


def test_case_as_form_field_and_wait_answers_200_when_done(env) -> None:
    c, _, h = env
    r = c.post(
        "/v1/submissions", params={"wait": 30}, headers=h, files={"case": (None, case_bytes("API-FIELD"))}
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "done" and r.json()["report"]["case_id"] == "API-FIELD"
    r = c.post(
        "/v1/submissions", params={"wait": 30}, headers=h, data={"case": case_bytes("API-URLENC").decode()}
    )
    assert r.status_code == 200 and r.json()["report"]["case_id"] == "API-URLENC"


def test_bad_case_is_422_with_the_same_line_as_load_case(env, tmp_path: Path) -> None:
    c, _, h = env
    bad = '{"case_id": "x", "service": "nope", "submitted_on": "2024-01-01"}'
    (tmp_path / "case.json").write_text(bad)
    with pytest.raises(CaseError) as e:
        load_case(tmp_path)
    body = _problem(c.post("/v1/submissions", headers=h, files={"case": (None, bad)}), 422)
    assert body["detail"] == str(e.value)
    body = _problem(c.post("/v1/submissions", headers=h, files={"case": (None, "{not json")}), 422)
    assert body["detail"].startswith("case.json is not valid JSON")
    # the input is never echoed
    leaky = json.dumps({"case_id": "x", "service": "nope", "applicant": {"name": ID_NUMBER}})
    r = c.post("/v1/submissions", headers=h, files={"case": (None, leaky)})
    assert ID_NUMBER not in _problem(r, 422)["detail"] and ID_NUMBER not in r.text


def test_request_problems_share_one_shape(env) -> None:
    c, _, h = env
    _problem(c.post("/v1/submissions", headers={**h, "content-type": "text/plain"}, content=b"x"), 415)
    _problem(c.post("/v1/submissions", headers=h, files={"files": ("a.jpg", b"x")}), 422)
    body = _problem(
        c.post("/v1/submissions", headers=h, files={"file": ("a.jpg", b"x"), "case": (None, "{}")}), 422
    )
    assert "unknown form field" in body["detail"]
    for name in ("case.json", ".hidden"):
        r = c.post(
            "/v1/submissions", headers=h, files=[("case", (None, case_bytes())), ("files", (name, b"x"))]
        )
        _problem(r, 422)
    r = c.post(
        "/v1/submissions",
        headers=h,
        files=[("case", (None, case_bytes())), ("files", ("a.jpg", b"x")), ("files", ("a.jpg", b"y"))],
    )
    assert "twice" in _problem(r, 422)["detail"]
    body = _problem(c.get(f"/v1/submissions/x?wait={ID_NUMBER}x", headers=h), 422)
    assert body["errors"][0]["loc"] == "query.wait" and ID_NUMBER not in json.dumps(body)
    _problem(c.get("/nowhere", headers=h), 404)
    r = c.delete("/v1/submissions/x", headers=h)
    assert "GET" in r.headers.get("allow", "") and _problem(r, 405)
    body = _problem(c.post("/v1/submissions", headers=h, json={"storage_key": "../etc"}), 422)
    assert body["type"].endswith("invalid-storage-key")
    body = _problem(c.post("/v1/submissions", headers=h, json={"storage_key": "x", "extra": ID_NUMBER}), 422)
    assert ID_NUMBER not in json.dumps(body)
    body = _problem(
        c.post(
            "/v1/submissions",
            headers=h,
            files={"case": (None, case_bytes()), "callback_url": (None, "ftp://x")},
        ),
        422,
    )
    assert "callback_url" in body["detail"]
    api = c.app.state.api  # type: ignore[attr-defined]
    assert list(api.incoming.iterdir()) == []  # staging folders removed on every refusal


def test_a_path_is_reduced_to_its_base_name(env) -> None:
    c, _, h = env
    mats = [{"file": "list.png"}]
    r = c.post(
        "/v1/submissions",
        params={"wait": 30},
        headers=h,
        files=[
            ("case", (None, case_bytes("API-PATH", mats))),
            ("files", ("../../list.png", b"not an image")),
        ],
    )
    assert r.status_code == 200, r.text
    flags = r.json()["report"]["flags"]
    assert any(f["code"] == "material.unreadable" and f["material"] == "list.png" for f in flags)


def test_413_by_content_length_and_by_counting_a_streamed_body(tmp_path: Path) -> None:
    with api_client(tmp_path / "h", api_max_request_bytes=10_000) as (c, store, _):
        _, key, _ = store.add_client("p")
        h = bearer(key)
        big = b"x" * 20_000
        r = c.post(
            "/v1/submissions", headers=h, files=[("case", (None, case_bytes())), ("files", ("a.jpg", big))]
        )
        _problem(r, 413)

        def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer, counted while streaming
            for _ in range(20):
                yield b"y" * 1000

        r = c.post("/v1/submissions", headers={**h, "content-type": "application/json"}, content=chunks())
        assert "content-length" not in {k.lower() for k in r.request.headers}
        _problem(r, 413)
        assert store.count_pending() == 0 and store.count_by_status() == {}


def test_413_for_too_many_files_and_an_oversized_case_part(tmp_path: Path) -> None:
    with api_client(tmp_path / "h", api_max_files=2) as (c, store, _):
        _, key, _ = store.add_client("p")
        h = bearer(key)
        for n in (3, 5):  # over our limit; over the form parser's
            files = [("case", (None, case_bytes()))] + [("files", (f"f{i}.jpg", b"x")) for i in range(n)]
            assert "files" in _problem(c.post("/v1/submissions", headers=h, files=files), 413)["detail"]
        ok = [("case", ("case.json", case_bytes()))] + [("files", (f"f{i}.jpg", b"x")) for i in range(2)]
        assert (
            c.post("/v1/submissions", headers=h, files=ok).status_code == 202
        )  # the case part is not counted
        huge = b'{"case_id": "' + b"x" * (5 * 1024 * 1024) + b'"}'
        _problem(c.post("/v1/submissions", headers=h, files={"case": (None, huge)}), 413)
        _problem(c.post("/v1/submissions", headers=h, files={"case": ("case.json", huge)}), 413)
        r = c.post("/v1/submissions", headers={**h, "content-type": "multipart/form-data"}, content=b"x")
        assert _problem(r, 400)["type"].endswith("bad-multipart")


def test_idempotency_same_body_same_submission_other_body_409(env, tmp_path: Path) -> None:
    c, store, h = env
    files = [("case", (None, case_bytes("API-IDEM"))), ("files", ("x.pdf", invoice_pdf(tmp_path / "x.pdf")))]
    k = {**h, "Idempotency-Key": "order-42"}
    first = c.post("/v1/submissions", headers=k, files=files)
    again = c.post("/v1/submissions", headers=k, files=files)
    assert first.status_code in (200, 202) and again.status_code in (200, 202)
    assert again.json()["id"] == first.json()["id"] and again.headers["idempotent-replayed"] == "true"
    other = [("case", (None, case_bytes("API-IDEM"))), ("files", ("x.pdf", b"%PDF-other"))]
    body = _problem(c.post("/v1/submissions", headers=k, files=other), 409)
    assert body["type"].endswith("idempotency-conflict")
    # the same key from another client is another submission
    _, key2, _ = store.add_client("other")
    r = c.post("/v1/submissions", headers={**bearer(key2), "Idempotency-Key": "order-42"}, files=files)
    assert r.status_code == 202 and r.json()["id"] != first.json()["id"]
    assert sum(1 for _ in [first.json()["id"], r.json()["id"]]) == 2


def test_report_409_while_running_then_back_pressure_429_and_503(tmp_path: Path) -> None:
    home = tmp_path / "h"
    runner = GatedRunner(settings_for(home))
    with api_client(home, runner=runner, api_queue_size=3, api_client_max_pending=2) as (c, store, _):
        _, ka, _ = store.add_client("a")
        _, kb, _ = store.add_client("b")
        ids = []
        for i in range(2):
            r = c.post("/v1/submissions", headers=bearer(ka), files={"case": (None, case_bytes(f"BP-{i}"))})
            assert r.status_code == 202
            ids.append(r.json()["id"])
        assert runner.started.wait(10)
        body = _problem(c.get(f"/v1/submissions/{ids[0]}/report", headers=bearer(ka)), 409)
        assert body["type"].endswith("not-ready")
        r = c.post("/v1/submissions", headers=bearer(ka), files={"case": (None, case_bytes("BP-x"))})
        _problem(r, 429)
        assert int(r.headers["retry-after"]) >= 1
        r = c.post("/v1/submissions", headers=bearer(kb), files={"case": (None, case_bytes("BP-b"))})
        assert r.status_code == 202
        sid_b = r.json()["id"]
        r = c.post("/v1/submissions", headers=bearer(kb), files={"case": (None, case_bytes("BP-c"))})
        _problem(r, 503)
        assert int(r.headers["retry-after"]) >= 1
        runner.gate.set()
        for sid, k in [*((i, ka) for i in ids), (sid_b, kb)]:
            r = c.get(f"/v1/submissions/{sid}", params={"wait": 30}, headers=bearer(k))
            assert r.json()["status"] == "done"
        assert store.count_by_status() == {"done": 3}


def test_a_pipeline_failure_is_a_failed_submission_without_traceback(tmp_path: Path) -> None:
    home = tmp_path / "h"
    runner = GatedRunner(settings_for(home))
    runner.fail = RuntimeError(f"boom {ID_NUMBER}")
    runner.gate.set()
    with api_client(home, runner=runner) as (c, store, _):
        _, key, _ = store.add_client("a")
        r = c.post(
            "/v1/submissions", params={"wait": 30}, headers=bearer(key), files={"case": (None, case_bytes())}
        )
        assert r.status_code == 200 and r.json()["status"] == "failed"
        assert r.json()["error"] == "internal error (RuntimeError)" and ID_NUMBER not in r.text
        body = _problem(c.get(f"/v1/submissions/{r.json()['id']}/report", headers=bearer(key)), 409)
        assert body["type"].endswith("submission-failed")


def test_storage_reference_submission(env, tmp_path: Path) -> None:
    from flows.storage import get_storage

    c, _, h = env
    settings = c.app.state.api.settings  # type: ignore[attr-defined]
    src = tmp_path / "src"
    src.mkdir()
    (src / "case.json").write_bytes(case_bytes("API-STORE", [{"file": "invoice.pdf"}]))
    invoice_pdf(src / "invoice.pdf")
    get_storage(settings).put_case("incoming/2026-11-30/API-STORE", src)
    r = c.post(
        "/v1/submissions",
        params={"wait": 30},
        headers=h,
        json={"storage_key": "incoming/2026-11-30/API-STORE"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["report"]["case_id"] == "API-STORE"
    sub = c.app.state.api.store.get_submission(r.json()["id"])  # type: ignore[attr-defined]
    assert sub.location == "storage:incoming/2026-11-30/API-STORE"
    body = _problem(c.post("/v1/submissions", headers=h, json={"storage_key": "incoming/none"}), 422)
    assert body["type"].endswith("case-not-in-storage")


def test_request_id_echoed_generated_and_logged_without_personal_data(
    env, caplog: pytest.LogCaptureFixture
) -> None:
    c, _, h = env
    caplog.set_level(logging.INFO, logger="intake.access")
    r = c.get("/healthz", headers={"X-Request-ID": "portal-abc.123"})
    assert r.headers["x-request-id"] == "portal-abc.123"
    r = c.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert len(r.headers["x-request-id"]) == 32
    r = c.post(
        "/v1/submissions",
        params={"wait": 30},
        headers={**h, "X-Request-ID": "rid-7"},
        files={"case": (None, case_bytes("API-LOG"))},
    )
    assert r.status_code == 200
    lines = [rec for rec in caplog.records if rec.name == "intake.access"]
    mine = [rec for rec in lines if getattr(rec, "request_id", None) == "rid-7"]
    assert len(mine) == 1 and "POST /v1/submissions 200" in mine[0].getMessage()
    assert "client=cl_" in mine[0].getMessage()
    text = "\n".join(rec.getMessage() for rec in lines)
    assert ID_NUMBER not in text and "张伟明" not in text and "wait=" not in text


def test_submission_files_are_owner_only(env) -> None:
    c, store, h = env
    r = c.post(
        "/v1/submissions",
        params={"wait": 30},
        headers=h,
        files=[("case", (None, case_bytes("API-PERM"))), ("files", ("a.jpg", b"x"))],
    )
    sub = store.get_submission(r.json()["id"])
    assert sub is not None
    folder = Path(sub.location)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
    for p in folder.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) & 0o077 == 0, p
    assert list((folder.parent.parent / "incoming").iterdir()) == []  # staging removed


@pytest.mark.postgres
def test_the_api_on_a_postgresql_case_store(tmp_path: Path) -> None:
    import uuid

    from tests.test_api_store import _PG_SKIP, PG_DSN

    if _PG_SKIP:
        pytest.skip(_PG_SKIP)
    import psycopg

    schema = f"api_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    url = f"postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
    try:
        with api_client(tmp_path / "h", cases_url=url) as (c, store, _):
            assert store.dialect == "postgresql"
            _, key, _ = store.add_client("portal")
            h = {**bearer(key), "Idempotency-Key": "pg-1"}
            r = c.post(
                "/v1/submissions",
                params={"wait": 30},
                headers=h,
                files={"case": (None, case_bytes("API-PG"))},
            )
            assert r.status_code == 200 and r.json()["report"]["case_id"] == "API-PG"
            again = c.post("/v1/submissions", headers=h, files={"case": (None, case_bytes("API-PG"))})
            assert again.json()["id"] == r.json()["id"]
            store.close()
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_storage_reference_on_s3(tmp_path: Path) -> None:
    """A case in an S3 bucket (moto's S3 server on 127.0.0.1), submitted by its key."""
    pytest.importorskip("moto")
    pytest.importorskip("minio")
    from moto.server import ThreadedMotoServer

    from flows.storage import S3Storage

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        kw = {
            "storage": "s3",
            "s3_endpoint": f"{host}:{port}",
            "s3_access_key": "testing",
            "s3_secret_key": "testing",
            "s3_bucket": "intake-api",
            "s3_region": "us-east-1",
        }
        s3 = S3Storage(
            endpoint=f"{host}:{port}",
            access_key="testing",
            secret_key="testing",
            bucket="intake-api",
            region="us-east-1",
        )
        s3.ensure_bucket()
        src = tmp_path / "src"
        src.mkdir()
        (src / "case.json").write_bytes(case_bytes("API-S3", [{"file": "invoice.pdf"}]))
        invoice_pdf(src / "invoice.pdf")
        s3.put_case("incoming/2026-11-30/API-S3", src)
        with api_client(tmp_path / "h", **kw) as (c, store, _):
            _, key, _ = store.add_client("portal")
            r = c.post(
                "/v1/submissions",
                params={"wait": 30},
                headers=bearer(key),
                json={"storage_key": "incoming/2026-11-30/API-S3"},
            )
            assert r.status_code == 200, r.text
            report = r.json()["report"]
            assert report["case_id"] == "API-S3"
            assert {m["file"] for m in report["materials"]} == {"invoice.pdf"}
            copy = tmp_path / "h" / "api" / "submissions" / r.json()["id"]
            for _ in range(40):  # the local copy is removed right after the report is recorded
                if not copy.exists():
                    break
                time.sleep(0.05)
            assert not copy.exists()
            body = c.post(
                "/v1/submissions", headers=bearer(key), json={"storage_key": "incoming/none"}
            ).json()
            assert body["type"].endswith("case-not-in-storage")
    finally:
        server.stop()
