"""The case store: API clients, submissions (with their reports) and callback deliveries.

SQLAlchemy 2; an embedded SQLite file at ``INTAKE_HOME/cases.sqlite`` by default (file 0600, folder
0700), or ``INTAKE_CASES_URL`` (``sqlite:///…``, ``postgresql://…`` via psycopg 3). The schema is
owned by the Alembic migrations in :mod:`pipeline.stores.migrations`, applied when the store is
opened (under a lock, so several processes may open it at once).

A submission moves ``queued -> running -> done | failed``. Every transition is one conditional
UPDATE: a runner *claims* a queued submission (``claimed_by`` = its instance id, a lease it renews);
only the holder of the claim can finish it, so a report is written once even when a lease ran out
and another runner took the submission over. A running submission whose lease expired (its server
was killed) goes back to ``queued`` and is resumed.

API keys are stored as the SHA-256 of a 256-bit random key (a fast hash is enough for keys of that
entropy; nothing to brute-force). Callback secrets must be kept in clear (HMAC needs them): the
database file is owner-only.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    create_engine,
    event,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from pipeline.config import Settings

SCOPES = ("submit", "read", "admin")  # admin: reads every client's submissions (the desk, operators)
STATUSES = ("queued", "running", "done", "failed")
PENDING = ("queued", "running")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def utcnow() -> datetime:
    """Naive UTC (stored as such on both back ends)."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_id(prefix: str) -> str:
    """Time-ordered, unguessable: ``prefix`` + 12 hex digits of milliseconds + 16 random hex digits."""
    return f"{prefix}_{int(time.time() * 1000):012x}{secrets.token_hex(8)}"


def report_summary(report: dict[str, Any]) -> dict[str, Any]:
    """The columns the review desk filters on: decision, service, region, flag codes."""
    codes = sorted({str(f.get("code")) for f in report.get("flags") or [] if isinstance(f, dict)})
    return {
        "decision": report.get("decision"),
        "service": report.get("service"),
        "region": report.get("region"),
        "flag_codes": (" " + " ".join(codes) + " ") if codes else "",
    }


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class Base(DeclarativeBase):
    pass


class ClientRow(Base):
    __tablename__ = "api_clients"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated
    callback_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    callback_secret: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)


class SubmissionRow(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("client_id", "idempotency_key", name="uq_submissions_client_idempotency"),
        Index("ix_submissions_status_created", "status", "created_at"),
        Index("ix_submissions_client_created", "client_id", "created_at"),
        Index("ix_submissions_case_id", "case_id"),
        Index(
            "ix_submissions_desk",
            *(
                "status",
                "decision",
                "created_at",
                "id",
                "source",
                "service",
                "region",
                "case_id",
                "flag_codes",
            ),
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    client_id: Mapped[str | None] = mapped_column(ForeignKey("api_clients.id"), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    source: Mapped[str] = mapped_column(String(16))  # portal | batch | flows
    batch: Mapped[str | None] = mapped_column(String(200), nullable=True)
    location: Mapped[str] = mapped_column(String(2000))  # the case folder or storage location
    callback_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    decision: Mapped[str | None] = mapped_column(String(16), nullable=True)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(40), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    reports_written: Mapped[int] = mapped_column(Integer, default=0)
    # the report's summary, for the review desk's filters (migration 0002)
    service: Mapped[str | None] = mapped_column(String(60), nullable=True)
    region: Mapped[str | None] = mapped_column(String(60), nullable=True)
    flag_codes: Mapped[str | None] = mapped_column(String(4000), nullable=True)  # " code code "


class DeliveryRow(Base):
    __tablename__ = "callback_deliveries"
    __table_args__ = (
        UniqueConstraint("submission_id", "event", name="uq_callback_deliveries_submission_event"),
        Index("ix_callback_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"))
    event: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(16))  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)


# --------------------------------------------------------------------------- plain records


@dataclass(frozen=True)
class Client:
    id: str
    name: str
    key_prefix: str
    scopes: frozenset[str]
    callback_url: str | None
    callback_secret: str | None = field(repr=False)
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, r: ClientRow) -> Client:
        return cls(
            id=r.id,
            name=r.name,
            key_prefix=r.key_prefix,
            scopes=frozenset(r.scopes.split()),
            callback_url=r.callback_url,
            callback_secret=r.callback_secret,
            created_at=r.created_at,
            revoked_at=r.revoked_at,
        )

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "key_prefix": self.key_prefix,
            "scopes": sorted(self.scopes),
            "callback_url": self.callback_url,
            "created_at": _iso(self.created_at),
            "revoked_at": _iso(self.revoked_at),
        }


