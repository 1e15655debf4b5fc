"""The enrollment store (参保登记信息): who is insured, how, and in what state.

One row per insured person with the contract's columns (CONTRACT.md section 2), on SQLAlchemy 2:

* the embedded default: SQLite at ``settings.home / "enrollment.sqlite"``, created on first use and
  seeded from the samples' ``enrollment.csv`` (re-seeded when that file changes; rows imported by a
  person are kept);
* a database URL: ``sqlite:///…`` or ``postgresql://…`` (psycopg 3); ``?table=NAME`` picks another
  table, ``?options=-csearch_path%3DSCHEMA`` another PostgreSQL schema;
* a CSV file: loaded into an in-memory SQLite for the run.

Lookups are by primary key (ID number): :meth:`EnrollmentStore.get` for one, :meth:`get_many` for a
batch. :meth:`import_csv` validates every row with pydantic, reports bad rows by line number, and
writes all rows or none (one transaction, upsert).

Names and ID numbers never appear unmasked in logs or error messages.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import (
    Boolean,
    Column,
    MetaData,
    String,
    Table,
    Text,
    any_,
    bindparam,
    create_engine,
    delete,
    func,
    inspect,
    select,
)
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from pipeline.config import Settings, get_settings
from pipeline.errors import ConfigError, TransientError
from pipeline.pii import mask_id, mask_name
from pipeline.stores._db import database_url, dispose_all, engine_for
from pipeline.text.ids import normalize_id

log = logging.getLogger(__name__)

InsuranceType = Literal["employee", "resident"]
Status = Literal["active", "arrears", "suspended", "terminated", "transferring"]

#: The contract's columns, in order.
COLUMNS: tuple[str, ...] = (
    "id_number",
    "name",
    "ssc_number",
    "insurance_type",
    "status",
    "card_activated",
    "region",
    "retired",
    "chronic_diseases",
)
#: Columns a CSV / table may leave out (empty values).
OPTIONAL_COLUMNS = frozenset({"ssc_number", "chronic_diseases"})
REQUIRED_COLUMNS = tuple(c for c in COLUMNS if c not in OPTIONAL_COLUMNS)

DEFAULT_TABLE = "enrollment"
_CHUNK = 500

_TRUE = frozenset({"true", "t", "1", "yes", "y", "是", "已激活", "激活"})
_FALSE = frozenset({"false", "f", "0", "no", "n", "否", "未激活"})
_INSURANCE_SYNONYMS = {"职工": "employee", "职工医保": "employee", "居民": "resident", "城乡居民": "resident"}
_STATUS_SYNONYMS = {
    "正常": "active",
    "参保缴费": "active",
    "欠费": "arrears",
    "断缴": "arrears",
    "暂停": "suspended",
    "中止": "suspended",
    "终止": "terminated",
    "转移接续中": "transferring",
    "转移中": "transferring",
}


class EnrollmentError(ConfigError):
    """The enrollment source cannot be used (bad CSV, unknown source, wrong table)."""


class EnrollmentUnavailable(EnrollmentError, TransientError):
    """The enrollment database cannot be reached."""


# --------------------------------------------------------------------------- the record


class EnrollmentRecord(BaseModel):
    """One insured person as the insurance system holds them."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    id_number: str
    name: str = Field(min_length=1)
    ssc_number: str | None = None
    insurance_type: InsuranceType
    status: Status
    card_activated: bool
    region: str = Field(min_length=1)
    retired: bool
    chronic_diseases: list[str] = Field(default_factory=list)

    @field_validator("id_number", mode="before")
    @classmethod
    def _id(cls, v: Any) -> str:
        s = normalize_id(str(v) if v is not None else "")
        if len(s) != 18 or not (s[:17].isdigit() and (s[17].isdigit() or s[17] == "X")):
            raise ValueError("must be an 18-character ID number (17 digits and a digit or X)")
        return s

    @field_validator("ssc_number", mode="before")
    @classmethod
    def _ssc(cls, v: Any) -> str | None:
        s = normalize_id(str(v)) if v is not None else ""
        return s or None

    @field_validator("insurance_type", mode="before")
    @classmethod
    def _insurance(cls, v: Any) -> Any:
        if isinstance(v, str):
            s = v.strip()
            return _INSURANCE_SYNONYMS.get(s, s.lower())
        return v

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, v: Any) -> Any:
        if isinstance(v, str):
            s = v.strip()
            return _STATUS_SYNONYMS.get(s, s.lower())
        return v

    @field_validator("card_activated", "retired", mode="before")
    @classmethod
    def _bool(cls, v: Any) -> Any:
        if isinstance(v, str):
            s = v.strip().lower()
            if s in _TRUE:
                return True
            if s in _FALSE:
                return False
            raise ValueError("must be true or false")
        return v

    @field_validator("region", mode="before")
    @classmethod
    def _region(cls, v: Any) -> Any:
        return v.strip().lower() if isinstance(v, str) else v

    @field_validator("chronic_diseases", mode="before")
    @classmethod
    def _diseases(cls, v: Any) -> Any:
        if v is None:
            return []
        if isinstance(v, str):
            return [p.strip() for p in v.replace("；", ";").split(";") if p.strip()]
        return v

    def __repr_args__(self) -> Any:  # never show personal data in reprs or tracebacks
        for k, v in super().__repr_args__():
            if k == "id_number":
                yield k, mask_id(self.id_number)
            elif k == "name":
                yield k, mask_name(self.name)
            elif k == "ssc_number":
                yield k, mask_id(self.ssc_number) if self.ssc_number else None
            else:
                yield k, v

    def to_row(self, origin: str | None = None) -> dict[str, Any]:
        row: dict[str, Any] = self.model_dump()
        row["chronic_diseases"] = ";".join(self.chronic_diseases)
        if origin is not None:
            row["origin"] = origin
        return row

    def masked(self) -> dict[str, Any]:
        """For display: name, ID and card numbers masked."""
        d = self.model_dump()
        d["id_number"] = mask_id(self.id_number)
        d["name"] = mask_name(self.name)
        d["ssc_number"] = mask_id(self.ssc_number) if self.ssc_number else None
        return d


