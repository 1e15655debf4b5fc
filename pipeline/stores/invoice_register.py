"""A persistent register of submitted invoices, to find the same invoice filed in several cases.

One row per (invoice code, invoice number, case). The first case to record an invoice owns it:
a case is a duplicate when another case recorded the same invoice *before* it did, so re-running
a case (or the first case of a pair) never makes it a duplicate of itself or of a later case.
Cases whose decision was ``return`` (``set_decision``) were not paid: their invoices do not make
a resubmission a duplicate.

Storage is SQLAlchemy 2: an embedded SQLite file at ``settings.home / "register.sqlite"`` by
default, or ``settings.register_url`` (``sqlite:///…``, ``postgresql://…`` via psycopg 3).
Several processes may write at once (batch runs): "look up, then record" is one transaction
under a lock on the invoice key (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-scoped
advisory lock), and rows go in with ``INSERT … ON CONFLICT DO NOTHING``.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pipeline.config import Settings
from pipeline.stores._db import database_url, engine_for

TABLE = "invoice_register"
RETURNED = "return"


class _Base(DeclarativeBase):
    pass


class InvoiceRow(_Base):
    __tablename__ = TABLE
    __table_args__ = (
        UniqueConstraint("invoice_code", "invoice_number", "case_id", name="uq_invoice_register_key_case"),
        Index("ix_invoice_register_key", "invoice_code", "invoice_number"),
    )

    # BIGINT identity on PostgreSQL, INTEGER PRIMARY KEY (rowid) on SQLite.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    invoice_code: Mapped[str] = mapped_column(String(40))
    invoice_number: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), nullable=True)
    issue_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # the case's decision once known: invoices of a returned case were not paid, so they do not
    # make a resubmission a duplicate
    decision: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # who filed it (``applicant_key``: a hash of the ID number, never the number itself). A case is
    # "own" and a returned decision exempts a resubmission only for the same applicant.
    applicant: Mapped[str | None] = mapped_column(String(64), nullable=True)


_NON_ALNUM = re.compile(r"[^0-9A-Z]")


def normalize_key(value: str | None) -> str:
    """Invoice code/number as compared: full-width to ASCII, upper case, letters and digits only."""
    if not value:
        return ""
    return _NON_ALNUM.sub("", unicodedata.normalize("NFKC", str(value)).upper())


def _to_decimal(amount: Any) -> Decimal | None:
    if amount is None or amount == "":
        return None
    try:
        d = Decimal(str(amount).replace(",", "").replace("¥", "").replace("￥", "").strip())
    except InvalidOperation:
        return None
    return d.quantize(Decimal("0.01")) if d.is_finite() else None


def _to_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def applicant_key(id_number: str | None) -> str | None:
    """The register's handle on an applicant: a hash of the normalised ID number (None if empty)."""
    norm = normalize_key(id_number)
    if not norm:
        return None
    return hashlib.sha256(b"intake-register-applicant\0" + norm.encode()).hexdigest()[:40]


