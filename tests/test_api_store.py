"""The case store: migrations on open, owner-only files, clients, idempotency, claims, deliveries.

Runs on the embedded SQLite and on PostgreSQL (a private schema per test, dropped afterwards).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from pipeline.config import Settings
from pipeline.stores.cases import CaseStore, IdempotencyConflict, cases_url, hash_key, open_cases

PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test"


def _pg_skip() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_DSN, connect_timeout=2):
            return None
    except Exception as e:
        return f"PostgreSQL at 127.0.0.1:5432/test unreachable: {type(e).__name__}"


_PG_SKIP = _pg_skip()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CaseStore]:
    if request.param == "sqlite":
        st = CaseStore(f"sqlite:///{tmp_path / 'h' / 'cases.sqlite'}")
        yield st
        st.close()
        return
    if _PG_SKIP:
        pytest.skip(_PG_SKIP)
    import psycopg

    schema = f"api_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        st = CaseStore(f"postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}")
        yield st
        st.close()
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from pipeline.stores.cases import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return str(ScriptDirectory.from_config(cfg).get_current_head())


def test_migrations_create_the_tables_and_reopening_is_a_no_op(store: CaseStore) -> None:
    names = set(inspect(store.engine).get_table_names())
    assert {"api_clients", "submissions", "callback_deliveries", "alembic_version"} <= names
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == _head()
    again = CaseStore(store.url)  # a second process opening the same store: migrations are a no-op
    assert again.list_clients() == []
    again.close()


def test_sqlite_file_and_folder_are_owner_only(tmp_path: Path) -> None:
    home = tmp_path / "home"
    st = open_cases(Settings(home=home))
    st.add_client("portal")
    assert (home.stat().st_mode & 0o777) == 0o700
    for p in home.iterdir():
        assert (p.stat().st_mode & 0o077) == 0, p
    assert cases_url(Settings(home=home, cases_url="sqlite:///x.db")) == "sqlite:///x.db"


def test_client_keys_are_stored_hashed_and_revocation_refuses_them(store: CaseStore) -> None:
    client, key, secret = store.add_client("portal", ["submit", "read"], callback_url="http://127.0.0.1:1/cb")
    assert key.startswith("ik_") and len(key) > 40 and secret.startswith("whsec_")
    with store.engine.connect() as conn:
        stored = conn.execute(text("SELECT key_hash FROM api_clients")).scalar()
    assert stored == hash_key(key) and key not in str(stored)
    got = store.authenticate(key)
    assert got is not None and got.id == client.id and got.scopes == {"submit", "read"}
    assert store.authenticate(key + "x") is None
    assert store.authenticate("") is None
    assert store.revoke_client(client.id) is True
    assert store.revoke_client(client.id) is False
    assert store.authenticate(key) is None
    assert "whsec_" not in repr(client)
    with pytest.raises(ValueError, match="unknown scope"):
        store.add_client("x", ["everything"])


def _create(store: CaseStore, client_id: str, body: str, key: str | None = None, sid: str | None = None):
    return store.create_submission(
        submission_id=sid or f"sub_{uuid.uuid4().hex}",
        client_id=client_id,
        body_hash=body,
        location="/nowhere",
        case_id="C-1",
        idempotency_key=key,
    )


def test_idempotency_same_body_same_submission_other_body_conflict(store: CaseStore) -> None:
    a, _, _ = store.add_client("a")
    b, _, _ = store.add_client("b")
    first, created = _create(store, a.id, "h1", "key-1")
    assert created
    again, created = _create(store, a.id, "h1", "key-1")
    assert not created and again.id == first.id
    with pytest.raises(IdempotencyConflict):
        _create(store, a.id, "h2", "key-1")
    other, created = _create(store, b.id, "h2", "key-1")  # keys are per client
    assert created and other.id != first.id
    n1, _ = _create(store, a.id, "h1")
    n2, _ = _create(store, a.id, "h1")  # no key: two submissions
    assert n1.id != n2.id


def test_a_submission_is_claimed_once_and_finished_only_by_its_holder(store: CaseStore) -> None:
    c, _, _ = store.add_client("a")
    ids = [_create(store, c.id, f"h{i}")[0].id for i in range(12)]
    got: list[str] = []
    lock = threading.Lock()

    def runner(name: str) -> None:
        while (s := store.claim_next(name, 30)) is not None:
            with lock:
                got.append(s.id)
            assert store.finish(s.id, name, report={"decision": "pass", "case_id": "C-1"})

    threads = [threading.Thread(target=runner, args=(f"r{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == sorted(ids)  # every one claimed exactly once
    for sid in ids:
        s = store.get_submission(sid)
        assert s is not None and s.status == "done" and s.reports_written == 1 and s.attempts == 1
    assert store.count_pending() == 0 and store.count_by_status() == {"done": 12}


def test_an_expired_lease_is_resumed_and_the_old_holder_cannot_finish(store: CaseStore) -> None:
    c, _, _ = store.add_client("a")
    sub, _ = _create(store, c.id, "h")
    assert store.claim_next("dead", 0.05) is not None
    time.sleep(0.1)
    assert store.requeue_expired(max_attempts=3) == 1
    again = store.claim_next("alive", 30)
    assert again is not None and again.id == sub.id and again.attempts == 2
    assert store.finish(sub.id, "dead", report={"decision": "pass"}) is False
    assert store.finish(sub.id, "alive", report={"decision": "pass"}, callback_url="http://127.0.0.1:9/")
    assert store.finish(sub.id, "alive", report={"decision": "pass"}) is False
    done = store.get_submission(sub.id)
    assert done is not None and done.reports_written == 1 and done.decision == "pass"
    assert [d.status for d in store.deliveries(sub.id)] == ["pending"]


def test_a_submission_that_keeps_killing_its_server_is_failed(store: CaseStore) -> None:
    c, _, _ = store.add_client("a")
    sub, _ = _create(store, c.id, "h")
    for _ in range(2):
        assert store.claim_next("dead", 0.01) is not None
        time.sleep(0.05)
        store.requeue_expired(max_attempts=2)
    s = store.get_submission(sub.id)
    assert s is not None and s.status == "failed" and "2 times" in (s.error or "")


def test_delivery_attempts_retry_then_fail(store: CaseStore) -> None:
    from datetime import timedelta

    from pipeline.stores.cases import utcnow

    c, _, _ = store.add_client("a")
    sub, _ = _create(store, c.id, "h")
    store.claim_next("r", 30)
    store.finish(sub.id, "r", report={"decision": "pass"}, callback_url="http://127.0.0.1:9/")
    (d,) = store.due_deliveries()
    store.record_attempt(
        d.id, ok=False, status_code=500, error="HTTP 500", next_attempt_at=utcnow() + timedelta(hours=1)
    )
    assert store.due_deliveries() == []
    (d,) = store.deliveries(sub.id)
    assert d.status == "pending" and d.attempts == 1 and d.last_status_code == 500
    store.record_attempt(d.id, ok=False, status_code=None, error="refused", next_attempt_at=None)
    (d,) = store.deliveries(sub.id)
    assert d.status == "failed" and d.attempts == 2


def test_reports_from_the_batch_are_recorded_without_a_client(store: CaseStore) -> None:
    sub = store.record_report(
        {"case_id": "B-1", "decision": "review", "flags": [], "materials": []},
        location="incoming/2026-11-30/B-1",
        source="batch",
        batch="nightly-2026-11-30",
    )
    got = store.get_submission(sub.id)
    assert got is not None and got.status == "done" and got.client_id is None
    assert got.decision == "review" and got.batch == "nightly-2026-11-30" and got.report is not None
    assert store.claim_next("r", 30) is None  # never run again
