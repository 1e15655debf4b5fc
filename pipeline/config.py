"""Configuration: environment variables with the prefix ``INTAKE_`` (or a ``.env`` file)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "intake"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", env_file=".env", extra="ignore")

    # where the embedded stores live (enrollment SQLite, invoice register, OCR cache)
    home: Path = Field(default_factory=_default_home)

    # OCR
    ocr_engine: Literal["rapidocr", "paddle"] = "rapidocr"
    paddle_det_model_dir: Path | None = None
    paddle_rec_model_dir: Path | None = None
    paddle_cls_model_dir: Path | None = None
    ocr_max_side: int = 2000  # large photos are downscaled to this before detection
    ocr_cache: bool = True
    ocr_threads: int = 0  # onnxruntime threads per worker; 0 = cores // workers

    # parallelism
    workers: int = 0  # material worker processes; 0 = number of cores, 1 = in-process

    # input limits
    max_file_bytes: int = 60 * 1024 * 1024
    max_pixels: int = 60_000_000
    max_pages: int = 40
    pdf_dpi: int = 200
    min_text_chars: int = 8  # a PDF page with fewer extractable characters is treated as scanned

    # stores
    enrollment_url: str | None = None  # sqlite:///..., postgresql://..., or a CSV path
    register_url: str | None = None  # invoice register; default: SQLite under home
    # hospital catalogue (intake hospitals import); default: the enrollment database
    hospitals_url: str | None = None  # sqlite:///..., postgresql://..., or a CSV path

    # storage for flows
    storage: Literal["local", "s3"] = "local"
    storage_root: Path = Path("cases")
    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str = "minioadmin"
    s3_secret_key: str = "minioadmin"
    s3_bucket: str = "intake"
    s3_prefix: str = "incoming/"
    s3_secure: bool = False
    s3_region: str | None = None
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
    api_callback_attempts: int = 6  # deliveries tried this often before being marked failed
    api_callback_backoff: float = 5.0  # seconds before the 1st retry; doubles each time
    api_callback_timeout: float = 10.0
    api_public_docs: bool = False  # /docs and /openapi.json without a key
    api_keep_uploads: bool = True  # keep a submission's files (owner-only) after its report

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    def effective_workers(self) -> int:
        if self.workers > 0:
            return self.workers
        return max(1, os.cpu_count() or 1)

    def effective_ocr_threads(self, workers: int | None = None) -> int:
        if self.ocr_threads > 0:
            return self.ocr_threads
        w = workers or self.effective_workers()
        return max(1, (os.cpu_count() or 1) // w)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