# --------------------------------------------------------------------------- CSV import


class RowError(BaseModel):
    line: int  # 1-based line of the file where the row starts (the header is line 1)
    column: str | None = None
    message: str  # never contains the offending value

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class ImportReport(BaseModel):
    source: str
    rows: int = 0  # data rows read
    inserted: int = 0
    updated: int = 0
    skipped: int = 0  # rows left alone (seeding never overwrites imported rows)
    errors: list[RowError] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self, max_errors: int = 20) -> str:
        if self.ok:
            return f"{self.source}: {self.rows} rows, {self.inserted} inserted, {self.updated} updated"
        lines = [f"{self.source}: {len(self.errors)} error(s) in {self.rows} row(s); nothing imported"]
        lines += [f"  {e}" for e in self.errors[:max_errors]]
        if len(self.errors) > max_errors:
            lines.append(f"  … and {len(self.errors) - max_errors} more")
        return "\n".join(lines)


def _validation_errors(line: int, e: ValidationError) -> list[RowError]:
    out = []
    for err in e.errors(include_input=False, include_url=False):
        col = str(err["loc"][0]) if err["loc"] else None
        msg = err["msg"].removeprefix("Value error, ")
        out.append(RowError(line=line, column=col, message=msg))
    return out


def parse_csv(path: Path) -> tuple[list[EnrollmentRecord], ImportReport]:
    """Read and validate an enrollment CSV (UTF-8, header row). Rows with errors are reported and left out."""
    report = ImportReport(source=path.name)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise EnrollmentError(f"cannot read enrollment CSV {path}: {e.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        report.errors.append(RowError(line=line, message="not UTF-8 text"))
        return [], report
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        report.errors.append(RowError(line=1, message="empty file: no header row"))
        return [], report
    except csv.Error as e:
        report.errors.append(RowError(line=1, message=f"bad CSV: {e}"))
        return [], report
    cols = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in cols]
    if missing:
        report.errors.append(RowError(line=1, message=f"header lacks column(s): {', '.join(missing)}"))
        return [], report
    index = {c: cols.index(c) for c in COLUMNS if c in cols}
    records: list[EnrollmentRecord] = []
    first_line: dict[str, int] = {}
    last = reader.line_num
    while True:
        start = last + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            report.errors.append(RowError(line=start, message=f"bad CSV: {e}"))
            break
        last = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        report.rows += 1
        if len(row) != len(cols):
            report.errors.append(
                RowError(line=start, message=f"expected {len(cols)} fields, found {len(row)}")
            )
            continue
        try:
            rec = EnrollmentRecord.model_validate({c: row[i] for c, i in index.items()})
        except ValidationError as e:
            report.errors.extend(_validation_errors(start, e))
            continue
        if rec.id_number in first_line:
            report.errors.append(
                RowError(
                    line=start,
                    column="id_number",
                    message=f"duplicate id_number (first on line {first_line[rec.id_number]})",
                )
            )
            continue
        first_line[rec.id_number] = start
        records.append(rec)
    return records, report


