"""The portal API v1 (FastAPI): authenticated, asynchronous, typed, durable. See docs/api.md.

Routes::

    GET  /healthz                              no key
    POST /v1/submissions                       scope submit: multipart (case + files) or JSON (storage_key)
    GET  /v1/submissions/{id}[?wait=N]         scope read: status, and the report once done
    GET  /v1/submissions/{id}/report[?wait=N]  scope read: the report alone
    GET  /v1/submissions/{id}/deliveries       scope read: callback delivery log
    GET  /openapi.json                         scope read (no key with INTAKE_API_PUBLIC_DOCS=true)
    GET  /docs                                 only with INTAKE_API_PUBLIC_DOCS=true
"""

import asyncio
import logging
import os
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipeline import __version__
from pipeline.app.api.callbacks import CallbackPolicy, CallbackRefused
from pipeline.app.api.errors import ApiProblem, install_handlers, problem_responses
from pipeline.app.api.middleware import ApiMiddleware, RequestIdFilter
from pipeline.app.api.schemas import (
    DeliveryInfo,
    DeliveryList,
    Health,
    ProblemItem,
    Report,
    StorageSubmission,
    SubmissionStatus,
)
from pipeline.app.api.worker import SubmissionWorker, Waiters
from pipeline.config import Settings, get_settings
from pipeline.models import CaseError, load_case
from pipeline.runner import RESERVED_FILES
from pipeline.safety import applicant_view
from pipeline.stores.cases import (
    CaseStore,
    Client,
    IdempotencyConflict,
    Submission,
    _iso,
    new_id,
    open_cases,
)

log = logging.getLogger("intake.api")
_CHUNK = 1 << 20
_MAX_CASE_JSON = 4 * 1024 * 1024
_FORM_FIELDS = {"case", "files", "callback_url"}

_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="the API key")

_MULTIPART_SCHEMA = {
    "type": "object",
    "required": ["case"],
    "properties": {
        "case": {
            "type": "string",
            "description": "case.json (contract section 1), as a text field or a file part",
        },
        "files": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "description": "the materials, one file part each (field name `files`)",
        },
        "callback_url": {
            "type": "string",
            "description": "http(s) URL to notify when done (a public host, or one the operator allows)",
        },
    },
}


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def _check_callback(policy: CallbackPolicy, url: str | None) -> str | None:
    """The submission's callback URL, if the policy lets it through (422 ``invalid-callback`` if not);
    resolves the host name, so it runs in a worker thread."""
    if url is None or url == "":
        return None
    try:
        return policy.check_registration(url)
    except CallbackRefused as e:
        raise ApiProblem(422, "invalid-callback", f"callback_url {e}") from None


def _safe_name(name: str | None) -> str:
    base = Path((name or "").replace("\\", "/")).name
    if not base or base in (".", "..") or base in RESERVED_FILES or base.startswith(".") or "\0" in base:
        raise ApiProblem(422, "bad-file-name", "unacceptable file name in the upload")
    return base


class Api:
    """State of one app: settings, store, worker, folders."""

    def __init__(self, settings: Settings, runner_factory: Callable[[], Any]) -> None:
        self.settings = settings
        self.runner_factory = runner_factory
        self.callback_policy = CallbackPolicy.parse(settings.api_callback_allow)  # ConfigError at start
        self.store: CaseStore | None = None
        self.worker: SubmissionWorker | None = None
        self.waiters = Waiters()
        base = settings.home / "api"
        self.incoming = base / "incoming"
        self.submissions = base / "submissions"

    def open(self) -> None:
        _private_dir(self.settings.home)
        _private_dir(self.incoming.parent)
        _private_dir(self.incoming)
        _private_dir(self.submissions)
        for stale in self.incoming.iterdir():  # staging folders of requests cut off by a crash
            shutil.rmtree(stale, ignore_errors=True)
        self.store = open_cases(self.settings)
        self.worker = SubmissionWorker(
            self.settings,
            self.store,
            self.runner_factory,
            self.submissions,
            self.waiters,
            callback_policy=self.callback_policy,
        )
        self.worker.start()

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker = None

    def st(self) -> CaseStore:
        if self.store is None:
            raise ApiProblem(503, "starting", "the service is starting", headers={"Retry-After": "2"})
        return self.store