@dataclass(frozen=True)
class Submission:
    id: str
    client_id: str | None
    idempotency_key: str | None
    body_hash: str
    status: str
    case_id: str | None
    source: str
    batch: str | None
    location: str
    callback_url: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    decision: str | None
    report: dict[str, Any] | None
    error: str | None
    attempts: int
    reports_written: int

    @classmethod
    def of(cls, r: SubmissionRow) -> Submission:
        return cls(
            id=r.id,
            client_id=r.client_id,
            idempotency_key=r.idempotency_key,
            body_hash=r.body_hash,
            status=r.status,
            case_id=r.case_id,
            source=r.source,
            batch=r.batch,
            location=r.location,
            callback_url=r.callback_url,
            created_at=r.created_at,
            started_at=r.started_at,
            finished_at=r.finished_at,
            decision=r.decision,
            report=r.report,
            error=r.error,
            attempts=r.attempts or 0,
            reports_written=r.reports_written or 0,
        )


@dataclass(frozen=True)
class Delivery:
    id: str
    submission_id: str
    event: str
    url: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, r: DeliveryRow) -> Delivery:
        return cls(
            id=r.id,
            submission_id=r.submission_id,
            event=r.event,
            url=r.url,
            status=r.status,
            attempts=r.attempts or 0,
            next_attempt_at=r.next_attempt_at,
            last_status_code=r.last_status_code,
            last_error=r.last_error,
            created_at=r.created_at,
            delivered_at=r.delivered_at,
        )


def _iso(d: datetime | None) -> str | None:
    return None if d is None else d.replace(microsecond=d.microsecond // 1000 * 1000).isoformat() + "Z"


class IdempotencyConflict(Exception):
    """The idempotency key was used before with a different body."""


# --------------------------------------------------------------------------- engine and migrations


def normalize_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def cases_url(settings: Settings) -> str:
    if settings.cases_url:
        return settings.cases_url
    home = settings.home
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    return f"sqlite:///{home / 'cases.sqlite'}"


def _sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite:///"):
        return None
    p = url[len("sqlite:///") :]
    return None if not p or p == ":memory:" else Path(p)


def _make_engine(url: str, writer: bool = True) -> Engine:
    """``writer``: transactions begin with ``BEGIN IMMEDIATE`` (SQLite's write lock, taken before the
    reads of a read-then-write); the reader engine begins deferred, so reads never queue behind it."""
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)  # owner-only before SQLite touches it
            os.close(fd)
            os.chmod(path, 0o600)  # the -wal and -shm files take the database file's mode
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


