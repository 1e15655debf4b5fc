"""RFC 9457 problem details: one shape for every error, never a traceback, never the input echoed."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipeline.app.api.schemas import Problem, ProblemItem

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("intake.api")


class ApiProblem(Exception):
    """Raise anywhere in a request to answer with a problem."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str | None = None,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        errors: list[ProblemItem] | None = None,
    ) -> None:
        super().__init__(detail or slug)
        self.status = status
        self.slug = slug
        self.detail = detail
        self.title = title
        self.headers = headers or {}
        self.errors = errors


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_response(
    request: Request | None,
    status: int,
    slug: str | None,
    detail: str | None,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    errors: list[ProblemItem] | None = None,
) -> JSONResponse:
    rid = None
    instance = None
    if request is not None:
        rid = getattr(request.state, "request_id", None)
        instance = request.url.path
    body = Problem(
        type=f"urn:intake:problem:{slug}" if slug else "about:blank",
        title=title or _phrase(status),
        status=status,
        detail=detail,
        instance=instance,
        request_id=rid,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _loc(loc: Any) -> str:
    return ".".join(str(x) for x in loc) or "request"


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(
            request,
            exc.status,
            exc.slug,
            exc.detail,
            title=exc.title,
            headers=exc.headers,
            errors=exc.errors,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        # location and message only: the input may be personal data
        items = [
            ProblemItem(loc=_loc(e.get("loc", ())), msg=str(e.get("msg", "invalid"))) for e in exc.errors()
        ]
        return problem_response(
            request,
            422,
            "invalid-request",
            "; ".join(f"{i.loc}: {i.msg}" for i in items)[:500] or "invalid request",
            title="Invalid request",
            errors=items,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail: str | None = exc.detail if isinstance(exc.detail, str) else None
        if detail == _phrase(exc.status_code):
            detail = None
        slug = {404: "not-found", 405: "method-not-allowed", 400: "bad-request"}.get(exc.status_code)
        return problem_response(request, exc.status_code, slug, detail, headers=dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc)
        return problem_response(
            request, 500, "internal", "internal error; the request id names it in the log"
        )


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the listed error statuses, all with the Problem model."""
    out: dict[int | str, dict[str, Any]] = {}
    for c in codes:
        out[c] = {
            "model": Problem,
            "description": _phrase(c),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return out
