"""One engine factory for every store (enrollment reference, invoice register, case store).

URLs follow SQLAlchemy's form; ``postgresql://`` and ``postgres://`` are served by psycopg 3. Engines are
made once per URL and process. SQLite files get a busy timeout (several worker processes share them)
and, for stores that read-then-write under a lock, ``BEGIN IMMEDIATE`` transactions.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import StaticPool

_ENGINES: dict[tuple[int, str, bool], Engine] = {}
_LOCK = threading.RLock()


def database_url(url: str | URL) -> URL:
    """The URL with the psycopg 3 driver for PostgreSQL. Raises ``sqlalchemy.exc.ArgumentError``."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u


def _sqlite_engine(u: URL, serialized_writes: bool) -> Engine:
    db = u.database or ""
    if db in ("", ":memory:") or db.startswith("file::memory:"):
        return create_engine(u, poolclass=StaticPool, connect_args={"check_same_thread": False})
    Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(u, connect_args={"timeout": 30})
    if serialized_writes:

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.isolation_level = None  # let us issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock before reading

    return engine


def engine_for(url: str | URL, *, serialized_writes: bool = False) -> Engine:
    """The process's engine for ``url`` (made on first use). A forked worker makes its own: pooled
    connections must never be shared across processes."""
    u = database_url(url)
    key = (os.getpid(), u.render_as_string(hide_password=False), serialized_writes)
    with _LOCK:
        eng = _ENGINES.get(key)
        if eng is None:
            backend = u.get_backend_name()
            if backend == "sqlite":
                eng = _sqlite_engine(u, serialized_writes)
            elif backend == "postgresql":
                eng = create_engine(
                    u,
                    pool_size=5,
                    max_overflow=10,
                    pool_recycle=1800,
                    pool_pre_ping=True,
                    connect_args={"connect_timeout": 5},
                )
            else:
                eng = create_engine(u, pool_pre_ping=True)
            _ENGINES[key] = eng
        return eng


def dispose_all() -> None:
    """Dispose every engine (tests, shutdown)."""
    with _LOCK:
        for eng in _ENGINES.values():
            eng.dispose()
        _ENGINES.clear()
