"""The review desk's records, in the case store's database (migration 0002).

- ``desk_users``: auditors, leads and admins; argon2id password hashes; disabled users cannot log in.
- ``desk_sessions``: the SHA-256 of each session token (the token itself lives only in the signed
  cookie), its CSRF token, last activity; ended on logout or timeout.
- ``desk_login_attempts``: for login throttling.
- ``case_reviews``: per submission the desk state (``open`` until an auditor decides), a version
  number raised by every decision and verdict (a form carrying an older version is refused), and the
  claim (who holds the case, until when).
- ``case_events``: the append-only log (who, when, action, before/after, note). This module has no
  method that updates or deletes an event, and the database refuses it too (triggers).
- ``flag_verdicts``: per flag of the report, the auditor's ``confirmed`` / ``false_alarm`` with a note
  (the latest; every verdict is also an event).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    and_,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from pipeline.stores.cases import Base, CaseStore, Submission, SubmissionRow, utcnow

ROLES = ("auditor", "lead", "admin")
ACTIONS = ("approve", "return", "more_material", "escalate")
STATE_OF = {
    "approve": "approved",
    "return": "returned",
    "more_material": "more_material",
    "escalate": "escalated",
}
FINAL_STATES = ("approved", "returned", "more_material")
OPEN_STATES = ("open", "escalated")
VERDICTS = ("confirmed", "false_alarm")
QUEUE_DECISIONS = ("review", "return")

_hasher = PasswordHasher()  # argon2id, the library's defaults


class DeskError(Exception):
    """A refused desk action; ``status`` is the HTTP status the desk answers with."""

    status = 400


class StaleEdit(DeskError):
    status = 409


class ClaimedByOther(DeskError):
    status = 409


class NotAllowed(DeskError):
    status = 403


class NotFound(DeskError):
    status = 404


# --------------------------------------------------------------------------- rows


class UserRow(Base):
    __tablename__ = "desk_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime())
    password_changed_at: Mapped[datetime] = mapped_column(DateTime())


class SessionRow(Base):
    __tablename__ = "desk_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("desk_users.id"))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime())
    last_seen: Mapped[datetime] = mapped_column(DateTime())
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)


class LoginAttemptRow(Base):
    __tablename__ = "desk_login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80))
    ip: Mapped[str] = mapped_column(String(64))
    ok: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime())


class ReviewRow(Base):
    __tablename__ = "case_reviews"

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("desk_users.id"), nullable=True)
    claim_until: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("desk_users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    message: Mapped[str | None] = mapped_column(Text(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime())


class EventRow(Base):
    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"))
    at: Mapped[datetime] = mapped_column(DateTime())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("desk_users.id"), nullable=True)
    username: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(32))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    note: Mapped[str | None] = mapped_column(Text(), nullable=True)


class VerdictRow(Base):
    __tablename__ = "flag_verdicts"

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    flag_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    flag_code: Mapped[str] = mapped_column(String(80))
    verdict: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text(), nullable=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("desk_users.id"))
    at: Mapped[datetime] = mapped_column(DateTime())


# --------------------------------------------------------------------------- plain records


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    disabled: bool

    @classmethod
    def of(cls, r: UserRow) -> User:
        return cls(r.id, r.username, r.display_name, r.role, bool(r.disabled))

    @property
    def is_lead(self) -> bool:
        return self.role in ("lead", "admin")


@dataclass(frozen=True)
class Review:
    state: str
    version: int
    claimed_by: int | None
    claimed_by_name: str | None
    claim_until: datetime | None
    decided_by_name: str | None
    decided_at: datetime | None
    message: str | None

    def claim_live(self, now: datetime) -> bool:
        return self.claimed_by is not None and self.claim_until is not None and self.claim_until > now


NO_REVIEW = Review("open", 0, None, None, None, None, None, None)


@dataclass(frozen=True)
class Event:
    id: int
    at: datetime
    username: str
    action: str
    before: Any
    after: Any
    note: str | None


@dataclass(frozen=True)
class Verdict:
    flag_index: int
    flag_code: str
    verdict: str
    note: str | None
    username: str
    at: datetime


@dataclass(frozen=True)
class QueueRow:
    id: str
    case_id: str | None
    source: str
    decision: str | None
    service: str | None
    region: str | None
    flag_codes: list[str]
    created_at: datetime
    state: str
    claimed_by_name: str | None
    claim_until: datetime | None
    id_number: str | None  # the applicant's, from the report's ID card field; mask before showing


@dataclass
class QueueFilter:
    decision: str | None = None
    flag: str | None = None
    service: str | None = None
    region: str | None = None
    source: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None  # exclusive
    state: str = "open"  # open (open + escalated) | escalated | done | all


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- the store


class DeskStore:
    """The desk's operations on the case store's database."""

    def __init__(self, cases: CaseStore) -> None:
        self.cases = cases
        self.engine = cases.engine

    # ------------------------------------------------------------------ users
    def add_user(self, username: str, password: str, role: str = "auditor", display_name: str = "") -> User:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r} (known: {', '.join(ROLES)})")
        username = username.strip()
        if not username or len(username) > 80 or any(c.isspace() for c in username):
            raise ValueError("a user name is 1 to 80 characters without spaces")
        _check_password(password)
        now = utcnow()
        row = UserRow(
            username=username,
            display_name=display_name.strip() or username,
            role=role,
            password_hash=_hasher.hash(password),
            disabled=False,
            created_at=now,
            password_changed_at=now,
        )
        try:
            with self.cases._session() as s, s.begin():
                s.add(row)
                s.flush()
                return User.of(row)
        except IntegrityError:
            raise ValueError(f"user {username!r} exists already") from None

    def set_password(self, username: str, password: str) -> None:
        _check_password(password)
        with self.cases._session() as s, s.begin():
            res = s.execute(
                update(UserRow)
                .where(UserRow.username == username)
                .values(password_hash=_hasher.hash(password), password_changed_at=utcnow())
            )
            if not res.rowcount:  # type: ignore[attr-defined]
                raise ValueError(f"no user {username!r}")
            uid = s.scalar(select(UserRow.id).where(UserRow.username == username))
            s.execute(  # a new password ends the user's sessions
                update(SessionRow)
                .where(SessionRow.user_id == uid, SessionRow.ended_at.is_(None))
                .values(ended_at=utcnow())
            )

    def set_disabled(self, username: str, disabled: bool = True) -> None:
        with self.cases._session() as s, s.begin():
            res = s.execute(update(UserRow).where(UserRow.username == username).values(disabled=disabled))
            if not res.rowcount:  # type: ignore[attr-defined]
                raise ValueError(f"no user {username!r}")
            if disabled:
                uid = s.scalar(select(UserRow.id).where(UserRow.username == username))
                s.execute(
                    update(SessionRow)
                    .where(SessionRow.user_id == uid, SessionRow.ended_at.is_(None))
                    .values(ended_at=utcnow())
                )

    def list_users(self) -> list[User]:
        with self.cases._session() as s:
            return [User.of(r) for r in s.scalars(select(UserRow).order_by(UserRow.username))]

    def get_user(self, user_id: int) -> User | None:
        with self.cases._session() as s:
            r = s.get(UserRow, user_id)
            return User.of(r) if r else None

    def check_password(self, username: str, password: str) -> User | None:
        """The active user with this password, or None. Spends the hash time for unknown users too."""
        with self.cases._session() as s:
            row = s.scalars(select(UserRow).where(UserRow.username == username)).first()
        if row is None:
            try:
                _hasher.verify(_dummy_hash(), password)
            except (VerificationError, InvalidHashError):
                pass
            return None
        try:
            _hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        return None if row.disabled else User.of(row)

    # ------------------------------------------------------------------ login throttling
    def record_login(self, username: str, ip: str, ok: bool) -> None:
        with self.cases._session() as s, s.begin():
            s.add(LoginAttemptRow(username=username[:80], ip=ip[:64], ok=ok, at=utcnow()))

    def recent_failures(self, username: str, ip: str, window: timedelta) -> tuple[int, int]:
        """Failed logins in ``window`` for this user name and for this address (since their last success)."""
        since = utcnow() - window
        with self.engine.connect() as conn:

            def count(col: Any, value: str) -> int:
                last_ok = conn.execute(
                    select(func.max(LoginAttemptRow.at)).where(col == value, LoginAttemptRow.ok.is_(True))
                ).scalar()
                start = max(since, last_ok) if last_ok else since
                return int(
                    conn.execute(
                        select(func.count())
                        .select_from(LoginAttemptRow)
                        .where(col == value, LoginAttemptRow.ok.is_(False), LoginAttemptRow.at > start)
                    ).scalar_one()
                )

            return count(LoginAttemptRow.username, username[:80]), count(LoginAttemptRow.ip, ip[:64])

    # ------------------------------------------------------------------ sessions
    def create_session(self, user: User) -> tuple[str, str]:
        """A new session; returns (token, CSRF token). Only the token's hash is stored."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = utcnow()
        with self.cases._session() as s, s.begin():
            s.add(
                SessionRow(id=_token_hash(token), user_id=user.id, csrf=csrf, created_at=now, last_seen=now)
            )
        return token, csrf

    def resume_session(self, token: str, idle: timedelta, absolute: timedelta) -> tuple[User, str] | None:
        """(user, CSRF token) of a live session, its activity refreshed; None (and the session ended)
        when it timed out, was ended, or its user is disabled."""
        now = utcnow()
        sid = _token_hash(token)
        with self.cases._session() as s, s.begin():
            row = s.get(SessionRow, sid)
            if row is None or row.ended_at is not None:
                return None
            user = s.get(UserRow, row.user_id)
            if user is None or user.disabled or now - row.last_seen > idle or now - row.created_at > absolute:
                row.ended_at = now
                return None
            if (now - row.last_seen).total_seconds() > 5:
                row.last_seen = now
            return User.of(user), row.csrf

    def end_session(self, token: str) -> None:
        with self.cases._session() as s, s.begin():
            s.execute(
                update(SessionRow)
                .where(SessionRow.id == _token_hash(token), SessionRow.ended_at.is_(None))
                .values(ended_at=utcnow())
            )

    # ------------------------------------------------------------------ queue
    def queue(self, f: QueueFilter, limit: int = 100, offset: int = 0) -> tuple[list[QueueRow], int]:
        """Cases matching the filter, oldest first, and how many match."""
        S, R = SubmissionRow, ReviewRow
        state = func.coalesce(R.state, "open")
        conds: list[Any] = [S.status == "done", S.decision.in_(QUEUE_DECISIONS)]
        if f.decision:
            conds.append(S.decision == f.decision)
        if f.flag:
            conds.append(S.flag_codes.like(f"% {_like_escape(f.flag)} %", escape="\\"))
        if f.service:
            conds.append(S.service == f.service)
        if f.region:
            conds.append(S.region == f.region)
        if f.source:
            conds.append(S.source == f.source)
        if f.date_from:
            conds.append(S.created_at >= f.date_from)
        if f.date_to:
            conds.append(S.created_at < f.date_to)
        if f.state == "open":
            conds.append(or_(R.state.is_(None), R.state.in_(OPEN_STATES)))
        elif f.state == "done":
            conds.append(R.state.in_(FINAL_STATES))
        elif f.state in ("escalated", "approved", "returned", "more_material"):
            conds.append(R.state == f.state)
        base = select(S.id).outerjoin(R, R.submission_id == S.id).where(and_(*conds))
        with self.engine.connect() as conn:
            total = int(conn.execute(select(func.count()).select_from(base.subquery())).scalar_one())
            rows = conn.execute(
                select(
                    S.id,
                    S.case_id,
                    S.source,
                    S.decision,
                    S.service,
                    S.region,
                    S.flag_codes,
                    S.created_at,
                    state,
                    UserRow.display_name,
                    R.claim_until,
                    S.report,
                )
                .outerjoin(R, R.submission_id == S.id)
                .outerjoin(UserRow, UserRow.id == R.claimed_by)
                .where(and_(*conds))
                .order_by(S.created_at, S.id)
                .limit(limit)
                .offset(offset)
            ).all()
        return [
            QueueRow(
                id=r[0],
                case_id=r[1],
                source=r[2],
                decision=r[3],
                service=r[4],
                region=r[5],
                flag_codes=(r[6] or "").split(),
                created_at=r[7],
                state=r[8],
                claimed_by_name=r[9],
                claim_until=r[10],
                id_number=_id_number(r[11]),
            )
            for r in rows
        ], total

    def queue_counts(self) -> dict[str, int]:
        """Open cases by pipeline decision and escalated ones."""
        S, R = SubmissionRow, ReviewRow
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(S.decision, R.state, func.count())
                .outerjoin(R, R.submission_id == S.id)
                .where(S.status == "done", S.decision.in_(QUEUE_DECISIONS))
                .group_by(S.decision, R.state)
            ).all()
        out: dict[str, int] = {"review": 0, "return": 0, "escalated": 0, "done": 0}
        for decision, st, n in rows:
            if st is None or st == "open":
                out[str(decision)] += int(n)
            elif st == "escalated":
                out["escalated"] += int(n)
            else:
                out["done"] += int(n)
        return out

    def next_open(self, after_created: datetime, after_id: str, user: User) -> str | None:
        """The next open case in queue order after the given one that nobody else holds."""
        S, R = SubmissionRow, ReviewRow
        now = utcnow()
        with self.engine.connect() as conn:
            return conn.execute(
                select(S.id)
                .outerjoin(R, R.submission_id == S.id)
                .where(
                    S.status == "done",
                    S.decision.in_(QUEUE_DECISIONS),
                    or_(R.state.is_(None), R.state == "open"),
                    or_(R.claimed_by.is_(None), R.claimed_by == user.id, R.claim_until <= now),
                    or_(S.created_at > after_created, and_(S.created_at == after_created, S.id > after_id)),
                )
                .order_by(S.created_at, S.id)
                .limit(1)
            ).scalar()

    # ------------------------------------------------------------------ one case
    def submission(self, sid: str) -> Submission:
        sub = self.cases.get_submission(sid)
        if sub is None or sub.status != "done" or sub.report is None:
            raise NotFound("no such case")
        return sub

    def review(self, sid: str) -> Review:
        with self.engine.connect() as conn:
            claimer = UserRow.__table__.alias("claimer")
            decider = UserRow.__table__.alias("decider")
            R = ReviewRow.__table__
            r = conn.execute(
                select(
                    R.c.state,
                    R.c.version,
                    R.c.claimed_by,
                    claimer.c.display_name,
                    R.c.claim_until,
                    decider.c.display_name,
                    R.c.decided_at,
                    R.c.message,
                )
                .outerjoin(claimer, claimer.c.id == R.c.claimed_by)
                .outerjoin(decider, decider.c.id == R.c.decided_by)
                .where(R.c.submission_id == sid)
            ).first()
        return NO_REVIEW if r is None else Review(*r)

    def events(self, sid: str) -> list[Event]:
        with self.engine.connect() as conn:
            E = EventRow
            rows = conn.execute(
                select(E.id, E.at, E.username, E.action, E.before, E.after, E.note)
                .where(E.submission_id == sid)
                .order_by(E.id)
            ).all()
        return [Event(*r) for r in rows]

    def verdicts(self, sid: str) -> dict[int, Verdict]:
        with self.engine.connect() as conn:
            V = VerdictRow
            rows = conn.execute(
                select(V.flag_index, V.flag_code, V.verdict, V.note, UserRow.display_name, V.at)
                .join(UserRow, UserRow.id == V.user_id)
                .where(V.submission_id == sid)
            ).all()
        return {int(r[0]): Verdict(*r) for r in rows}

    def _append(
        self, s: Any, sid: str, user: User | None, action: str, before: Any, after: Any, note: str | None
    ) -> None:
        """The only writer of ``case_events``: an INSERT."""
        s.execute(
            insert(EventRow).values(
                submission_id=sid,
                at=utcnow(),
                user_id=user.id if user else None,
                username=user.username if user else "system",
                action=action,
                before=before,
                after=after,
                note=note,
            )
        )

    def log_view(self, sid: str, user: User) -> None:
        with self.cases._session() as s, s.begin():
            self._append(s, sid, user, "view", None, None, None)

    def _ensure_review(self, s: Any, sid: str) -> ReviewRow:
        row = s.get(ReviewRow, sid)
        if row is None:
            row = ReviewRow(submission_id=sid, state="open", version=0, updated_at=utcnow())
            s.add(row)
            s.flush()
        return row

    def claim(self, sid: str, user: User, minutes: float = 30) -> Review:
        """Take (or renew) the claim on a case; refused while another auditor's claim is live."""
        self.submission(sid)
        now = utcnow()
        with self.cases._session() as s, s.begin():
            row = self._ensure_review(s, sid)
            res = s.execute(
                update(ReviewRow)
                .where(
                    ReviewRow.submission_id == sid,
                    or_(
                        ReviewRow.claimed_by.is_(None),
                        ReviewRow.claimed_by == user.id,
                        ReviewRow.claim_until <= now,
                    ),
                )
                .values(claimed_by=user.id, claim_until=now + timedelta(minutes=minutes))
            )
            if not res.rowcount:  # type: ignore[attr-defined]
                s.rollback()
                raise ClaimedByOther(self._claim_message(sid))
            self._append(
                s,
                sid,
                user,
                "claim",
                None,
                {"until": (now + timedelta(minutes=minutes)).isoformat() + "Z"},
                None,
            )
            del row
        return self.review(sid)

    def release(self, sid: str, user: User) -> None:
        with self.cases._session() as s, s.begin():
            res = s.execute(
                update(ReviewRow)
                .where(ReviewRow.submission_id == sid, ReviewRow.claimed_by == user.id)
                .values(claimed_by=None, claim_until=None)
            )
            if res.rowcount:  # type: ignore[attr-defined]
                self._append(s, sid, user, "release", None, None, None)

    def _claim_message(self, sid: str) -> str:
        r = self.review(sid)
        until = r.claim_until.strftime("%H:%M") if r.claim_until else "?"
        return f"case held by {r.claimed_by_name} until {until} UTC"

    def _guard(self, s: Any, sid: str, user: User, version: int) -> ReviewRow:
        """Within a write transaction: the review row, claimed for ``user`` (a free case is claimed
        on the way), at ``version``; else the refusal."""
        now = utcnow()
        row = self._ensure_review(s, sid)
        if row.claimed_by not in (None, user.id) and row.claim_until is not None and row.claim_until > now:
            raise ClaimedByOther(self._claim_message_in(s, row))
        if row.version != version:
            raise StaleEdit(
                f"the case changed since you opened it (version {version}, now {row.version}); reload it"
            )
        return row

    def _claim_message_in(self, s: Any, row: ReviewRow) -> str:
        u = s.get(UserRow, row.claimed_by)
        until = row.claim_until.strftime("%H:%M") if row.claim_until else "?"
        return f"case held by {u.display_name if u else '?'} until {until} UTC"

    def _bump(self, s: Any, sid: str, version: int, user: User, values: dict[str, Any]) -> None:
        now = utcnow()
        res = s.execute(
            update(ReviewRow)
            .where(ReviewRow.submission_id == sid, ReviewRow.version == version)
            .values(
                version=version + 1,
                updated_at=now,
                claimed_by=user.id,
                claim_until=now + timedelta(minutes=30),
                **values,
            )
        )
        if not res.rowcount:
            raise StaleEdit("the case changed while you were saving; reload it")

    def act(self, sid: str, user: User, action: str, version: int, note: str = "", message: str = "") -> int:
        """Record a decision: approve, return (with the applicant message), request more material,
        escalate. Returns the new version. A decision never overwrites an earlier one in the log; a
        correction is a new decision event."""
        if action not in ACTIONS:
            raise DeskError(f"unknown action {action!r}")
        self.submission(sid)
        message = message.strip()
        if action in ("return", "more_material") and not message:
            raise DeskError("a return or a request for material needs a message to the applicant")
        with self.cases._session() as s, s.begin():
            row = self._guard(s, sid, user, version)
            if row.state == "escalated" and not user.is_lead and action != "escalate":
                raise NotAllowed("an escalated case is decided by a lead")
            if row.state == "escalated" and action == "escalate":
                raise DeskError("the case is escalated already")
            before = {"state": row.state, "version": row.version, "message": row.message}
            new_state = STATE_OF[action]
            decided = action != "escalate"
            values: dict[str, Any] = {"state": new_state, "message": message or None}
            if decided:
                values.update(decided_by=user.id, decided_at=utcnow())
            self._bump(s, sid, version, user, values)
            after = {"state": new_state, "version": version + 1, "message": message or None}
            self._append(s, sid, user, action, before, after, note.strip() or None)
        return version + 1

    def set_verdict(
        self, sid: str, user: User, flag_index: int, verdict: str, version: int, note: str = ""
    ) -> int:
        """Per flag: confirmed or false alarm, with a note. Returns the new version."""
        if verdict not in VERDICTS:
            raise DeskError(f"unknown verdict {verdict!r}")
        sub = self.submission(sid)
        flags = (sub.report or {}).get("flags") or []
        if not 0 <= flag_index < len(flags):
            raise NotFound("no such flag")
        code = str(flags[flag_index].get("code"))
        with self.cases._session() as s, s.begin():
            self._guard(s, sid, user, version)
            old = s.get(VerdictRow, (sid, flag_index))
            before = {"verdict": old.verdict, "note": old.note} if old else None
            now = utcnow()
            if old is None:
                s.add(
                    VerdictRow(
                        submission_id=sid,
                        flag_index=flag_index,
                        flag_code=code,
                        verdict=verdict,
                        note=note.strip() or None,
                        user_id=user.id,
                        at=now,
                    )
                )
            else:
                old.verdict, old.note, old.user_id, old.at = verdict, note.strip() or None, user.id, now
            self._bump(s, sid, version, user, {})
            self._append(
                s,
                sid,
                user,
                "verdict",
                before,
                {"flag": flag_index, "code": code, "verdict": verdict, "note": note.strip() or None},
                None,
            )
        return version + 1

    # ------------------------------------------------------------------ metrics and export
    def metrics(self, days: int = 7) -> dict[str, Any]:
        S, R, E, V = SubmissionRow, ReviewRow, EventRow, VerdictRow
        now = utcnow()
        since = now - timedelta(days=days)
        with self.engine.connect() as conn:
            open_created = [
                r[0]
                for r in conn.execute(
                    select(S.created_at)
                    .outerjoin(R, R.submission_id == S.id)
                    .where(
                        S.status == "done",
                        S.decision.in_(QUEUE_DECISIONS),
                        or_(R.state.is_(None), R.state.in_(OPEN_STATES)),
                    )
                    .order_by(S.created_at)
                )
            ]
            per_auditor = conn.execute(
                select(E.username, E.action, func.count())
                .where(E.action.in_(ACTIONS), E.at >= since)
                .group_by(E.username, E.action)
            ).all()
            agreement = conn.execute(
                select(V.flag_code, V.verdict, func.count()).group_by(V.flag_code, V.verdict)
            ).all()
        ages = [(now - c).total_seconds() / 3600 for c in open_created]
        ages_sorted = sorted(ages)
        auditors: dict[str, dict[str, int]] = {}
        for name, action, n in per_auditor:
            auditors.setdefault(name, {a: 0 for a in ACTIONS})[action] = int(n)
        codes: dict[str, dict[str, int]] = {}
        for code, verdict, n in agreement:
            codes.setdefault(code, {v: 0 for v in VERDICTS})[verdict] = int(n)
        return {
            "open": len(ages),
            "age_hours_oldest": round(ages_sorted[-1], 1) if ages else 0.0,
            "age_hours_median": round(ages_sorted[len(ages) // 2], 1) if ages else 0.0,
            "age_buckets": _buckets(ages),
            "days": days,
            "auditors": {k: {**v, "total": sum(v.values())} for k, v in sorted(auditors.items())},
            "flags": {
                k: {**v, "precision": round(v["confirmed"] / max(1, v["confirmed"] + v["false_alarm"]), 3)}
                for k, v in sorted(codes.items())
            },
        }

    def reviewed(self) -> Iterable[tuple[Submission, Review, dict[int, Verdict]]]:
        """Every case with a final decision (approved, returned, more material)."""
        with self.engine.connect() as conn:
            sids = [
                r[0]
                for r in conn.execute(
                    select(ReviewRow.submission_id)
                    .where(ReviewRow.state.in_(FINAL_STATES))
                    .order_by(ReviewRow.decided_at)
                )
            ]
        for sid in sids:
            yield self.submission(sid), self.review(sid), self.verdicts(sid)


def _buckets(ages_hours: list[float]) -> list[tuple[str, int]]:
    edges = [(1, "< 1 h"), (8, "1–8 h"), (24, "8–24 h"), (72, "1–3 d"), (float("inf"), "> 3 d")]
    out = {label: 0 for _, label in edges}
    for a in ages_hours:
        for edge, label in edges:
            if a < edge:
                out[label] += 1
                break
    return list(out.items())


def _like_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _check_password(password: str) -> None:
    if len(password) < 10:
        raise ValueError("a password needs at least 10 characters")
    if len(password) > 1000:
        raise ValueError("a password is at most 1000 characters")


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(_hasher.hash(secrets.token_hex(16)))
    return _DUMMY[0]


def _id_number(report: Any) -> str | None:
    """The applicant's ID number as read from the ID card (for the masked column of the queue)."""
    if not isinstance(report, dict):
        return None
    for m in report.get("materials") or []:
        if isinstance(m, dict) and m.get("detected_type") == "id_card_front":
            v = (m.get("fields") or {}).get("id_number")
            if v:
                return str(v)
    return None
