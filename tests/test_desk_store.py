"""The desk's store on SQLite and PostgreSQL: claims, versions, decisions, verdicts, the append-only
log (refused by the database too), sessions, throttling counts, queue filters, metrics."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from pipeline.stores.cases import CaseStore
from pipeline.stores.desk import ClaimedByOther, DeskError, DeskStore, NotAllowed, QueueFilter, StaleEdit
from tests.desk_support import PASSWORD, add_users, fill, stored_reports
from tests.test_api_store import store

__all__ = ["store"]  # the fixture (SQLite and PostgreSQL)


def _users(desk: DeskStore) -> dict[str, object]:
    return {u: desk.check_password(u, PASSWORD) for u in ("alice", "bob", "lena")}


def test_decisions_claims_versions_and_log(store: CaseStore) -> None:
    ids = fill(store)
    desk = add_users(store)
    u = _users(desk)
    alice, bob, lena = u["alice"], u["bob"], u["lena"]
    sid = ids["XJ-2024-000129"]
    desk.claim(sid, alice)  # type: ignore[arg-type]
    with pytest.raises(ClaimedByOther, match="Alice Auditor"):
        desk.claim(sid, bob)  # type: ignore[arg-type]
    with pytest.raises(ClaimedByOther):
        desk.act(sid, bob, "approve", 0)  # type: ignore[arg-type]
    v = desk.set_verdict(sid, alice, 0, "confirmed", 0, "ok")  # type: ignore[arg-type]
    with pytest.raises(StaleEdit):
        desk.act(sid, alice, "approve", 0)  # type: ignore[arg-type]
    with pytest.raises(DeskError, match="message"):
        desk.act(sid, alice, "return", v)  # type: ignore[arg-type]
    v = desk.act(sid, alice, "escalate", v, note="unsure")  # type: ignore[arg-type]
    desk.release(sid, alice)  # type: ignore[arg-type]
    with pytest.raises(NotAllowed):
        desk.act(sid, bob, "approve", v)  # type: ignore[arg-type]
    v = desk.act(sid, lena, "return", v, message="请补正。")  # type: ignore[arg-type]
    r = desk.review(sid)
    assert (r.state, r.version, r.decided_by_name, r.message) == ("returned", 3, "Lena Lead", "请补正。")
    assert [e.action for e in desk.events(sid)] == ["claim", "verdict", "escalate", "release", "return"]
    with pytest.raises(DBAPIError), store.engine.begin() as conn:
        conn.execute(text("UPDATE case_events SET note = 'rewritten'"))
    with pytest.raises(DBAPIError), store.engine.begin() as conn:
        conn.execute(text("DELETE FROM case_events WHERE action = 'return'"))
    assert len(desk.events(sid)) == 5
    m = desk.metrics()
    assert m["open"] == 3 and m["flags"]["identity.id_number_invalid"]["confirmed"] == 1
    assert m["auditors"]["lena"]["return"] == 1 and m["auditors"]["alice"]["escalate"] == 1


def test_queue_filters_and_sessions(store: CaseStore) -> None:
    ids = fill(store)
    desk = add_users(store)
    rows, total = desk.queue(QueueFilter())
    assert total == 4 and rows[0].case_id == "XJ-2024-000129"
    assert desk.queue(QueueFilter(flag="image.blurry"))[1] == 1
    assert desk.queue(QueueFilter(flag="image_blurry"))[1] == 0  # LIKE wildcards are escaped
    assert desk.queue(QueueFilter(flag="image.%"))[1] == 0
    assert desk.queue(QueueFilter(decision="review", source="batch"))[1] == 1
    want = sum(1 for _, rep in stored_reports() if rep["service"] == "remote.temporary")
    assert want >= 2 and desk.queue(QueueFilter(service="remote.temporary"))[1] == want
    assert desk.queue_counts() == {"review": 1, "return": 3, "escalated": 0, "done": 0}
    alice = desk.check_password("alice", PASSWORD)
    assert alice is not None and desk.check_password("alice", "wrong") is None
    token, csrf = desk.create_session(alice)
    got = desk.resume_session(token, timedelta(minutes=5), timedelta(hours=1))
    assert got is not None and got[1] == csrf and got[0].username == "alice"
    assert desk.resume_session(token, timedelta(seconds=-1), timedelta(hours=1)) is None  # idle: ended
    assert desk.resume_session(token, timedelta(minutes=5), timedelta(hours=1)) is None  # stays ended
    for _ in range(3):
        desk.record_login("alice", "10.0.0.1", False)
    assert desk.recent_failures("alice", "10.0.0.1", timedelta(minutes=15)) == (3, 3)
    desk.record_login("alice", "10.0.0.1", True)
    assert desk.recent_failures("alice", "10.0.0.1", timedelta(minutes=15)) == (0, 0)
    assert ids


def test_migration_0002_downgrades_and_upgrades_again(store: CaseStore) -> None:
    from alembic import command
    from alembic.config import Config

    from pipeline.stores.cases import MIGRATIONS

    fill(store)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
        conn.commit()
        assert "case_events" not in set(conn.dialect.get_table_names(conn))
        command.upgrade(cfg, "head")
        conn.commit()
        # the summary columns are filled from the stored reports again
        codes = conn.execute(
            text("SELECT flag_codes FROM submissions WHERE case_id = 'XJ-2024-000122'")
        ).scalar()
    assert str(codes).split() == ["document.fields_missing", "image.blurry"]
    assert DeskStore(store).queue(QueueFilter(flag="image.blurry"))[1] == 1
