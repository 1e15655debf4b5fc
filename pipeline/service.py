"""HTTP service for the online portal: check a case right after a citizen submits it.

The process keeps one warm :class:`~pipeline.runner.CaseRunner` (worker pool with the OCR model
loaded, stores open), so a request pays for OCR, not for start-up. Uploads are written to a private
temporary folder, checked, and removed; nothing is kept but the invoice register's entries.

    intake serve --host 127.0.0.1 --port 8000
    curl -F case=@case.json -F files=@id_front.jpg -F files=@referral.pdf http://127.0.0.1:8000/v1/cases
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, File, Form, HTTPException, UploadFile
from fastapi.concurrency import run_in_threadpool

from pipeline import __version__
from pipeline.config import Settings, get_settings
from pipeline.models import CaseError
from pipeline.runner import RESERVED_FILES, CaseRunner
from pipeline.safety import applicant_view, loads_case_json

_CHUNK = 1 << 20


def _safe_name(name: str | None) -> str:
    base = Path(name or "").name
    if not base or base in (".", "..") or base in RESERVED_FILES or base.startswith("."):
        raise HTTPException(status_code=422, detail=f"unacceptable file name: {name!r}")
    return base


async def _save(upload: UploadFile, dest: Path, limit: int) -> None:
    """Copy an upload to ``dest``; a file over the limit is kept truncated to the limit + 1 byte, so
    the pipeline reports it as over the size limit (a finding, not an error of the request)."""
    written = 0
    with dest.open("wb") as fh:
        while True:
            chunk = await upload.read(_CHUNK)
            if not chunk:
                break
            room = limit + 1 - written
            if room <= 0:
                continue  # drain, keep nothing more
            fh.write(chunk[:room])
            written += min(len(chunk), room)


def create_app(settings: Settings | None = None, enrollment: str | None = None, pool: bool = True) -> FastAPI:
    settings = settings or get_settings()
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state["runner"] = CaseRunner(settings, enrollment=enrollment, pool=pool)
        try:
            yield
        finally:
            state.pop("runner").close()

    app = FastAPI(title="Intake", version=__version__, lifespan=lifespan)

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "engine": settings.ocr_engine}

    @app.post("/v1/cases")
    async def check_case(
        case: Annotated[str, Form(description="case.json as text (contract section 1)")],
        files: Annotated[list[UploadFile] | None, File(description="the materials")] = None,
    ) -> dict[str, Any]:
        try:
            loads_case_json(case.encode("utf-8", "surrogatepass"))
        except json.JSONDecodeError as e:
            raise HTTPException(status_code=422, detail=f"case is not valid JSON: {e.msg}") from None
        except (ValueError, RecursionError) as e:  # nested too deep, duplicate keys
            raise HTTPException(status_code=422, detail=f"case is not acceptable: {e}") from None
        workdir = Path(tempfile.mkdtemp(prefix="intake-req-"))
        try:
            (workdir / "case.json").write_text(case, encoding="utf-8")
            seen: set[str] = set()
            for up in files or []:
                name = _safe_name(up.filename)
                if name in seen:
                    raise HTTPException(status_code=422, detail=f"file uploaded twice: {name}")
                seen.add(name)
                await _save(up, workdir / name, settings.max_file_bytes)
            runner: CaseRunner = state["runner"]
            try:
                report = await run_in_threadpool(runner.run, workdir)
            except CaseError as e:
                raise HTTPException(status_code=422, detail=str(e)) from None
            return applicant_view(report.to_json())  # other people's case ids are for auditors
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    return app