# --------------------------------------------------------------------------- the store


def _enrollment_table(metadata: MetaData, name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("id_number", String(32), primary_key=True),
        Column("name", String(128), nullable=False),
        Column("ssc_number", String(64)),
        Column("insurance_type", String(16), nullable=False),
        Column("status", String(16), nullable=False),
        Column("card_activated", Boolean, nullable=False),
        Column("region", String(64), nullable=False),
        Column("retired", Boolean, nullable=False),
        Column("chronic_diseases", Text, nullable=False, default=""),
        # added by the project: "seed" (embedded store, from the samples) or "import"
        Column("origin", String(16)),
    )


_INSURANCE_TYPES = frozenset({"employee", "resident"})
_STATUSES = frozenset({"active", "arrears", "suspended", "terminated", "transferring"})


def _canonical(d: dict[str, Any]) -> bool:
    """True when a row already holds exactly what :class:`EnrollmentRecord` would make of it."""
    idn, name, ssc, region = d.get("id_number"), d.get("name"), d.get("ssc_number"), d.get("region")
    return (
        isinstance(idn, str)
        and len(idn) == 18
        and idn[:17].isdigit()
        and (idn[17].isdigit() or idn[17] == "X")
        and isinstance(name, str)
        and bool(name)
        and name == name.strip()
        and (ssc is None or (isinstance(ssc, str) and ssc != "" and ssc == normalize_id(ssc)))
        and d.get("insurance_type") in _INSURANCE_TYPES
        and d.get("status") in _STATUSES
        and type(d.get("card_activated")) is bool
        and type(d.get("retired")) is bool
        and isinstance(region, str)
        and bool(region)
        and region == region.strip().lower()
        and isinstance(d.get("chronic_diseases") or "", str)
    )


_RECORD_FIELDS = tuple(EnrollmentRecord.model_fields)


def _construct_fast(d: dict[str, Any]) -> EnrollmentRecord:
    """What ``model_construct`` does for a complete, valid row, without its per-field bookkeeping."""
    obj = object.__new__(EnrollmentRecord)
    object.__setattr__(obj, "__dict__", {k: d[k] for k in _RECORD_FIELDS})
    object.__setattr__(obj, "__pydantic_fields_set__", set(_RECORD_FIELDS))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


def _construct_slow(d: dict[str, Any]) -> EnrollmentRecord:
    return EnrollmentRecord.model_construct(**{k: d[k] for k in _RECORD_FIELDS})


def _pick_construct() -> Any:
    """The fast constructor if it gives exactly what pydantic's own does (checked once, at import)."""
    sample = {
        "id_number": "11010519491231002X",
        "name": "x",
        "ssc_number": None,
        "insurance_type": "employee",
        "status": "active",
        "card_activated": True,
        "region": "r",
        "retired": False,
        "chronic_diseases": ["a"],
    }
    try:
        a, b = _construct_fast(dict(sample)), _construct_slow(dict(sample))
        if a == b and a.model_dump() == b.model_dump() and a.model_fields_set == b.model_fields_set:
            return _construct_fast
    except Exception:  # pragma: no cover - a pydantic with other internals
        pass
    return _construct_slow  # pragma: no cover