def _status(request: Request, sub: Submission) -> SubmissionStatus:
    base = str(request.base_url).rstrip("/")
    url = f"{base}/v1/submissions/{sub.id}"
    return SubmissionStatus(
        id=sub.id,
        status=sub.status,  # type: ignore[arg-type]
        case_id=sub.case_id,
        source=sub.source,
        created_at=_iso(sub.created_at) or "",
        started_at=_iso(sub.started_at),
        finished_at=_iso(sub.finished_at),
        attempts=sub.attempts,
        decision=sub.decision,  # type: ignore[arg-type]
        error=sub.error,
        status_url=url,
        report_url=url + "/report",
        deliveries_url=url + "/deliveries",
        report=Report.model_validate(applicant_view(sub.report)) if sub.report is not None else None,
    )


def create_app(
    settings: Settings | None = None,
    enrollment: str | None = None,
    pool: bool = True,
    runner_factory: Callable[[], Any] | None = None,
) -> FastAPI:
    settings = settings or get_settings()

    def _default_runner() -> Any:
        if settings.api_executor == "prefect":
            from pipeline.app.api.executors import PrefectExecutor

            return PrefectExecutor(settings)
        from pipeline.app.wiring import build_runner

        return build_runner(settings, enrollment=enrollment, pool=pool)

    api = Api(settings, runner_factory or _default_runner)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        api.waiters.loop = asyncio.get_running_loop()
        await run_in_threadpool(api.open)
        try:
            yield
        finally:
            await run_in_threadpool(api.close)

    app = FastAPI(
        title="Intake portal API",
        version=__version__,
        summary="Checks the materials of medical-insurance filings and flags why a filing would fail.",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.api = api
    app.add_middleware(ApiMiddleware, max_body=settings.api_max_request_bytes)
    install_handlers(app)
    rid_filter = RequestIdFilter()
    for name in ("intake.access", "intake.api", "intake.api.worker"):
        lg = logging.getLogger(name)
        if not any(isinstance(f, RequestIdFilter) for f in lg.filters):
            lg.addFilter(rid_filter)

    # ------------------------------------------------------------------ auth
    def authenticate(
        request: Request,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        x_api_key: Annotated[str | None, Depends(_api_key)],
    ) -> Client:
        key = bearer.credentials if bearer is not None else x_api_key
        challenge = {"WWW-Authenticate": 'Bearer realm="intake"'}
        if not key:
            raise ApiProblem(401, "unauthenticated", "an API key is required", headers=challenge)
        client = api.st().authenticate(key)
        if client is None:
            raise ApiProblem(401, "unauthenticated", "the API key is unknown or revoked", headers=challenge)
        request.state.client_id = client.id
        return client

    def require(scope: str) -> Callable[..., Client]:
        def dep(client: Annotated[Client, Depends(authenticate)]) -> Client:
            if scope not in client.scopes and "admin" not in client.scopes:
                raise ApiProblem(403, "forbidden", f"the API key lacks the scope {scope!r}")
            return client

        return dep

    Submitter = Annotated[Client, Depends(require("submit"))]
    Reader = Annotated[Client, Depends(require("read"))]
    Wait = Annotated[
        float | None,
        Query(ge=0, le=3600, description="seconds to block for the result (capped by the server)"),
    ]

    def _own(client: Client, sid: str) -> Submission:
        sub = api.st().get_submission(sid) if len(sid) <= 64 else None
        if sub is None or (sub.client_id != client.id and "admin" not in client.scopes):
            raise ApiProblem(404, "not-found", "no such submission")
        return sub

    async def _wait(client: Client, sub: Submission, wait: float | None) -> Submission:
        if not wait or sub.status not in ("queued", "running"):
            return sub
        deadline = time.monotonic() + min(wait, settings.api_wait_max)
        ev = api.waiters.register(sub.id)
        try:
            while True:
                sub = await run_in_threadpool(_own, client, sub.id)
                left = deadline - time.monotonic()
                if sub.status not in ("queued", "running") or left <= 0:
                    return sub
                try:  # woken by this process's runner; re-read at least every second otherwise
                    await asyncio.wait_for(ev.wait(), timeout=min(1.0, left))
                except TimeoutError:
                    pass
                ev.clear()
        finally:
            api.waiters.unregister(sub.id, ev)

    # ------------------------------------------------------------------ routes
    @app.get("/healthz", response_model=Health, tags=["service"])
    def healthz() -> Health:
        return Health(status="ok", version=__version__, engine=settings.ocr_engine)

    if settings.api_public_docs:

        @app.get("/openapi.json", include_in_schema=False)
        def openapi_public() -> JSONResponse:
            return JSONResponse(app.openapi())

        @app.get("/docs", include_in_schema=False)
        def docs() -> HTMLResponse:
            return get_swagger_ui_html(openapi_url="/openapi.json", title="Intake portal API")

    else:

        @app.get("/openapi.json", include_in_schema=False)
        def openapi_private(_: Reader) -> JSONResponse:
            return JSONResponse(app.openapi())

    def _accept_sync(
        client: Client,
        staging: Path,
        source: str,
        location: str | None,
        callback_url: str | None,
        idempotency_key: str | None,
    ) -> tuple[Submission, bool]:
        """Validate the staged case, dedupe on the idempotency key, apply back-pressure, record it."""
        store = api.st()
        try:
            case = load_case(staging)
        except CaseError as e:
            raise ApiProblem(422, "invalid-case", str(e), title="Invalid case") from None
        from flows.storage import fingerprint_dir

        body_hash = fingerprint_dir(staging)
        if callback_url:
            import hashlib

            body_hash = hashlib.sha256(f"{body_hash}\n{callback_url}".encode()).hexdigest()
        if idempotency_key is not None:
            earlier = store.find_by_idempotency(client.id, idempotency_key)
            if earlier is not None:
                if earlier.body_hash != body_hash:
                    raise _conflict()
                return earlier, False
        assert api.worker is not None
        mine = store.count_pending(client.id)
        if mine >= settings.api_client_max_pending:
            raise ApiProblem(
                429,
                "too-many-pending",
                f"this client has {mine} submissions pending; wait for some to finish",
                headers={"Retry-After": str(api.worker.retry_after(mine))},
            )
        total = store.count_pending()
        if total >= settings.api_queue_size:
            raise ApiProblem(
                503,
                "queue-full",
                "the queue is full; try again later",
                headers={"Retry-After": str(api.worker.retry_after(total))},
            )
        sid = new_id("sub")
        dest = api.submissions / sid
        os.rename(staging, dest)
        try:
            sub, created = store.create_submission(
                submission_id=sid,
                client_id=client.id,
                body_hash=body_hash,
                location=location or str(dest),
                case_id=case.case_id,
                idempotency_key=idempotency_key,
                source=source,
                callback_url=callback_url,
            )
        except IdempotencyConflict:
            shutil.rmtree(dest, ignore_errors=True)
            raise _conflict() from None
        except BaseException:
            shutil.rmtree(dest, ignore_errors=True)
            raise
        if not created:
            shutil.rmtree(dest, ignore_errors=True)
        else:
            api.worker.notify(sid)
        return sub, created

    def _conflict() -> ApiProblem:
        return ApiProblem(
            409, "idempotency-conflict", "this Idempotency-Key was used with a different request body"
        )

    def _save_upload(up: UploadFile, dest: Path) -> None:
        """Copy an upload; a file over INTAKE_MAX_FILE_BYTES is kept truncated to the limit + 1 byte,
        so the pipeline flags that material (a finding on the material, not an error of the request)."""
        limit = settings.max_file_bytes
        written = 0
        up.file.seek(0)
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            while chunk := up.file.read(_CHUNK):
                room = limit + 1 - written
                if room <= 0:
                    continue
                fh.write(chunk[:room])
                written += min(len(chunk), room)

    def _stage_multipart(staging: Path, case_bytes: bytes, files: list[UploadFile]) -> None:
        fd = os.open(staging / "case.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(case_bytes)
        seen: set[str] = set()
        for up in files:
            name = _safe_name(up.filename)
            if name in seen:
                raise ApiProblem(422, "duplicate-file", f"file uploaded twice: {name}")
            seen.add(name)
            _save_upload(up, staging / name)

    def _stage_storage(staging: Path, key: str) -> str:
        from flows.storage import (
            CaseNotFoundError,
            ChecksumMismatchError,
            InvalidKeyError,
            StorageError,
            TransientStorageError,
            get_storage,
        )

        storage = get_storage(settings)
        try:
            storage.fetch_case(key, staging)
        except InvalidKeyError:
            raise ApiProblem(422, "invalid-storage-key", "storage_key is not a valid case key") from None
        except CaseNotFoundError:
            raise ApiProblem(422, "case-not-in-storage", "no case.json under storage_key") from None
        except ChecksumMismatchError as e:
            raise ApiProblem(422, "checksum-mismatch", str(e)) from None
        except TransientStorageError:
            raise ApiProblem(
                503, "storage-unavailable", "the storage is unavailable", headers={"Retry-After": "5"}
            ) from None
        except StorageError as e:
            raise ApiProblem(422, "storage-error", str(e)) from None
        return f"storage:{key}"

    @app.post(
        "/v1/submissions",
        status_code=202,
        response_model=SubmissionStatus,
        response_model_exclude_unset=True,  # the report exactly as intake check --json prints it
        tags=["submissions"],
        summary="Submit a case (202, then poll or be called back)",
        responses={
            200: {"model": SubmissionStatus, "description": "finished within `wait`, or a replay"},
            **problem_responses(400, 401, 403, 409, 413, 415, 422, 429, 503),
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {"schema": _MULTIPART_SCHEMA},
                    "application/json": {"schema": StorageSubmission.model_json_schema()},
                },
            }
        },
    )
    async def submit(
        request: Request,
        response: Response,
        client: Submitter,
        wait: Wait = None,
        idempotency_key: Annotated[
            str | None,
            Header(alias="Idempotency-Key", min_length=1, max_length=200, description="client-chosen key"),
        ] = None,
    ) -> SubmissionStatus:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        staging = _private_dir(api.incoming / uuid.uuid4().hex)
        form = None
        try:
            if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
                try:
                    form = await request.form(
                        max_files=settings.api_max_files + 1,  # + the case as a file part
                        max_fields=20,
                        max_part_size=_MAX_CASE_JSON,
                    )
                except StarletteHTTPException as e:  # the form parser's refusals: limits are 413
                    detail = str(e.detail)
                    if detail.startswith(
                        ("Too many files", "Too many fields", "Part exceeded", "Field exceeded")
                    ):
                        raise ApiProblem(413, "too-large", detail) from None
                    raise ApiProblem(400, "bad-multipart", detail) from None
                unknown = sorted(set(form.keys()) - _FORM_FIELDS)
                if unknown:
                    raise ApiProblem(
                        422,
                        "unknown-field",
                        f"unknown form field(s): {', '.join(u[:40] for u in unknown[:5])}"
                        " (expected case, files, callback_url)",
                    )
                cases = form.getlist("case")
                if len(cases) != 1:
                    raise ApiProblem(422, "invalid-case", "exactly one `case` part (case.json) is required")
                raw = cases[0]
                if isinstance(raw, UploadFile):
                    case_bytes = await raw.read(_MAX_CASE_JSON + 1)
                    if len(case_bytes) > _MAX_CASE_JSON:
                        raise ApiProblem(413, "too-large", "case.json is over 4 MiB")
                else:
                    case_bytes = raw.encode("utf-8")
                files = form.getlist("files")
                if any(not isinstance(f, UploadFile) for f in files):
                    raise ApiProblem(422, "invalid-files", "`files` parts must be files")
                if len(files) > settings.api_max_files:
                    raise ApiProblem(413, "too-many-files", f"at most {settings.api_max_files} files")
                cb_raw = form.get("callback_url")
                callback = await run_in_threadpool(
                    _check_callback, api.callback_policy, cb_raw if isinstance(cb_raw, str) else None
                )
                uploads = [f for f in files if isinstance(f, UploadFile)]
                await run_in_threadpool(_stage_multipart, staging, case_bytes, uploads)
                location = None
            elif ctype == "application/json" or ctype.endswith("+json"):
                try:
                    ref = StorageSubmission.model_validate_json(await request.body())
                except ValidationError as e:
                    items = [
                        ProblemItem(loc=".".join(str(x) for x in ("body", *err["loc"])), msg=err["msg"])
                        for err in e.errors(include_input=False, include_url=False)
                    ]
                    raise ApiProblem(
                        422,
                        "invalid-request",
                        "; ".join(f"{i.loc}: {i.msg}" for i in items)[:500],
                        title="Invalid request",
                        errors=items,
                    ) from None
                callback = await run_in_threadpool(_check_callback, api.callback_policy, ref.callback_url)
                location = await run_in_threadpool(_stage_storage, staging, ref.storage_key)
            else:
                raise ApiProblem(
                    415,
                    "unsupported-media-type",
                    "send multipart/form-data (case + files) or application/json (storage_key)",
                )
            sub, created = await run_in_threadpool(
                _accept_sync,
                client,
                staging,
                "portal",
                location,
                callback,
                idempotency_key,
            )
        finally:
            if form is not None:
                await form.close()
            shutil.rmtree(staging, ignore_errors=True)
        sub = await _wait(client, sub, wait)
        if not created:
            response.headers["Idempotent-Replayed"] = "true"
        response.headers["Location"] = f"/v1/submissions/{sub.id}"
        if sub.status in ("done", "failed"):
            response.status_code = 200
        return _status(request, sub)

    @app.get(
        "/v1/submissions/{submission_id}",
        response_model=SubmissionStatus,
        response_model_exclude_unset=True,  # the report exactly as intake check --json prints it
        tags=["submissions"],
        summary="A submission's status, and its report once done",
        responses=problem_responses(401, 403, 404, 422),
    )
    async def get_submission(
        request: Request, submission_id: str, client: Reader, wait: Wait = None
    ) -> SubmissionStatus:
        sub = await run_in_threadpool(_own, client, submission_id)
        sub = await _wait(client, sub, wait)
        return _status(request, sub)

    @app.get(
        "/v1/submissions/{submission_id}/report",
        response_model=Report,
        response_model_exclude_unset=True,
        tags=["submissions"],
        summary="The report alone (409 while the submission is not done)",
        responses=problem_responses(401, 403, 404, 409, 422),
    )
    async def get_report(submission_id: str, client: Reader, wait: Wait = None) -> Any:
        sub = await run_in_threadpool(_own, client, submission_id)
        sub = await _wait(client, sub, wait)
        if sub.status == "failed":
            raise ApiProblem(409, "submission-failed", f"the submission failed: {sub.error or 'unknown'}")
        if sub.report is None:
            assert api.worker is not None
            raise ApiProblem(
                409,
                "not-ready",
                f"the submission is {sub.status}",
                headers={"Retry-After": str(api.worker.retry_after(1))},
            )
        return applicant_view(sub.report)

    @app.get(
        "/v1/submissions/{submission_id}/deliveries",
        response_model=DeliveryList,
        tags=["submissions"],
        summary="Callback deliveries of a submission",
        responses=problem_responses(401, 403, 404, 422),
    )
    def get_deliveries(submission_id: str, client: Reader) -> DeliveryList:
        sub = _own(client, submission_id)
        out = [
            DeliveryInfo(
                id=d.id,
                event=d.event,
                url=d.url,
                status=d.status,  # type: ignore[arg-type]
                attempts=d.attempts,
                last_status_code=d.last_status_code,
                last_error=d.last_error,
                created_at=_iso(d.created_at) or "",
                next_attempt_at=_iso(d.next_attempt_at),
                delivered_at=_iso(d.delivered_at),
            )
            for d in api.st().deliveries(sub.id)
        ]
        return DeliveryList(submission_id=sub.id, deliveries=out)

    from pipeline.app.desk import install_desk  # the review desk under /desk (same store)

    install_desk(app, settings, api.st, enrollment=enrollment)
    return app
