"""ASGI middleware: request id, access log, request size limit.

* ``X-Request-ID``: taken from the request when it is a plain token (letters, digits, ``._-``, at
  most 128), generated otherwise; echoed on the response, put on every log record of the request
  (:class:`RequestIdFilter`) and into problem bodies.
* One access-log line per request on the ``intake.access`` logger: method, path (no query string),
  status, milliseconds, bytes received, client id, request id. No personal data: paths hold only
  submission ids.
* Size: a ``Content-Length`` over the limit is refused at once (413); the body is counted while it
  streams in, and a request that goes over the limit is cut off with a 413 as well.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline.app.api.schemas import Problem

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("intake_request_id", default="-")
access_log = logging.getLogger("intake.access")
_RID_OK = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class BodyTooLarge(Exception):
    pass


def _problem_bytes(status: int, title: str, slug: str, detail: str, path: str, rid: str) -> bytes:
    p = Problem(
        type=f"urn:intake:problem:{slug}",
        title=title,
        status=status,
        detail=detail,
        instance=path,
        request_id=rid,
    )
    return json.dumps(p.model_dump(mode="json", exclude_none=True)).encode()


class ApiMiddleware:
    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        rid = headers.get("x-request-id", "")
        if not _RID_OK.match(rid):
            rid = secrets.token_hex(16)
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        token = request_id_var.set(rid)
        status = {"code": 0, "started": False}
        received = {"n": 0}
        path = scope.get("path", "")

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                status["started"] = True
                hs = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                hs.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": hs}
            await send(message)

        async def receive_wrapper() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                received["n"] += len(message.get("body", b""))
                if received["n"] > self.max_body:
                    raise BodyTooLarge()
            return message

        async def refuse(detail: str) -> None:
            body = _problem_bytes(413, "Content too large", "too-large", detail, path, rid)
            await send_wrapper(
                {
                    "type": "http.response.start",
                    "status": 413,
                    "headers": [
                        (b"content-type", b"application/problem+json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})

        try:
            length = headers.get("content-length")
            if length is not None and length.isdigit() and int(length) > self.max_body:
                await refuse(f"the request body is over the limit of {self.max_body} bytes")
                return
            try:
                await self.app(scope, receive_wrapper, send_wrapper)
            except BodyTooLarge:
                if status["started"]:
                    raise
                await refuse(f"the request body is over the limit of {self.max_body} bytes")
        finally:
            route = scope.get("route")
            shown = getattr(route, "path", None) or path
            access_log.info(
                "%s %s %s %.1fms in=%d client=%s",
                scope.get("method", "-"),
                shown if len(shown) < 300 else shown[:300] + "…",
                status["code"] or 500,
                (time.perf_counter() - t0) * 1000,
                received["n"],
                state.get("client_id", "-"),
                extra={"request_id": rid},
            )
            request_id_var.reset(token)


def scope_state(scope: Scope) -> dict[str, Any]:
    return scope.setdefault("state", {})  # type: ignore[no-any-return]