_construct = _pick_construct()


def _chunks(items: Sequence[Any], n: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


class EnrollmentStore:
    """Enrollment rows in one table of one database."""

    def __init__(self, engine: Engine, table: str = DEFAULT_TABLE, *, label: str | None = None) -> None:
        self.engine = engine
        self.label = label or engine.url.render_as_string(hide_password=True)
        self._lock = threading.Lock()
        self._metadata = MetaData()
        self.table = _enrollment_table(self._metadata, table)
        self._meta = Table(
            f"{table}_meta",
            self._metadata,
            Column("key", String(64), primary_key=True),
            Column("value", Text, nullable=False),
        )
        try:
            if not inspect(engine).has_table(table):  # an existing table is used as it is
                try:
                    self.table.create(engine, checkfirst=True)
                except SQLAlchemyError:
                    if not inspect(engine).has_table(table):  # not just another process being first
                        raise
            present = {c["name"] for c in inspect(engine).get_columns(table)}
        except SQLAlchemyError as e:
            raise EnrollmentUnavailable(
                f"enrollment database unavailable ({self.label}): {type(e).__name__}"
            ) from None
        missing = [c for c in REQUIRED_COLUMNS if c not in present]
        if missing:
            raise EnrollmentError(f"table {table} in {self.label} lacks column(s): {', '.join(missing)}")
        self.columns = [c for c in COLUMNS if c in present]
        self.has_origin = "origin" in present
        t = self.table
        cols = [t.c[c] for c in self.columns]
        self._select_one = select(*cols).where(t.c.id_number == bindparam("id_number"))
        self._select_many = select(*cols).where(t.c.id_number.in_(bindparam("ids", expanding=True)))
        self._seed_checked = False
        self._dialect = engine.dialect.name
        self._driver = engine.dialect.driver
        # batch lookups on PostgreSQL run outside transactions (no BEGIN/ROLLBACK round trips)
        self._reader = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if self._dialect == "postgresql"
            else engine
        )
        compiled = self._select_one.compile(dialect=engine.dialect)
        self._fast_sql = str(compiled)
        self._positional = engine.dialect.positional
        self._fast_lock = threading.Lock()
        self._raw: Any = None
        self._any_sql: str | None = None
        if self._driver == "psycopg":
            from sqlalchemy.dialects.postgresql import ARRAY

            stmt = select(*cols).where(t.c.id_number == any_(bindparam("ids", type_=ARRAY(String))))
            self._any_sql = str(stmt.compile(dialect=engine.dialect))
        dbapi = engine.dialect.loaded_dbapi
        self._dbapi_error: type[BaseException] = getattr(dbapi, "Error", SQLAlchemyError)

    def __repr__(self) -> str:
        return f"EnrollmentStore({self.label!r}, table={self.table.name!r})"

    # ------------------------------------------------------------------ lookups

    def _record(self, values: Sequence[Any]) -> EnrollmentRecord:
        d = dict(zip(self.columns, values, strict=True))
        for c in ("card_activated", "retired"):  # raw SQLite gives 0/1
            if type(d[c]) is int and d[c] in (0, 1):
                d[c] = bool(d[c])
        if _canonical(d):  # written by this module: skip re-validation (a lookup is ~5x faster)
            d["chronic_diseases"] = [p for p in (d.get("chronic_diseases") or "").split(";") if p]
            d.setdefault("ssc_number", None)
            return _construct(d)
        try:
            return EnrollmentRecord.model_validate(d)
        except ValidationError as e:
            bad = ", ".join(str(err["loc"][0]) for err in e.errors(include_input=False) if err["loc"])
            raise EnrollmentError(
                f"enrollment row for {mask_id(str(values[0]))} in {self.label} is invalid: {bad}"
            ) from None

    # The single lookup runs the compiled SELECT on one DBAPI connection the store keeps (outside the
    # pool, autocommit, a server-side prepared statement on PostgreSQL): 5-10x faster than a pooled
    # SQLAlchemy execution. Any driver error drops that connection and retries through SQLAlchemy.

    def _held(self) -> Any:
        """The lookup connection (call with ``_fast_lock`` held)."""
        raw = self._raw
        if raw is None:
            raw = self.engine.raw_connection()
            if not isinstance(self.engine.pool, StaticPool):
                raw.detach()  # ours alone; closed by close()
            if self._dialect == "postgresql":
                raw.dbapi_connection.autocommit = True  # type: ignore[union-attr]
            self._raw = raw
        return raw

    def _fast_fetch(self, key: str) -> list[Any]:
        with self._fast_lock:
            raw = self._held()
            dc: Any = raw.dbapi_connection
            if self._driver == "psycopg":
                return list(dc.execute(self._fast_sql, self._fast_params(key), prepare=True).fetchall())
            if self._dialect == "sqlite":
                return list(dc.execute(self._fast_sql, self._fast_params(key)).fetchall())
            cur = raw.cursor()
            try:
                cur.execute(self._fast_sql, self._fast_params(key))
                return list(cur.fetchall())
            finally:
                cur.close()

    def _fast_params(self, key: str) -> Any:
        return (key,) if self._positional else {"id_number": key}

    def _drop_fast(self) -> None:
        with self._fast_lock:
            raw, self._raw = self._raw, None
        if raw is not None:
            try:
                if isinstance(self.engine.pool, StaticPool):
                    raw.close()
                else:
                    raw.invalidate()
            except Exception:  # pragma: no cover - best effort
                pass

    def close(self) -> None:
        """Release the lookup connection (the engine stays cached)."""
        with self._fast_lock:
            raw, self._raw = self._raw, None
        if raw is not None:
            raw.close()

    def get(self, id_number: str | None) -> EnrollmentRecord | None:
        """The row of this ID number (normalised: full-width, spaces, ``x``), or None."""
        key = normalize_id(id_number)
        if not key:
            return None
        try:
            rows = self._fast_fetch(key)
        except self._dbapi_error:
            log.warning("enrollment lookup connection to %s failed; reconnecting", self.label)
            self._drop_fast()
            with self._reader.connect() as conn:
                rows = list(conn.execute(self._select_one, {"id_number": key}).fetchall())
        return self._record(rows[0]) if rows else None

    def get_many(self, ids: Iterable[str | None]) -> dict[str, EnrollmentRecord]:
        """Rows of many ID numbers in few queries: ``{normalised id: record}`` for those found."""
        keys = sorted({k for k in (normalize_id(i) for i in ids) if k})
        out: dict[str, EnrollmentRecord] = {}
        if not keys:
            return out
        if self._any_sql is not None:  # PostgreSQL: one prepared "= ANY(array)" per chunk
            try:
                with self._fast_lock:
                    dc: Any = self._held().dbapi_connection
                    for chunk in _chunks(keys, 5000):
                        for row in dc.execute(self._any_sql, {"ids": list(chunk)}, prepare=True).fetchall():
                            rec = self._record(row)
                            out[rec.id_number] = rec
                return out
            except self._dbapi_error:
                log.warning("enrollment lookup connection to %s failed; reconnecting", self.label)
                self._drop_fast()
                out.clear()
        with self._reader.connect() as conn:
            for chunk in _chunks(keys):
                for row in conn.execute(self._select_many, {"ids": list(chunk)}):
                    rec = self._record(row)
                    out[rec.id_number] = rec
        return out

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(self.table)).scalar_one())

    # ------------------------------------------------------------------ writing

    def _upsert(self, conn: Any, rows: list[dict[str, Any]], *, overwrite: bool) -> None:
        t = self.table
        dialect = self.engine.dialect.name
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            ins: Any = sqlite_insert(t)
        elif dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            ins = pg_insert(t)
        else:  # portable fallback: delete, then insert
            if overwrite:
                for chunk in _chunks([r["id_number"] for r in rows]):
                    conn.execute(delete(t).where(t.c.id_number.in_(list(chunk))))
                conn.execute(t.insert(), rows)
            else:
                existing = self._existing(conn, [r["id_number"] for r in rows])
                new = [r for r in rows if r["id_number"] not in existing]
                if new:
                    conn.execute(t.insert(), new)
            return
        if overwrite:
            names = [c for c in rows[0] if c != "id_number"]
            stmt = ins.on_conflict_do_update(
                index_elements=[t.c.id_number], set_={c: ins.excluded[c] for c in names}
            )
        else:
            stmt = ins.on_conflict_do_nothing(index_elements=[t.c.id_number])
        for chunk in _chunks(rows, 2000):
            conn.execute(stmt, list(chunk))

    def _existing(self, conn: Any, ids: list[str]) -> set[str]:
        t = self.table
        out: set[str] = set()
        for chunk in _chunks(ids):
            out.update(conn.execute(select(t.c.id_number).where(t.c.id_number.in_(list(chunk)))).scalars())
        return out

    def import_records(
        self,
        records: list[EnrollmentRecord],
        report: ImportReport,
        *,
        origin: str = "import",
        overwrite: bool = True,
        replace_origin: bool = False,
        meta: dict[str, str] | None = None,
    ) -> ImportReport:
        """Write validated records (and ``meta`` keys) in one transaction (all or nothing)."""
        origin_col = origin if self.has_origin else None
        rows = [r.to_row(origin_col) for r in records]
        for r in rows:  # only the columns the table has
            for c in list(r):
                if c not in self.columns and c != "origin":
                    del r[c]
        try:
            with self._lock, self.engine.begin() as conn:
                if replace_origin and self.has_origin:
                    conn.execute(delete(self.table).where(self.table.c.origin == origin))
                existing = self._existing(conn, [r["id_number"] for r in rows])
                if rows:
                    self._upsert(conn, rows, overwrite=overwrite)
                for k, v in (meta or {}).items():
                    self._meta_set(conn, k, v)
        except SQLAlchemyError as e:
            raise EnrollmentUnavailable(f"import into {self.label} failed: {type(e).__name__}") from None
        report.inserted = len(rows) - len(existing)
        if overwrite:
            report.updated = len(existing)
        else:
            report.skipped = len(existing)
        log.info("enrollment import %s into %s: %s", report.source, self.label, report.summary())
        return report

    def import_csv(self, path: Path | str, *, origin: str = "import") -> ImportReport:
        """Validate every row of an enrollment CSV; if all are good, upsert them in one transaction.

        Bad rows are reported with their line numbers and then nothing at all is written.
        """
        path = Path(path)
        records, report = parse_csv(path)
        if not report.ok:
            log.warning("enrollment import %s rejected: %d bad row(s)", path.name, len(report.errors))
            return report
        return self.import_records(records, report, origin=origin)

    # ------------------------------------------------------------------ seeding (embedded store)

    def _meta_get(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            v = conn.execute(select(self._meta.c.value).where(self._meta.c.key == key)).scalar()
        return None if v is None else str(v)

    def _meta_set(self, conn: Any, key: str, value: str) -> None:
        conn.execute(delete(self._meta).where(self._meta.c.key == key))
        conn.execute(self._meta.insert().values(key=key, value=value))

    def ensure_seeded(self, csv_path: Path | None) -> ImportReport | None:
        """Load the samples' CSV as "seed" rows when it is new or changed since the last seeding.

        Earlier seed rows are replaced; rows imported by a person are never overwritten.
        """
        if self._seed_checked:
            return None
        self._seed_checked = True
        if csv_path is None or not csv_path.is_file():
            return None
        digest = hashlib.sha256(csv_path.read_bytes()).hexdigest()
        records, report = parse_csv(csv_path)
        if not report.ok:
            log.warning(
                "samples enrollment CSV %s not seeded: %d bad row(s), first at line %d",
                csv_path.name,
                len(report.errors),
                report.errors[0].line,
            )
            return report
        for attempt in range(4):  # another process may be seeding the same file right now
            try:
                try:
                    self._meta.create(self.engine, checkfirst=True)
                except SQLAlchemyError:
                    if not inspect(self.engine).has_table(self._meta.name):
                        raise
                if self._meta_get("seed_sha256") == digest:
                    return None
                return self.import_records(
                    records,
                    report,
                    origin="seed",
                    overwrite=False,
                    replace_origin=True,
                    meta={"seed_sha256": digest},
                )
            except (SQLAlchemyError, EnrollmentUnavailable):
                if attempt == 3:
                    raise EnrollmentUnavailable(f"cannot seed {self.label} from {csv_path.name}") from None
                time.sleep(0.25 * (attempt + 1))
        return None  # pragma: no cover


# --------------------------------------------------------------------------- opening stores

_STORES: dict[tuple[Any, ...], EnrollmentStore] = {}
_CACHE_LOCK = threading.RLock()


def normalize_url(url: str) -> tuple[URL, str]:
    """``postgresql://`` → ``postgresql+psycopg://``; the project's ``table`` query key is taken out."""
    try:
        u = database_url(url)
    except ArgumentError:
        raise EnrollmentError("not a database URL") from None
    table = u.query.get("table", DEFAULT_TABLE)
    if isinstance(table, tuple):
        table = table[-1]
    u = u.difference_update_query(["table"])
    return u, str(table)


def _engine_for(url: URL) -> Engine:
    return engine_for(url)


def _store_for_url(url: str) -> EnrollmentStore:
    u, table = normalize_url(url)
    key = ("url", u.render_as_string(hide_password=False), table)
    with _CACHE_LOCK:
        store = _STORES.get(key)
        if store is None:
            try:
                store = EnrollmentStore(_engine_for(u), table)
            except ModuleNotFoundError as e:
                raise EnrollmentError(f"no database driver for {u.drivername}: {e.name}") from None
            _STORES[key] = store
            log.info("enrollment store %s (table %s)", store.label, table)
        return store


def _store_for_csv(path: Path) -> EnrollmentStore:
    try:
        st = path.stat()
    except OSError:
        raise EnrollmentError(f"enrollment source not found: {path}") from None
    key = ("csv", str(path.resolve()), st.st_mtime_ns, st.st_size)
    with _CACHE_LOCK:
        store = _STORES.get(key)
        if store is not None:
            return store
        records, report = parse_csv(path)
        if not report.ok:
            raise EnrollmentError(f"enrollment CSV rejected:\n{report.summary()}")
        engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
        store = EnrollmentStore(engine, label=f"csv:{path.name}")
        store.import_records(records, report, origin="import")
        _STORES[key] = store
        return store


def default_store(settings: Settings) -> EnrollmentStore:
    """The embedded SQLite store under ``settings.home`` (empty until ``intake enrollment import``),
    owner-only. It is never seeded with the sample people: the demo passes
    ``--enrollment samples/enrollment.csv``.
    """
    from pipeline.safety import private_file

    path = private_file(Path(settings.home).expanduser() / "enrollment.sqlite")
    return _store_for_url(f"sqlite:///{path}")


def open_store(source: str | None = None, settings: Settings | None = None) -> EnrollmentStore:
    """The enrollment store for ``--enrollment SOURCE``: a CSV path, a ``sqlite:///…`` or
    ``postgresql://…`` URL, or None for ``settings.enrollment_url`` or else the embedded default.

    Raises :class:`EnrollmentError` (exit code 2) for an unusable source and
    :class:`EnrollmentUnavailable` when the database cannot be reached.
    """
    settings = settings or get_settings()
    if source is None or not str(source).strip():
        source = settings.enrollment_url
    if source is None or not str(source).strip():
        return default_store(settings)
    s = str(source).strip()
    if "://" in s:
        return _store_for_url(s)
    return _store_for_csv(Path(s).expanduser())


def close_all() -> None:
    """Dispose every cached engine (tests, shutdown)."""
    with _CACHE_LOCK:
        for store in _STORES.values():
            store.close()
        _STORES.clear()
        dispose_all()
