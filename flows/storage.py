"""Where cases live for the flows: a local folder (default) or an S3-compatible bucket.

Both backends share one layout, relative to the folder root or the bucket::

    incoming/<date>/<case_id>/case.json          original, never modified by us
    incoming/<date>/<case_id>/<material files>   originals, never modified by us
    incoming/<date>/<case_id>/report.json        the report (contract JSON), written by us
    incoming/<date>/<case_id>/.intake-state.json processing state: input fingerprint, status, decision

A *case key* is the folder / prefix of one case (``incoming/2026-11-25/XJ-2024-000123``).

Integrity: every object we write carries its SHA-256 (S3 object metadata ``x-amz-meta-sha256``; for the
local folder a sidecar under ``<case>/.intake/sha256/``); reads verify it and raise
:class:`ChecksumMismatchError` on a difference. A ``sha256`` given for a material in ``case.json``
(``{"file": ..., "sha256": ...}``) is verified as well. The *input fingerprint* of a case is the SHA-256
over the names and SHA-256 of ``case.json`` and of every other input file; a case whose fingerprint equals
the one in its state marker has been processed already.

Errors are typed: :class:`TransientStorageError` (connection reset, timeout, HTTP 5xx, slow-down: worth a
retry), :class:`CaseNotFoundError`, :class:`ChecksumMismatchError`, :class:`InvalidKeyError`, all
subclasses of :class:`StorageError`. Messages name case keys and file names only.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import tempfile
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any

from pipeline.config import Settings, get_settings
from pipeline.errors import ConfigError, IntakeError, TransientError

CASE_FILE = "case.json"
REPORT_NAME = "report.json"
STATE_NAME = ".intake-state.json"  # the runner ignores dot-files and this name
META_DIR = ".intake"  # local backend: sidecars and temporary files
RESERVED = frozenset({REPORT_NAME, STATE_NAME})
FINGERPRINT_VERSION = "intake-fp-v1"
_CHUNK = 1 << 20


# --------------------------------------------------------------------------- errors


class StorageError(IntakeError):
    """A storage operation failed and retrying will not help."""


class TransientStorageError(StorageError, TransientError):
    """A storage operation failed for a reason that may go away (network, timeout, 5xx): retry."""


class CaseNotFoundError(StorageError):
    """No such case (no ``case.json`` under the key) or no such object."""


class ChecksumMismatchError(StorageError):
    """The bytes read differ from the SHA-256 recorded when they were written."""


class InvalidKeyError(StorageError):
    """A case key or file name that could escape its folder or is otherwise unusable."""


# --------------------------------------------------------------------------- helpers


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def fingerprint_of(pairs: Iterable[tuple[str, str]]) -> str:
    """SHA-256 over ``(relative name, sha256 of its bytes)`` of every input file, order-independent."""
    h = hashlib.sha256(FINGERPRINT_VERSION.encode())
    for name, digest in sorted(pairs):
        h.update(b"\n")
        h.update(name.encode("utf-8", "surrogateescape"))  # a file name need not be UTF-8
        h.update(b"\0")
        h.update(digest.encode("ascii"))
    return h.hexdigest()


def is_input_name(rel: str) -> bool:
    """Whether a path relative to the case folder is an input (not one of our outputs or sidecars)."""
    parts = PurePosixPath(rel).parts
    if not parts or parts[0] == META_DIR:
        return False
    return not (len(parts) == 1 and parts[0] in RESERVED)


def fingerprint_dir(case_dir: Path) -> str:
    """The input fingerprint of a local case folder (same value as :meth:`CaseStorage.input_fingerprint`)."""
    pairs = []
    for p in sorted(case_dir.rglob("*")):
        if p.is_symlink():  # never followed: what a link points to is outside the case (issue 16)
            rel = p.relative_to(case_dir).as_posix()
            if is_input_name(rel):
                pairs.append((rel, sha256_bytes(b"link:" + os.fsencode(os.readlink(p)))))
        elif p.is_file():
            rel = p.relative_to(case_dir).as_posix()
            if is_input_name(rel):
                pairs.append((rel, sha256_file(p)))
    return fingerprint_of(pairs)


def check_key(key: str) -> str:
    """Normalise and validate a case key: relative, ``/``-separated, no ``.``/``..``/empty segments."""
    if not isinstance(key, str):
        raise InvalidKeyError("case key must be a string")
    k = key.strip().strip("/")
    if not k or "\\" in k or "\0" in k or key.startswith("/"):
        raise InvalidKeyError(f"invalid case key: {key!r}")
    for seg in k.split("/"):
        if seg in ("", ".", "..") or seg == META_DIR:
            raise InvalidKeyError(f"invalid case key: {key!r}")
    return k


def _check_rel(rel: str) -> str:
    parts = PurePosixPath(rel).parts
    if not parts or rel.startswith("/") or "\\" in rel or any(p in ("", ".", "..") for p in parts):
        raise InvalidKeyError(f"invalid file name in case: {rel!r}")
    return rel


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, indent=2).encode("utf-8")


class _HashingWriter:
    """Writes to a file while hashing what passes through."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.h = hashlib.sha256()

    def write(self, chunk: bytes) -> None:
        self.h.update(chunk)
        self.fh.write(chunk)