def _lock_key(code: str, number: str) -> int:
    digest = hashlib.blake2b(f"{code}\x1f{number}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def normalize_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` use psycopg 3 (SQLAlchemy would pick psycopg2)."""
    return database_url(url).render_as_string(hide_password=False)


class InvoiceRegister:
    """Invoices submitted per case; see the module docstring for the duplicate rule."""

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        self.engine = engine_for(self.url, serialized_writes=True)
        self.dialect = self.engine.dialect.name
        self._create_table()

    def _create_table(self) -> None:
        try:
            _Base.metadata.create_all(self.engine)
        except DBAPIError:
            # Another process created it at the same moment (PostgreSQL catalog race): check again.
            _Base.metadata.create_all(self.engine)
        # tables made by an earlier version lack the decision column
        cols = {c["name"] for c in inspect(self.engine).get_columns(TABLE)}
        for name, sql_type in (("decision", "VARCHAR(16)"), ("applicant", "VARCHAR(64)")):
            if name not in cols:
                try:
                    with self.engine.begin() as conn:
                        conn.execute(text(f"ALTER TABLE {TABLE} ADD COLUMN {name} {sql_type}"))
                except DBAPIError:
                    pass  # added by another process meanwhile

    # ------------------------------------------------------------------ internals
    def _insert(self, values: dict[str, Any]) -> Any:
        ins: Any
        if self.dialect == "postgresql":
            ins = postgresql.insert(InvoiceRow)
        elif self.dialect == "sqlite":
            ins = sqlite.insert(InvoiceRow)
        else:  # pragma: no cover - other back ends: plain insert, duplicate rows are skipped by the caller
            from sqlalchemy import insert

            return insert(InvoiceRow).values(**values)
        return ins.values(**values).on_conflict_do_nothing(
            index_elements=["invoice_code", "invoice_number", "case_id"]
        )

    def _lock(self, conn: Any, code: str, number: str) -> None:
        if self.dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(code, number)})
        # SQLite: BEGIN IMMEDIATE already holds the database write lock.

    @staticmethod
    def _is_own(row: tuple[int, str, str | None, str | None], case_id: str, applicant: str | None) -> bool:
        """The row was recorded by this case of this applicant (rows of an earlier version carry
        no applicant and count as the case's own)."""
        _, cid, _, who = row
        return cid == case_id and (who is None or who == applicant)

    @classmethod
    def _earlier_others(
        cls, rows: list[tuple[int, str, str | None, str | None]], case_id: str, applicant: str | None = None
    ) -> list[str]:
        own = [r[0] for r in rows if cls._is_own(r, case_id, applicant)]
        limit = own[0] if own else None
        out: list[str] = []
        for row in rows:
            rid, cid, decision, who = row
            if cls._is_own(row, case_id, applicant) or cid in out:
                continue
            # a returned case was not paid: it does not make the *same applicant's* resubmission a
            # duplicate; another person's filing of the same invoice always counts
            if decision == RETURNED and who == applicant:
                continue
            if limit is None or rid < limit:
                out.append(cid)
        return out

    def _rows(self, conn: Any, code: str, number: str) -> list[tuple[int, str, str | None, str | None]]:
        stmt = (
            select(InvoiceRow.id, InvoiceRow.case_id, InvoiceRow.decision, InvoiceRow.applicant)
            .where(InvoiceRow.invoice_code == code, InvoiceRow.invoice_number == number)
            .order_by(InvoiceRow.id)
        )
        return [(int(r[0]), str(r[1]), r[2], r[3]) for r in conn.execute(stmt)]

    # ------------------------------------------------------------------ API
    def check_and_record(
        self,
        case_id: str,
        invoice_code: str,
        invoice_number: str,
        amount: Any = None,
        issue_date: Any = None,
        applicant: str | None = None,
    ) -> list[str]:
        """Atomically: the other cases that recorded this invoice before ``case_id``, then record it.

        ``applicant`` (``applicant_key``) ties the row to who filed it: the same case id sent by
        someone else is not this case's own row. Returns ``[]`` for an invoice seen first here (or
        when code/number are empty).
        """
        from sqlalchemy import update

        code, number = normalize_key(invoice_code), normalize_key(invoice_number)
        if not code or not number:
            return []
        with self.engine.begin() as conn:
            self._lock(conn, code, number)
            rows = self._rows(conn, code, number)
            others = self._earlier_others(rows, case_id, applicant)
            mine = [r for r in rows if self._is_own(r, case_id, applicant)]
            if mine and applicant is not None and mine[0][3] is None:
                # a row of an earlier version: the first run that sends its case id claims it
                conn.execute(
                    update(InvoiceRow).where(InvoiceRow.id == mine[0][0]).values(applicant=applicant)
                )
            if not any(cid == case_id for _, cid, _, _ in rows):
                conn.execute(
                    self._insert(
                        {
                            "invoice_code": code,
                            "invoice_number": number,
                            "case_id": case_id,
                            "amount": _to_decimal(amount),
                            "issue_date": _to_date(issue_date),
                            "recorded_at": datetime.now(UTC),
                            "applicant": applicant,
                        }
                    )
                )
        return others

    def record(
        self,
        case_id: str,
        invoice_code: str,
        invoice_number: str,
        amount: Any = None,
        issue_date: Any = None,
    ) -> bool:
        """Record an invoice for a case; False when code/number are empty. Idempotent."""
        code, number = normalize_key(invoice_code), normalize_key(invoice_number)
        if not code or not number:
            return False
        self.check_and_record(case_id, code, number, amount, issue_date)
        return True

    def seen_elsewhere(
        self, case_id: str, invoice_code: str, invoice_number: str, applicant: str | None = None
    ) -> list[str]:
        """Other cases that recorded this invoice before ``case_id`` did (all others if it has not)."""
        code, number = normalize_key(invoice_code), normalize_key(invoice_number)
        if not code or not number:
            return []
        with self.engine.connect() as conn:
            rows = self._rows(conn, code, number)
        return self._earlier_others(rows, case_id, applicant)

    def set_decision(
        self,
        case_id: str,
        decision: str,
        applicant: str | None = None,
        invoices: list[tuple[str, str]] | None = None,
    ) -> int:
        """Store a case's decision (``pass``/``review``/``return``) on its rows; returns the row count.

        The pipeline calls it after deciding a case, with the ``applicant`` and the ``invoices``
        (code, number) that run actually checked: only those rows of that case *and applicant*
        change, so a resubmission carrying someone else's case id (or no invoice) clears nothing.
        Without ``applicant`` (an auditor's ``intake invoices decision``) every row of the case
        changes. A returned case's invoices stay recorded; they no longer make the same
        applicant's resubmission a duplicate.
        """
        from sqlalchemy import and_, or_, update

        value = str(getattr(decision, "value", decision))
        cond = InvoiceRow.case_id == case_id
        if applicant is not None:
            cond = and_(cond, InvoiceRow.applicant == applicant)
        if invoices is not None:
            keys = [(normalize_key(c), normalize_key(n)) for c, n in invoices]
            if not keys:
                return 0
            cond = and_(
                cond,
                or_(*(and_(InvoiceRow.invoice_code == c, InvoiceRow.invoice_number == n) for c, n in keys)),
            )
        with self.engine.begin() as conn:
            res = conn.execute(update(InvoiceRow).where(cond).values(decision=value))
        return int(res.rowcount or 0)

    def forget_case(self, case_id: str) -> int:
        """Remove every row of a case (a withdrawn filing, tests). Returns the number of rows."""
        from sqlalchemy import delete

        with self.engine.begin() as conn:
            res = conn.execute(delete(InvoiceRow).where(InvoiceRow.case_id == case_id))
        return int(res.rowcount or 0)

    def count(self) -> int:
        from sqlalchemy import func

        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(InvoiceRow)).scalar_one())

    def close(self) -> None:
        self.engine.dispose()


_OPEN: dict[str, InvoiceRegister] = {}
_OPEN_LOCK = threading.Lock()


def register_url(settings: Settings) -> str:
    if settings.register_url:
        return settings.register_url
    from pipeline.safety import private_file

    return f"sqlite:///{private_file(settings.home / 'register.sqlite')}"


def open_register(settings: Settings) -> InvoiceRegister:
    """The register configured by ``settings`` (one instance per URL and process)."""
    url = normalize_url(register_url(settings))
    with _OPEN_LOCK:
        reg = _OPEN.get(url)
        if reg is None:
            reg = InvoiceRegister(url)
            _OPEN[url] = reg
        return reg
