"""Configuration: environment variables with the prefix ``INTAKE_`` (or a ``.env`` file)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline.errors import ConfigError


def _default_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "intake"


def read_yaml(text: str) -> Any:
    """YAML text (our rule and spec files) as data: libyaml's parser where PyYAML has it (the same
    data as ``yaml.safe_load``, ten times sooner: every worker process loads the rules)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def usable_cores() -> int:
    """The cores this process may run on (CPU affinity, e.g. ``taskset`` or a container's cpuset),
    not the machine's count."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - platforms without affinity
        return max(1, os.cpu_count() or 1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="INTAKE_", env_file=".env", extra="ignore", populate_by_name=True
    )

    # where the embedded stores live (enrollment SQLite, invoice register, OCR cache)
    home: Path = Field(default_factory=_default_home)

    # OCR
    ocr_engine: Literal["rapidocr", "faster-paddle", "paddle", "recorded"] = "rapidocr"
    ocr_model: Literal["tiny", "small"] = "small"  # faster-paddle's model (both bundled in the wheel)
    ocr_recordings: Path | None = None  # the recorded engine's folder; default: samples/ocr of the tree
    paddle_det_model_dir: Path | None = None
    paddle_rec_model_dir: Path | None = None
    paddle_cls_model_dir: Path | None = None
    ocr_max_side: int = 2000  # large photos are downscaled to this before detection
    # RapidOCR's recognition: each line at its own width, at least this many pixels (48 high), one
    # line per call; 320 = RapidOCR's and PaddleOCR's own padding (every batch padded to 320 at least)
    ocr_rec_min_width: int = Field(default=320, ge=16, le=1280)
    ocr_cache: bool = True
    ocr_cache_days: float = 30.0  # OCR cache entries older than this are neither used nor kept; 0 = keep
    ocr_threads: int = 0  # onnxruntime threads per worker; 0 = cores // workers

    # parallelism
    workers: int = 0  # material worker processes; 0 = number of cores, 1 = in-process

    # input limits
    max_file_bytes: int = 60 * 1024 * 1024
    max_pixels: int = 60_000_000
    max_pages: int = 40
    pdf_dpi: int = 200
    min_text_chars: int = 8  # a PDF page with fewer extractable characters is treated as scanned
    # bounds per material (issue 16): decoded pages are reduced to max_page_pixels; an image whose
    # header announces more than max_decode_bytes of pixels is refused (JPEGs are decoded smaller)
    max_page_pixels: int = 24_000_000
    max_decode_bytes: int = 320 * 1024 * 1024
    # page pixels (issue 18): a material with more pages than this writes its pages' pixels to an
    # owner-only temporary folder and reads them back on demand, holding at most this many (0: every
    # material spills, holding one page); max_spill_bytes bounds what one material may write there
    pixel_cache_pages: int = Field(default=2, ge=0)
    max_spill_bytes: int = 2 * 1024 * 1024 * 1024
    # PDFs: streams inflated and counted before parsing; parse + render in a child process with a
    # memory and a time limit
    pdf_max_stream_bytes: int = 16 * 1024 * 1024
    pdf_max_inflated_bytes: int = 64 * 1024 * 1024
    pdf_max_objects: int = 200_000
    pdf_timeout: float = 20.0  # seconds per PDF
    pdf_max_memory_mb: int = 768
    pdf_isolate: bool = True

    # stores
    enrollment_url: str | None = None  # sqlite:///..., postgresql://..., or a CSV path
    register_url: str | None = None  # invoice register; default: SQLite under home
    # hospital catalogue (intake hospitals import); default: the enrollment database
    hospitals_url: str | None = None  # sqlite:///..., postgresql://..., or a CSV path

    # storage for flows
    storage: Literal["local", "s3"] = "local"
    storage_root: Path = Path("cases")
    # S3 as every S3 user configures it: the standard AWS_* variables, the INTAKE_ names override them.
    # No default credentials (a missing one is a one-line error naming the variables); the endpoint is
    # a URL (http(s)://host:port); unset means AWS S3 itself.
    s3_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "s3_endpoint", "INTAKE_S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"
        ),
    )
    s3_access_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("s3_access_key", "INTAKE_S3_ACCESS_KEY", "AWS_ACCESS_KEY_ID"),
    )
    s3_secret_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("s3_secret_key", "INTAKE_S3_SECRET_KEY", "AWS_SECRET_ACCESS_KEY"),
    )
    s3_session_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("s3_session_token", "INTAKE_S3_SESSION_TOKEN", "AWS_SESSION_TOKEN"),
    )
    s3_bucket: str = "intake"
    s3_prefix: str = "incoming/"
    s3_secure: bool = False  # only for an endpoint given as bare host:port (a URL's scheme decides)
    s3_region: str | None = Field(
        default=None,
        validation_alias=AliasChoices("s3_region", "INTAKE_S3_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"),
    )
    s3_timeout: float = 30.0  # seconds per request

    # case store (API submissions, clients, callback deliveries); default: SQLite under home
    cases_url: str | None = None

    # HTTP API (intake serve)
    api_max_request_bytes: int = 200 * 1024 * 1024  # whole request body; over it: 413
    api_max_files: int = 50  # file parts per submission
    api_queue_size: int = 200  # submissions queued or running, all clients; over it: 503
    api_client_max_pending: int = 100  # submissions queued or running per client; over it: 429
    api_wait_max: float = 60.0  # cap of the ``wait`` parameter, seconds
    api_runners: int = 1  # threads running cases (each uses the shared material worker pool)
    api_lease_seconds: float = 30.0  # a running submission whose server stops renewing this is resumed
    api_max_attempts: int = 3  # a submission that brought its server down this often is marked failed
    # the executor (the Prefect API, the storage) cannot be reached: the submission goes back to the
    # queue after a pause (backoff x 2^n, at most 60 s), this many times before it is marked failed
    api_executor_retries: int = 8
    api_executor_retry_backoff: float = 2.0
    api_callback_attempts: int = 6  # deliveries tried this often before being marked failed
    api_callback_backoff: float = 5.0  # seconds before the 1st retry; doubles each time
    api_callback_timeout: float = 10.0
    # callbacks go to public hosts only; this comma list (host names, *.domain patterns, addresses or
    # CIDR blocks) allows internal ones, e.g. "hooks.corp,*.portal.internal,10.20.0.0/16"
    api_callback_allow: str = ""
    api_public_docs: bool = False  # /docs and /openapi.json without a key
    api_keep_uploads: bool = True  # keep a submission's files (owner-only) after its report
    api_executor: Literal["local", "prefect"] = "local"  # prefect: the process-case flow runs submissions
    api_prefect_deployment: str | None = None  # e.g. process-case/on-demand; unset: the flow in-process
    # a deployment's flow run that no worker starts within this is cancelled, its submission failed
    api_prefect_start_timeout: float = 300.0

    # review desk (served under /desk by intake serve)
    desk_secret: str | None = None  # signs the session cookie; default: a random key in home/desk_secret
    desk_session_idle_minutes: float = 30.0  # a session unused this long ends
    desk_session_max_hours: float = 12.0  # a session ends this long after login whatever happens
    desk_claim_minutes: float = 30.0  # a claim on a case lapses after this
    desk_login_max_failures: int = 5  # failed logins per user name (20x per address) in 15 minutes
    desk_secure_cookie: bool = False  # set the cookie's Secure attribute (behind HTTPS)

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    def effective_workers(self) -> int:
        if self.workers > 0:
            return self.workers
        return usable_cores()

    def effective_ocr_threads(self, workers: int | None = None) -> int:
        if self.ocr_threads > 0:
            return self.ocr_threads
        w = workers or self.effective_workers()
        return max(1, usable_cores() // w)


def settings_error(e: ValidationError) -> ConfigError:
    """A settings validation error as one line naming the variables (never their values)."""
    parts = []
    for item in e.errors():
        loc = ".".join(str(x) for x in item.get("loc", ())) or "?"
        name = loc if loc.isupper() else f"INTAKE_{loc.upper()}"
        parts.append(f"{name}: {item.get('msg', 'invalid')}")
    return ConfigError("bad configuration: " + "; ".join(parts))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as e:
        raise settings_error(e) from None