# --------------------------------------------------------------------------- the interface


class CaseStorage(ABC):
    """Cases under keys; originals read-only; report and state written beside them."""

    # --- backend primitives (names are full object names relative to the root / bucket)

    @abstractmethod
    def _iter_names(self, prefix: str) -> Iterator[str]:
        """Every object name starting with ``prefix`` (recursive)."""

    @abstractmethod
    def _read_into(self, key: str, rel: str, out: _HashingWriter) -> str | None:
        """Stream file ``rel`` of case ``key`` into ``out``; return the SHA-256 recorded at write time,
        if any. Raise :class:`CaseNotFoundError` when absent."""

    @abstractmethod
    def _write(self, key: str, rel: str, data: bytes, digest: str, content_type: str) -> None:
        """Store bytes with their SHA-256 recorded beside them (atomically replacing an older version)."""

    @abstractmethod
    def _input_digest(self, key: str, rel: str) -> str:
        """SHA-256 of an input file, as cheaply as the backend allows."""

    def describe(self) -> str:
        return type(self).__name__

    # --- reading

    def _read_bytes(self, key: str, rel: str) -> bytes:
        buf = io.BytesIO()
        w = _HashingWriter(buf)
        stored = self._read_into(key, rel, w)
        if stored is not None and stored != w.h.hexdigest():
            raise ChecksumMismatchError(f"checksum mismatch reading {key}/{rel}")
        return buf.getvalue()

    def _read_json_or_none(self, key: str, rel: str) -> dict[str, Any] | None:
        name = f"{key}/{rel}"
        try:
            data = self._read_bytes(key, rel)
        except CaseNotFoundError:
            return None
        try:
            obj = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise StorageError(f"{name} is not valid JSON") from None
        if not isinstance(obj, dict):
            raise StorageError(f"{name} does not hold a JSON object")
        return obj

    # --- public interface

    def list_cases(self, prefix: str = "") -> list[str]:
        """Keys of every case (a folder holding ``case.json``) whose ``case.json`` name starts with prefix."""
        prefix = prefix.lstrip("/")
        suffix = "/" + CASE_FILE
        keys = set()
        for name in self._iter_names(prefix):
            if name.endswith(suffix):
                key = name[: -len(suffix)]
                with contextlib.suppress(InvalidKeyError):
                    keys.add(check_key(key))
        return sorted(keys)

    def input_files(self, key: str) -> list[str]:
        """Names (relative to the case) of ``case.json`` and every other input file."""
        key = check_key(key)
        base = key + "/"
        rels = sorted(
            rel for rel in (n[len(base) :] for n in self._iter_names(base) if n.startswith(base)) if rel
        )
        files = [r for r in rels if is_input_name(r)]
        if CASE_FILE not in files:
            raise CaseNotFoundError(f"no case.json under {key}")
        return files

    def input_fingerprint(self, key: str) -> str:
        key = check_key(key)
        return fingerprint_of((rel, self._input_digest(key, rel)) for rel in self.input_files(key))

    def fetch_case(self, key: str, dest_dir: Path) -> Path:
        """Copy the case's inputs into ``dest_dir`` (created), verifying checksums; return ``dest_dir``."""
        key = check_key(key)
        dest_dir = Path(dest_dir)
        dest_dir.mkdir(parents=True, exist_ok=True)
        root = dest_dir.resolve()
        got: dict[str, str] = {}
        for rel in self.input_files(key):
            _check_rel(rel)
            target = (dest_dir / rel).resolve()
            if root not in target.parents:
                raise InvalidKeyError(f"invalid file name in case {key}: {rel!r}")
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as fh:
                w = _HashingWriter(fh)
                stored = self._read_into(key, rel, w)
            got[rel] = w.h.hexdigest()
            if stored is not None and stored != got[rel]:
                target.unlink(missing_ok=True)
                raise ChecksumMismatchError(f"checksum mismatch reading {key}/{rel}")
        self._verify_declared(key, dest_dir, got)
        return dest_dir

    @staticmethod
    def _verify_declared(key: str, case_dir: Path, got: dict[str, str]) -> None:
        """Check any ``sha256`` the portal declared for a material in case.json; refuse reserved names."""
        try:
            raw = json.loads((case_dir / CASE_FILE).read_bytes().decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return  # the pipeline reports an unusable case.json itself
        mats = raw.get("materials") if isinstance(raw, dict) else None
        for m in mats if isinstance(mats, list) else []:
            if not isinstance(m, dict) or not isinstance(m.get("file"), str):
                continue
            name = m["file"]
            if name in RESERVED:
                raise StorageError(f"case {key}: material name {name!r} is reserved for intake's own output")
            declared = m.get("sha256")
            if isinstance(declared, str) and name in got and declared.lower() != got[name]:
                raise ChecksumMismatchError(f"checksum mismatch: {key}/{name} differs from case.json sha256")

    def read_report(self, key: str) -> dict[str, Any] | None:
        return self._read_json_or_none(check_key(key), REPORT_NAME)

    def write_report(self, key: str, report: dict[str, Any]) -> str:
        """Write the report beside the case; return its SHA-256."""
        data = _dumps(report)
        digest = sha256_bytes(data)
        self._write(check_key(key), REPORT_NAME, data, digest, "application/json")
        return digest

    def read_state(self, key: str) -> dict[str, Any] | None:
        return self._read_json_or_none(check_key(key), STATE_NAME)

    def write_state(self, key: str, state: dict[str, Any]) -> None:
        data = _dumps(state)
        self._write(check_key(key), STATE_NAME, data, sha256_bytes(data), "application/json")

    def put_case(self, key: str, src_dir: Path) -> list[str]:
        """Upload a local case folder as originals under ``key`` (the portal's side; tests, demos)."""
        key = check_key(key)
        src_dir = Path(src_dir)
        if not (src_dir / CASE_FILE).is_file():
            raise CaseNotFoundError(f"no case.json in {src_dir}")
        names = []
        for p in sorted(src_dir.rglob("*")):
            if not p.is_file():
                continue
            rel = p.relative_to(src_dir).as_posix()
            if not is_input_name(rel):
                continue
            data = p.read_bytes()
            self._write(key, _check_rel(rel), data, sha256_bytes(data), "application/octet-stream")
            names.append(rel)
        return names


# --------------------------------------------------------------------------- local folder

_TRANSIENT_ERRNOS = frozenset(
    {
        errno.EIO,
        errno.EAGAIN,
        errno.EBUSY,
        errno.ETIMEDOUT,
        errno.ESTALE,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.ECONNREFUSED,
        errno.ENETDOWN,
        errno.ENETUNREACH,
        errno.EHOSTUNREACH,
        errno.EINTR,
    }
)


class LocalStorage(CaseStorage):
    """Cases in a folder tree (``settings.storage_root``). Sidecar checksums under ``<case>/.intake/``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def describe(self) -> str:
        return f"local folder {self.root}"

    @contextlib.contextmanager
    def _errors(self, name: str) -> Iterator[None]:
        try:
            yield
        except FileNotFoundError:
            raise CaseNotFoundError(f"not found: {name}") from None
        except StorageError:
            raise
        except OSError as e:
            cls = TransientStorageError if e.errno in _TRANSIENT_ERRNOS else StorageError
            raise cls(f"{os.strerror(e.errno) if e.errno else type(e).__name__} on {name}") from None

    def _path(self, key: str, rel: str) -> Path:
        return self.root / PurePosixPath(key) / PurePosixPath(rel)

    def _sidecar(self, key: str, rel: str) -> Path:
        return self.root / PurePosixPath(key) / META_DIR / "sha256" / PurePosixPath(rel)

    def _iter_names(self, prefix: str) -> Iterator[str]:
        head = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        base = self.root / head if head else self.root
        if not base.is_dir():
            return
        with self._errors(prefix or "."):
            for dirpath, dirnames, filenames in os.walk(base):
                dirnames[:] = sorted(d for d in dirnames if d != META_DIR)
                rel_dir = Path(dirpath).relative_to(self.root).as_posix()
                for fn in sorted(filenames):
                    name = fn if rel_dir == "." else f"{rel_dir}/{fn}"
                    if name.startswith(prefix):
                        yield name

    def _read_sidecar(self, key: str, rel: str) -> str | None:
        with self._errors(f"{key}/{rel}"):
            try:
                return self._sidecar(key, rel).read_text("ascii").strip().lower() or None
            except FileNotFoundError:
                return None

    def _read_into(self, key: str, rel: str, out: _HashingWriter) -> str | None:
        path = self._path(key, rel)
        stored = self._read_sidecar(key, rel)
        with self._errors(f"{key}/{rel}"), path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                out.write(chunk)
        if stored is not None and stored != out.h.hexdigest():
            # a rewrite replaces the sidecar first, then the file: a reader caught in between retries
            again = self._read_sidecar(key, rel)
            if again is not None and again != stored:
                raise TransientStorageError(f"{key}/{rel} changed while being read")
        return stored

    def _atomic_write(self, path: Path, data: bytes, tmp_dir: Path) -> None:
        tmp_dir.mkdir(parents=True, exist_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = tmp_dir / f"{uuid.uuid4().hex}.tmp"
        try:
            with tmp.open("wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def _write(self, key: str, rel: str, data: bytes, digest: str, content_type: str) -> None:
        tmp_dir = self.root / PurePosixPath(key) / META_DIR / "tmp"
        with self._errors(f"{key}/{rel}"):
            self._atomic_write(self._sidecar(key, rel), digest.encode("ascii"), tmp_dir)
            self._atomic_write(self._path(key, rel), data, tmp_dir)

    def _input_digest(self, key: str, rel: str) -> str:
        with self._errors(f"{key}/{rel}"):
            return sha256_file(self._path(key, rel))  # local bytes are cheap: always hash them


# --------------------------------------------------------------------------- S3 / MinIO

AWS_S3_HOST = "s3.amazonaws.com"


def _secret(value: Any) -> str:
    """The plain value of a secret setting (a ``SecretStr``, or a str given programmatically)."""
    if value is None:
        return ""
    get = getattr(value, "get_secret_value", None)
    return str(get() if get else value)


def parse_endpoint(endpoint: str | None, secure: bool = False) -> tuple[str, bool]:
    """``http(s)://host[:port][/]`` (as ``AWS_ENDPOINT_URL_S3``) or a bare ``host[:port]`` (then
    ``secure`` decides) -> ``(host[:port], secure)``; ``None``/empty -> AWS S3 over HTTPS.
    :class:`ConfigError` (one line naming the setting) for anything else."""
    from urllib.parse import urlsplit

    if endpoint is None or not endpoint.strip():
        return AWS_S3_HOST, True
    raw = endpoint.strip()
    hint = "S3 endpoint must be a URL like http://127.0.0.1:9000 (AWS_ENDPOINT_URL_S3 or INTAKE_S3_ENDPOINT)"
    if "://" in raw:
        try:
            u = urlsplit(raw)
            port = u.port  # raises ValueError on a bad port
        except ValueError:
            raise ConfigError(f"{hint}; got a malformed URL") from None
        if u.scheme not in ("http", "https"):
            raise ConfigError(f"{hint}; got scheme {u.scheme!r}")
        if not u.hostname or u.path not in ("", "/") or u.query or u.fragment or u.username:
            raise ConfigError(f"{hint}; got {raw!r}")
        host = u.hostname if ":" not in u.hostname else f"[{u.hostname}]"
        return (f"{host}:{port}" if port else host), u.scheme == "https"
    try:
        u = urlsplit("//" + raw)
        port = u.port
    except ValueError:
        raise ConfigError(f"{hint}; got {raw!r}") from None
    if not u.hostname or u.path or u.query or u.fragment or u.username or any(c.isspace() for c in raw):
        raise ConfigError(f"{hint}; got {raw!r}")
    return raw, secure


_TRANSIENT_S3_CODES = frozenset(
    {
        "InternalError",
        "ServiceUnavailable",
        "SlowDown",
        "RequestTimeout",
        "RequestTimeTooSkewed",
        "OperationAborted",
        "ServerBusy",
    }
)
_NOT_FOUND_S3_CODES = frozenset({"NoSuchKey", "NoSuchObject", "NoSuchBucket", "ResourceNotFound"})


class S3Storage(CaseStorage):
    """Cases in an S3-compatible bucket through the ``minio`` client (keyword arguments throughout)."""

    def __init__(
        self,
        *,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool = False,
        region: str | None = None,
        timeout: float = 30.0,
        retries: int = 2,
        session_token: str | None = None,
    ) -> None:
        import urllib3
        from minio import Minio

        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=min(timeout, 10.0), read=timeout),
            maxsize=16,
            retries=urllib3.Retry(
                total=retries,
                backoff_factor=0.2,
                status_forcelist=[500, 502, 503, 504],
                raise_on_status=False,
            ),
        )
        endpoint, secure = parse_endpoint(endpoint, secure)
        self.endpoint = endpoint
        self.secure = secure
        self.bucket = bucket
        self.client = Minio(
            endpoint=endpoint,
            access_key=access_key,
            secret_key=secret_key,
            session_token=session_token,
            secure=secure,
            region=region,
            http_client=http,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        """From the settings (``AWS_*`` or ``INTAKE_S3_*``); :class:`ConfigError` when credentials are
        missing or the endpoint is not a usable URL."""
        access, secret = _secret(settings.s3_access_key), _secret(settings.s3_secret_key)
        missing = [
            name
            for name, value in (
                ("AWS_ACCESS_KEY_ID (or INTAKE_S3_ACCESS_KEY)", access),
                ("AWS_SECRET_ACCESS_KEY (or INTAKE_S3_SECRET_KEY)", secret),
            )
            if not value
        ]
        if missing:
            raise ConfigError("S3 storage needs credentials: set " + " and ".join(missing))
        host, secure = parse_endpoint(settings.s3_endpoint, settings.s3_secure)
        return cls(
            endpoint=host,
            access_key=access,
            secret_key=secret,
            session_token=_secret(getattr(settings, "s3_session_token", None)) or None,
            bucket=settings.s3_bucket,
            secure=secure,
            region=settings.s3_region or None,
            timeout=float(settings.s3_timeout or 30.0),
        )

    def describe(self) -> str:
        scheme = "https" if self.secure else "http"
        return f"s3 bucket {self.bucket} at {scheme}://{self.endpoint}"

    @contextlib.contextmanager
    def _errors(self, name: str) -> Iterator[None]:
        import urllib3.exceptions
        from minio.error import InvalidResponseError, S3Error, ServerError

        try:
            yield
        except StorageError:
            raise
        except S3Error as e:
            status = getattr(e.response, "status", 0) or 0
            if e.code in _NOT_FOUND_S3_CODES:
                raise CaseNotFoundError(f"not found: {name} ({e.code})") from None
            if e.code in _TRANSIENT_S3_CODES or status >= 500:
                raise TransientStorageError(f"S3 {e.code} on {name}") from None
            raise StorageError(f"S3 {e.code} on {name}") from None
        except ServerError as e:
            cls = TransientStorageError if e.status_code >= 500 else StorageError
            raise cls(f"S3 server error {e.status_code} on {name}") from None
        except InvalidResponseError as e:
            code = getattr(e, "_code", 0) or 0
            if code == 404:
                raise CaseNotFoundError(f"not found: {name}") from None
            cls = TransientStorageError if code >= 500 or code == 429 else StorageError
            raise cls(f"S3 invalid response {code} on {name}") from None
        except (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError) as e:
            raise TransientStorageError(f"S3 connection problem on {name}: {type(e).__name__}") from None
        except OSError as e:
            raise TransientStorageError(f"S3 I/O problem on {name}: {type(e).__name__}") from None
        except ValueError as e:  # the client refuses a bucket or object name
            raise StorageError(f"S3 request refused for {name}: {e}") from None

    def ensure_bucket(self) -> None:
        with self._errors(self.bucket):
            if not self.client.bucket_exists(bucket_name=self.bucket):
                self.client.make_bucket(bucket_name=self.bucket)

    def _iter_names(self, prefix: str) -> Iterator[str]:
        with self._errors(prefix or self.bucket):
            objs = list(
                self.client.list_objects(bucket_name=self.bucket, prefix=prefix or None, recursive=True)
            )
        for o in objs:
            if o.object_name and not o.is_dir:
                yield o.object_name

    def _read_into(self, key: str, rel: str, out: _HashingWriter) -> str | None:
        name = f"{key}/{rel}"
        with self._errors(name):
            resp = self.client.get_object(bucket_name=self.bucket, object_name=name)
            try:
                stored = resp.headers.get("x-amz-meta-sha256")
                for chunk in resp.stream(_CHUNK):
                    out.write(chunk)
            finally:
                resp.close()
                resp.release_conn()
        return stored.strip().lower() if stored else None

    def _write(self, key: str, rel: str, data: bytes, digest: str, content_type: str) -> None:
        name = f"{key}/{rel}"
        with self._errors(name):
            self.client.put_object(
                bucket_name=self.bucket,
                object_name=name,
                data=io.BytesIO(data),
                length=len(data),
                content_type=content_type,
                metadata={"sha256": digest},
            )

    def _input_digest(self, key: str, rel: str) -> str:
        name = f"{key}/{rel}"
        with self._errors(name):
            st = self.client.stat_object(bucket_name=self.bucket, object_name=name)
        meta = st.metadata or {}
        stored = meta.get("x-amz-meta-sha256") or meta.get("X-Amz-Meta-Sha256")
        if stored:
            return str(stored).strip().lower()
        # uploaded without our metadata: hash the bytes
        with tempfile.TemporaryFile() as fh:
            w = _HashingWriter(fh)
            self._read_into(key, rel, w)
            return w.h.hexdigest()


# --------------------------------------------------------------------------- factory


def check_access(storage: CaseStorage) -> list[tuple[str, bool, str]]:
    """What ``intake storage check`` verifies, step by step: ``(step, ok, detail)``; stops at the first
    failure. S3: the service answers with these credentials, the bucket exists, an object can be
    written, read back (checksum) and deleted. Local: the folder exists and is writable."""
    steps: list[tuple[str, bool, str]] = []
    probe = f".intake-probe-{uuid.uuid4().hex}"
    if isinstance(storage, S3Storage):
        from minio.error import S3Error

        c, b = storage.client, storage.bucket
        try:
            c.list_buckets()
            steps.append(("credentials", True, f"{storage.describe()} accepts them"))
        except S3Error as e:
            if e.code in ("AccessDenied", "AllAccessDisabled"):  # scoped keys may not list buckets
                steps.append(("credentials", True, "accepted (listing buckets is not allowed)"))
            else:
                return [*steps, ("credentials", False, f"S3 {e.code}")]
        except Exception as e:
            what = "cannot connect" if "MaxRetry" in type(e).__name__ else type(e).__name__
            return [*steps, ("endpoint", False, f"{storage.describe()}: {what}")]
        try:
            with storage._errors(b):
                exists = c.bucket_exists(bucket_name=b)
        except StorageError as e:
            return [*steps, ("bucket", False, str(e))]
        if not exists:
            return [
                *steps,
                ("bucket", False, f"bucket {b} does not exist (create it, or set INTAKE_S3_BUCKET)"),
            ]
        steps.append(("bucket", True, f"bucket {b} exists"))
        data = b"intake storage check\n"
        try:
            with storage._errors(probe):
                c.put_object(bucket_name=b, object_name=probe, data=io.BytesIO(data), length=len(data))
                resp = c.get_object(bucket_name=b, object_name=probe)
                try:
                    back = resp.read()
                finally:
                    resp.close()
                    resp.release_conn()
                c.remove_object(bucket_name=b, object_name=probe)
        except StorageError as e:
            return [*steps, ("write", False, str(e))]
        if back != data:
            return [*steps, ("write", False, "the object read back differs from the one written")]
        steps.append(("write", True, "an object was written, read back and deleted"))
        return steps
    if isinstance(storage, LocalStorage):
        root = storage.root
        if not root.is_dir():
            return [("folder", False, f"{root} is not a folder (set INTAKE_STORAGE_ROOT)")]
        steps.append(("folder", True, f"{root} exists"))
        try:
            (root / probe).write_bytes(b"x")
            (root / probe).unlink()
        except OSError as e:
            return [*steps, ("write", False, f"{root}: {os.strerror(e.errno) if e.errno else e}")]
        steps.append(("write", True, f"{root} is writable"))
        return steps
    return [("storage", True, storage.describe())]


def get_storage(settings: Settings | None = None) -> CaseStorage:
    """The storage the settings name (``INTAKE_STORAGE=local|s3``)."""
    s = settings or get_settings()
    if s.storage == "s3":
        return S3Storage.from_settings(s)
    return LocalStorage(s.storage_root)