@contextlib.contextmanager
def _migration_lock(engine: Engine, url: str) -> Iterator[Any]:
    """One process migrates at a time: a file lock beside a SQLite file, an advisory lock on PostgreSQL."""
    path = _sqlite_path(url)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(7346512001)"))
            conn.commit()
            try:
                yield conn
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(7346512001)"))
                conn.commit()
        return
    lock_fd = None
    if path is not None:
        lock_fd = os.open(str(path) + ".lock", os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        if lock_fd is not None:
            fcntl.flock(lock_fd, fcntl.LOCK_UN)
            os.close(lock_fd)


def migrate(engine: Engine, url: str) -> None:
    """Bring the schema to the newest revision (no-op when it is there)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with _migration_lock(engine, url) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        conn.commit()


# --------------------------------------------------------------------------- the store


def _held(submission_id: str, owner: str) -> tuple[Any, ...]:
    """The submission, running under ``owner``'s claim (a claim lost to another server matches nothing)."""
    return (
        SubmissionRow.id == submission_id,
        SubmissionRow.status == "running",
        SubmissionRow.claimed_by == owner,
    )


class CaseStore:
    """See the module docstring. Thread-safe; one instance per process and URL (:func:`open_cases`)."""

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        self.engine = _make_engine(self.url)
        self.dialect = self.engine.dialect.name
        migrate(self.engine, self.url)
        self.read_engine = _make_engine(self.url, writer=False) if self.dialect == "sqlite" else self.engine

    def close(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def _reader(self) -> Session:
        """For reads only: never takes SQLite's write lock."""
        return Session(self.read_engine, expire_on_commit=False)

    # ------------------------------------------------------------------ clients
    def add_client(
        self,
        name: str,
        scopes: list[str] | tuple[str, ...] = ("submit", "read"),
        callback_url: str | None = None,
    ) -> tuple[Client, str, str]:
        """A new client; returns (client, API key, callback secret). The key is shown once, stored hashed."""
        bad = [s for s in scopes if s not in SCOPES]
        if bad:
            raise ValueError(f"unknown scope(s): {', '.join(bad)} (known: {', '.join(SCOPES)})")
        key = "ik_" + secrets.token_urlsafe(32)
        secret = "whsec_" + secrets.token_urlsafe(32)
        row = ClientRow(
            id=new_id("cl"),
            name=name,
            key_hash=hash_key(key),
            key_prefix=key[:10],
            scopes=" ".join(sorted(set(scopes))),
            callback_url=callback_url,
            callback_secret=secret,
            created_at=utcnow(),
        )
        with self._session() as s, s.begin():
            s.add(row)
        return Client.of(row), key, secret

    def authenticate(self, key: str) -> Client | None:
        """The active client holding this key, or None (unknown or revoked)."""
        if not key or len(key) > 200:
            return None
        with self._reader() as s:
            row = s.scalars(select(ClientRow).where(ClientRow.key_hash == hash_key(key))).first()
            if row is None or row.revoked_at is not None:
                return None
            return Client.of(row)

    def get_client(self, client_id: str) -> Client | None:
        with self._reader() as s:
            row = s.get(ClientRow, client_id)
            return Client.of(row) if row else None

    def revoke_client(self, client_id: str) -> bool:
        with self._session() as s, s.begin():
            res = s.execute(
                update(ClientRow)
                .where(ClientRow.id == client_id, ClientRow.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
            return bool(res.rowcount)  # type: ignore[attr-defined]

    def list_clients(self) -> list[Client]:
        with self._reader() as s:
            return [Client.of(r) for r in s.scalars(select(ClientRow).order_by(ClientRow.created_at))]

    # ------------------------------------------------------------------ submissions
    def find_by_idempotency(self, client_id: str | None, key: str) -> Submission | None:
        with self._reader() as s:
            row = s.scalars(
                select(SubmissionRow).where(
                    SubmissionRow.client_id == client_id, SubmissionRow.idempotency_key == key
                )
            ).first()
            return Submission.of(row) if row else None

    def create_submission(
        self,
        *,
        submission_id: str,
        client_id: str | None,
        body_hash: str,
        location: str,
        case_id: str | None,
        idempotency_key: str | None = None,
        source: str = "portal",
        batch: str | None = None,
        callback_url: str | None = None,
    ) -> tuple[Submission, bool]:
        """Record a queued submission; returns (submission, created). With an idempotency key already
        used by this client: the earlier submission (created False) when the body hash is the same,
        else :class:`IdempotencyConflict`."""
        row = SubmissionRow(
            id=submission_id,
            client_id=client_id,
            idempotency_key=idempotency_key,
            body_hash=body_hash,
            status="queued",
            case_id=case_id,
            source=source,
            batch=batch,
            location=location,
            callback_url=callback_url,
            created_at=utcnow(),
            attempts=0,
            reports_written=0,
        )
        try:
            with self._session() as s, s.begin():
                s.add(row)
        except IntegrityError:
            if idempotency_key is None:
                raise
            earlier = self.find_by_idempotency(client_id, idempotency_key)
            if earlier is None:
                raise
            if earlier.body_hash != body_hash:
                raise IdempotencyConflict(idempotency_key) from None
            return earlier, False
        return Submission.of(row), True

    def get_submission(self, submission_id: str) -> Submission | None:
        with self._reader() as s:
            row = s.get(SubmissionRow, submission_id)
            return Submission.of(row) if row else None

    def count_pending(self, client_id: str | None = None) -> int:
        stmt = select(func.count()).select_from(SubmissionRow).where(SubmissionRow.status.in_(PENDING))
        if client_id is not None:
            stmt = stmt.where(SubmissionRow.client_id == client_id)
        with self.read_engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def count_by_status(self) -> dict[str, int]:
        stmt = select(SubmissionRow.status, func.count()).group_by(SubmissionRow.status)
        with self.read_engine.connect() as conn:
            return {str(k): int(v) for k, v in conn.execute(stmt)}

    def claim_next(self, owner: str, lease_seconds: float) -> Submission | None:
        """Take the oldest queued submission: status running, claimed by ``owner``, attempts + 1."""
        for _ in range(20):
            with self.read_engine.connect() as conn:
                cand = conn.execute(
                    select(SubmissionRow.id)
                    .where(SubmissionRow.status == "queued")
                    .order_by(SubmissionRow.created_at, SubmissionRow.id)
                    .limit(1)
                ).scalar()
            if cand is None:
                return None
            now = utcnow()
            with self._session() as s, s.begin():
                res = s.execute(
                    update(SubmissionRow)
                    .where(SubmissionRow.id == cand, SubmissionRow.status == "queued")
                    .values(
                        status="running",
                        claimed_by=owner,
                        lease_until=now + timedelta(seconds=lease_seconds),
                        started_at=now,
                        attempts=SubmissionRow.attempts + 1,
                    )
                )
                if not res.rowcount:  # type: ignore[attr-defined]
                    continue  # another runner took it first
            return self.get_submission(cand)
        return None

    def renew_leases(self, owner: str, lease_seconds: float) -> int:
        with self._session() as s, s.begin():
            res = s.execute(
                update(SubmissionRow)
                .where(SubmissionRow.claimed_by == owner, SubmissionRow.status == "running")
                .values(lease_until=utcnow() + timedelta(seconds=lease_seconds))
            )
            return int(res.rowcount or 0)  # type: ignore[attr-defined]

    def requeue_expired(self, max_attempts: int) -> int:
        """Running submissions whose lease ran out (their server died): back to queued, or failed after
        ``max_attempts``. Returns how many were touched."""
        now = utcnow()
        with self._session() as s, s.begin():
            failed = s.execute(
                update(SubmissionRow)
                .where(
                    SubmissionRow.status == "running",
                    SubmissionRow.lease_until < now,
                    SubmissionRow.attempts >= max_attempts,
                )
                .values(
                    status="failed",
                    claimed_by=None,
                    finished_at=now,
                    error=f"the server stopped while running this submission {max_attempts} times",
                )
            )
            back = s.execute(
                update(SubmissionRow)
                .where(SubmissionRow.status == "running", SubmissionRow.lease_until < now)
                .values(status="queued", claimed_by=None, lease_until=None)
            )
            return int(failed.rowcount or 0) + int(back.rowcount or 0)  # type: ignore[attr-defined]

    def release(self, submission_id: str, owner: str) -> bool:
        """``running -> queued`` for the holder of the claim, the claim's attempt taken back (the
        executor could not be reached: the case did not run). False when the claim was lost."""
        with self._session() as s, s.begin():
            res = s.execute(
                update(SubmissionRow)
                .where(*_held(submission_id, owner))
                .values(
                    status="queued",
                    claimed_by=None,
                    lease_until=None,
                    attempts=SubmissionRow.attempts - 1,
                )
            )
            return bool(res.rowcount)  # type: ignore[attr-defined]

    def finish(
        self,
        submission_id: str,
        owner: str,
        *,
        report: dict[str, Any] | None = None,
        error: str | None = None,
        callback_url: str | None = None,
    ) -> bool:
        """``running -> done`` (with a report) or ``-> failed`` (with a one-line error), only for the
        holder of the claim; with a callback URL, the delivery is queued in the same transaction.
        Returns False when the claim was lost (nothing written)."""
        now = utcnow()
        values: dict[str, Any] = {
            "status": "done" if report is not None else "failed",
            "finished_at": now,
            "claimed_by": None,
            "lease_until": None,
        }
        if report is not None:
            values.update(
                report=report,
                reports_written=SubmissionRow.reports_written + 1,
                **report_summary(report),
            )
        else:
            values["error"] = (error or "failed")[:500]
        with self._session() as s, s.begin():
            res = s.execute(update(SubmissionRow).where(*_held(submission_id, owner)).values(**values))
            if not res.rowcount:  # type: ignore[attr-defined]
                return False
            if callback_url:
                s.add(
                    DeliveryRow(
                        id=new_id("dl"),
                        submission_id=submission_id,
                        event="submission.completed",
                        url=callback_url,
                        status="pending",
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
        return True

    def record_report(
        self,
        report: dict[str, Any],
        *,
        location: str,
        source: str = "batch",
        batch: str | None = None,
        body_hash: str = "",
    ) -> Submission:
        """Record a report produced outside the API (``intake batch``, the Prefect flows) as a done
        submission without a client, so the review desk sees every report in one place."""
        now = utcnow()
        row = SubmissionRow(
            id=new_id("sub"),
            client_id=None,
            body_hash=body_hash,
            status="done",
            case_id=report.get("case_id"),
            source=source,
            batch=batch,
            location=location,
            created_at=now,
            started_at=now,
            finished_at=now,
            report=report,
            attempts=1,
            reports_written=1,
            **report_summary(report),
        )
        with self._session() as s, s.begin():
            s.add(row)
        return Submission.of(row)

    # ------------------------------------------------------------------ deliveries
    def due_deliveries(self, limit: int = 20) -> list[Delivery]:
        with self._reader() as s:
            rows = s.scalars(
                select(DeliveryRow)
                .where(
                    DeliveryRow.status == "pending",
                    or_(DeliveryRow.next_attempt_at.is_(None), DeliveryRow.next_attempt_at <= utcnow()),
                )
                .order_by(DeliveryRow.next_attempt_at)
                .limit(limit)
            )
            return [Delivery.of(r) for r in rows]

    def record_attempt(
        self,
        delivery_id: str,
        *,
        ok: bool,
        status_code: int | None,
        error: str | None,
        next_attempt_at: datetime | None,
    ) -> None:
        """One delivery attempt: delivered, retried at ``next_attempt_at``, or failed (no next attempt)."""
        now = utcnow()
        status = "delivered" if ok else ("pending" if next_attempt_at is not None else "failed")
        with self._session() as s, s.begin():
            s.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == delivery_id, DeliveryRow.status == "pending")
                .values(
                    status=status,
                    attempts=DeliveryRow.attempts + 1,
                    last_status_code=status_code,
                    last_error=(error or None) and error[:300],
                    next_attempt_at=None if ok else next_attempt_at,
                    delivered_at=now if ok else None,
                )
            )

    def deliveries(self, submission_id: str) -> list[Delivery]:
        with self._reader() as s:
            rows = s.scalars(
                select(DeliveryRow)
                .where(DeliveryRow.submission_id == submission_id)
                .order_by(DeliveryRow.created_at)
            )
            return [Delivery.of(r) for r in rows]


_OPEN: dict[str, CaseStore] = {}
_OPEN_LOCK = threading.Lock()


def open_cases(settings: Settings) -> CaseStore:
    """The case store configured by ``settings`` (one instance per URL and process)."""
    url = normalize_url(cases_url(settings))
    with _OPEN_LOCK:
        store = _OPEN.get(url)
        if store is None:
            store = CaseStore(url)
            _OPEN[url] = store
        return store
