"""Routes of the review desk (see the package docstring)."""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape

from pipeline.app.desk import views
from pipeline.app.desk.previews import PreviewError, preview_path
from pipeline.config import Settings
from pipeline.pii import mask_id
from pipeline.stores.cases import CaseStore, utcnow
from pipeline.stores.desk import (
    ACTIONS,
    VERDICTS,
    DeskError,
    DeskStore,
    QueueFilter,
    User,
)

log = logging.getLogger("intake.desk")
HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
COOKIE = "intake_desk"
LOGIN_COOKIE = "intake_desk_login"
PAGE_SIZE = 100
_STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}

ACTION_LABELS = {"approve": "通过", "return": "退回", "more_material": "补充材料", "escalate": "上报组长"}
STATE_LABELS = {
    "open": "待审",
    "escalated": "已上报",
    "approved": "已通过",
    "returned": "已退回",
    "more_material": "待补材料",
}


class LoginRequired(Exception):
    pass


@dataclass
class Ctx:
    user: User
    csrf: str
    token: str


def _secret(settings: Settings) -> str:
    if settings.desk_secret:
        return settings.desk_secret
    path = settings.home / "desk_secret"
    if not path.is_file():
        settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600) if not path.exists() else None
        if fd is not None:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


class Desk:
    def __init__(
        self, settings: Settings, get_store: Callable[[], CaseStore], enrollment: str | None
    ) -> None:
        self.settings = settings
        self.get_store = get_store
        self.enrollment_source = enrollment
        self._desk: DeskStore | None = None
        self._lookup: Any = None
        self._lookup_tried = False
        self._signer: URLSafeSerializer | None = None
        self.router: APIRouter | None = None
        self.env = Environment(
            loader=FileSystemLoader(str(HERE / "templates")),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
        self.env.filters["mask_id"] = mask_id
        self.env.filters["ts"] = lambda d: d.strftime("%Y-%m-%d %H:%M") if d else ""
        self.env.globals.update(ACTION_LABELS=ACTION_LABELS, STATE_LABELS=STATE_LABELS)
        self.css = (STATIC / "desk.css").read_text(encoding="utf-8")

    @property
    def store(self) -> DeskStore:
        if self._desk is None:
            self._desk = DeskStore(self.get_store())
        return self._desk

    @property
    def signer(self) -> URLSafeSerializer:
        if self._signer is None:
            self._signer = URLSafeSerializer(_secret(self.settings), salt="intake-desk")
        return self._signer

    def lookup(self) -> Any:
        if not self._lookup_tried:
            self._lookup_tried = True
            try:
                from pipeline.stores.enrollment import open_store

                self._lookup = open_store(self.enrollment_source, self.settings)
            except Exception as e:
                log.warning("enrollment reference unavailable on the desk: %s", type(e).__name__)
        return self._lookup

    def render(self, name: str, status: int = 200, **kw: Any) -> HTMLResponse:
        html = self.env.get_template(name).render(css=self.css, **kw)
        resp = HTMLResponse(html, status_code=status)
        resp.headers["Cache-Control"] = "no-store"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'"
        )
        resp.headers["Referrer-Policy"] = "same-origin"
        return resp

    # ------------------------------------------------------------------ sessions
    def session(self, request: Request) -> Ctx:
        raw = request.cookies.get(COOKIE)
        if not raw:
            raise LoginRequired()
        try:
            token = self.signer.loads(raw)
        except BadSignature:
            raise LoginRequired() from None
        if not isinstance(token, str):
            raise LoginRequired()
        got = self.store.resume_session(
            token,
            idle=timedelta(minutes=self.settings.desk_session_idle_minutes),
            absolute=timedelta(hours=self.settings.desk_session_max_hours),
        )
        if got is None:
            raise LoginRequired()
        return Ctx(user=got[0], csrf=got[1], token=token)

    async def form(self, request: Request, ctx: Ctx) -> dict[str, str]:
        """The POSTed form, after the CSRF check (a refusal is a 403 page)."""
        form = await request.form()
        data = {k: v for k, v in form.items() if isinstance(v, str)}
        if not hmac.compare_digest(data.get("csrf", ""), ctx.csrf):
            raise CsrfRefused()
        return data


class CsrfRefused(Exception):
    pass


def _int(v: str | None, default: int = 0) -> int:
    try:
        return int(v) if v else default
    except ValueError:
        return default


def _date(v: str | None) -> datetime | None:
    if not v:
        return None
    try:
        return datetime.strptime(v, "%Y-%m-%d")
    except ValueError:
        return None


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "?"


def install_desk(
    app: FastAPI, settings: Settings, get_store: Callable[[], CaseStore], enrollment: str | None = None
) -> Desk:
    desk = Desk(settings, get_store, enrollment)
    r = APIRouter(prefix="/desk", include_in_schema=False)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _: LoginRequired) -> Response:
        if request.method == "GET" and not request.url.path.endswith(".jpg"):
            nxt = request.url.path + (("?" + request.url.query) if request.url.query else "")
            resp: Response = RedirectResponse(f"/desk/login?next={quote(nxt)}", status_code=303)
        else:
            resp = desk.render(
                "message.html", status=401, title="请先登录", text="Login required.", user=None
            )
        resp.delete_cookie(COOKIE, path="/desk")
        return resp

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, _: CsrfRefused) -> Response:
        return desk.render(
            "message.html",
            status=403,
            title="请求被拒绝",
            text="CSRF token missing or wrong; reload the page.",
            user=None,
        )

    async def ctx_of(request: Request) -> Ctx:
        return await run_in_threadpool(desk.session, request)

    # ------------------------------------------------------------------ login
    @r.get("")
    async def root(request: Request) -> Response:
        await ctx_of(request)
        return RedirectResponse("/desk/queue", status_code=303)

    @r.get("/login")
    async def login_page(request: Request, next: str = "/desk/queue", error: str = "") -> Response:
        nonce = secrets.token_urlsafe(24)
        resp = desk.render("login.html", next=_safe_next(next), csrf=nonce, error=error, user=None)
        resp.set_cookie(
            LOGIN_COOKIE,
            desk.signer.dumps(nonce),
            httponly=True,
            samesite="strict",
            secure=settings.desk_secure_cookie,
            path="/desk",
            max_age=1800,
        )
        return resp

    @r.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        data = {k: v for k, v in form.items() if isinstance(v, str)}
        try:
            nonce = desk.signer.loads(request.cookies.get(LOGIN_COOKIE, ""))
        except BadSignature:
            nonce = None
        if not nonce or not hmac.compare_digest(str(nonce), data.get("csrf", "")):
            raise CsrfRefused()
        username = data.get("username", "").strip()[:80]
        password = data.get("password", "")[:1000]
        nxt = _safe_next(data.get("next", "/desk/queue"))
        ip = _client_ip(request)
        st = desk.store
        by_user, by_ip = await run_in_threadpool(st.recent_failures, username, ip, timedelta(minutes=15))
        limit = settings.desk_login_max_failures
        if by_user >= limit or by_ip >= limit * 4:
            await run_in_threadpool(st.record_login, username, ip, False)
            return desk.render(
                "login.html",
                status=429,
                next=nxt,
                csrf=str(nonce),
                error="登录失败次数过多，请15分钟后再试。Too many failed logins; try again in 15 minutes.",
                user=None,
            )
        user = await run_in_threadpool(st.check_password, username, password)
        await run_in_threadpool(st.record_login, username, ip, user is not None)
        if user is None:
            log.info("desk login refused")
            return desk.render(
                "login.html", status=401, next=nxt, csrf=str(nonce), error="用户名或密码错误。", user=None
            )
        token, _csrf = await run_in_threadpool(st.create_session, user)
        resp = RedirectResponse(nxt, status_code=303)
        resp.set_cookie(
            COOKIE,
            desk.signer.dumps(token),
            httponly=True,
            samesite="strict",
            secure=settings.desk_secure_cookie,
            path="/desk",
        )
        resp.delete_cookie(LOGIN_COOKIE, path="/desk")
        return resp

    @r.post("/logout")
    async def logout(request: Request) -> Response:
        ctx = await ctx_of(request)
        await desk.form(request, ctx)
        await run_in_threadpool(desk.store.end_session, ctx.token)
        resp = RedirectResponse("/desk/login", status_code=303)
        resp.delete_cookie(COOKIE, path="/desk")
        return resp

    # ------------------------------------------------------------------ queue
    @r.get("/queue")
    async def queue(request: Request) -> Response:
        ctx = await ctx_of(request)
        q = request.query_params
        f = QueueFilter(
            decision=q.get("decision") or None,
            flag=q.get("flag") or None,
            service=q.get("service") or None,
            region=q.get("region") or None,
            source=q.get("source") or None,
            date_from=_date(q.get("date_from")),
            date_to=(d + timedelta(days=1)) if (d := _date(q.get("date_to"))) else None,
            state=q.get("state") or "open",
        )
        page = max(1, _int(q.get("page"), 1))
        st = desk.store

        def load() -> tuple[Any, int, dict[str, int]]:
            rows, total = st.queue(f, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
            return rows, total, st.queue_counts()

        rows, total, counts = await run_in_threadpool(load)
        keep = {k: v for k, v in q.items() if k != "page" and v}
        return desk.render(
            "queue.html",
            user=ctx.user,
            csrf=ctx.csrf,
            rows=rows,
            total=total,
            counts=counts,
            f=q,
            page=page,
            pages=max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE),
            qs=urlencode(keep),
            now=utcnow(),
            flag_codes=_flag_codes(),
            services=_services(),
        )

    # ------------------------------------------------------------------ case
    def case_context(sid: str, ctx: Ctx) -> dict[str, Any]:
        st = desk.store
        sub = st.submission(sid)
        report = sub.report or {}
        case = views.read_case_json(settings, sub.location)
        enrollment = views.enrollment_record(desk.lookup(), case)
        review = st.review(sid)
        now = utcnow()
        held_by_other = review.claim_live(now) and review.claimed_by != ctx.user.id
        return {
            "sub": sub,
            "report": report,
            "case": case,
            "applicant": (case or {}).get("applicant") or {},
            "enrollment": enrollment,
            "materials": views.materials_view(report),
            "flags": report.get("flags") or [],
            "verdicts": st.verdicts(sid),
            "comparison": views.comparison(case, enrollment, report),
            "checklist": views.checklist(report, case),
            "return_message": review.message or views.return_message(report),
            "review": review,
            "held_by_other": held_by_other,
            "mine": review.claim_live(now) and review.claimed_by == ctx.user.id,
            "events": st.events(sid),
            "can_decide": not held_by_other and (review.state != "escalated" or ctx.user.is_lead),
        }

    @r.get("/cases/{sid}")
    async def case_page(request: Request, sid: str) -> Response:
        ctx = await ctx_of(request)

        def load() -> dict[str, Any]:
            desk.store.submission(sid)
            desk.store.log_view(sid, ctx.user)
            return case_context(sid, ctx)

        try:
            data = await run_in_threadpool(load)
        except DeskError as e:
            return desk.render(
                "message.html", status=e.status, title="无法打开", text=str(e), user=ctx.user, csrf=ctx.csrf
            )
        q = request.query_params
        return desk.render(
            "case.html",
            user=ctx.user,
            csrf=ctx.csrf,
            done=q.get("done", ""),
            error=q.get("error", ""),
            **data,
        )

    @r.get("/cases/{sid}/next")
    async def next_case(request: Request, sid: str) -> Response:
        ctx = await ctx_of(request)

        def find() -> str | None:
            sub = desk.store.submission(sid)
            return desk.store.next_open(sub.created_at, sub.id, ctx.user)

        try:
            nxt = await run_in_threadpool(find)
        except DeskError:
            nxt = None
        return RedirectResponse(f"/desk/cases/{nxt}" if nxt else "/desk/queue?done=empty", status_code=303)

    @r.get("/cases/{sid}/materials/{mi}/pages/{pi}.jpg")
    async def preview(request: Request, sid: str, mi: int, pi: int) -> Response:
        await ctx_of(request)

        def make() -> Path:
            sub = desk.store.submission(sid)
            mats = (sub.report or {}).get("materials") or []
            if not 0 <= mi < len(mats):
                raise PreviewError("no such material")
            m = mats[mi]
            geo = views._geometry(m)
            rot = int(geo[pi].get("rotation") or 0) if 0 <= pi < len(geo) else 0
            return preview_path(settings, sub.location, str(m.get("file")), m.get("sha256"), pi, rot)

        try:
            path = await run_in_threadpool(make)
        except (PreviewError, DeskError) as e:
            return Response(str(e), status_code=404, media_type="text/plain; charset=utf-8")
        return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})

    async def _act(request: Request, sid: str, fn: Callable[[Ctx, dict[str, str]], str]) -> Response:
        ctx = await ctx_of(request)
        data = await desk.form(request, ctx)
        try:
            target = await run_in_threadpool(fn, ctx, data)
        except DeskError as e:
            return desk.render(
                "message.html",
                status=e.status,
                title="操作被拒绝",
                text=str(e),
                back=f"/desk/cases/{sid}",
                user=ctx.user,
                csrf=ctx.csrf,
            )
        return RedirectResponse(target, status_code=303)

    @r.post("/cases/{sid}/claim")
    async def claim(request: Request, sid: str) -> Response:
        def do(ctx: Ctx, _: dict[str, str]) -> str:
            desk.store.claim(sid, ctx.user, settings.desk_claim_minutes)
            return f"/desk/cases/{sid}?done=claim"

        return await _act(request, sid, do)

    @r.post("/cases/{sid}/release")
    async def release(request: Request, sid: str) -> Response:
        def do(ctx: Ctx, _: dict[str, str]) -> str:
            desk.store.release(sid, ctx.user)
            return f"/desk/cases/{sid}?done=release"

        return await _act(request, sid, do)

    @r.post("/cases/{sid}/decision")
    async def decision(request: Request, sid: str) -> Response:
        def do(ctx: Ctx, data: dict[str, str]) -> str:
            action = data.get("action", "")
            if action not in ACTIONS:
                raise DeskError("unknown action")
            desk.store.act(
                sid,
                ctx.user,
                action,
                _int(data.get("version"), -1),
                note=data.get("note", "")[:2000],
                message=data.get("message", "")[:4000] if action in ("return", "more_material") else "",
            )
            if data.get("next") == "1":
                return f"/desk/cases/{sid}/next"
            return f"/desk/cases/{sid}?done={action}"

        return await _act(request, sid, do)

    @r.post("/cases/{sid}/flags/{fi}/verdict")
    async def verdict(request: Request, sid: str, fi: int) -> Response:
        def do(ctx: Ctx, data: dict[str, str]) -> str:
            v = data.get("verdict", "")
            if v not in VERDICTS:
                raise DeskError("unknown verdict")
            desk.store.set_verdict(
                sid, ctx.user, fi, v, _int(data.get("version"), -1), data.get("note", "")[:2000]
            )
            return f"/desk/cases/{sid}?done=verdict#flag-{fi}"

        return await _act(request, sid, do)

    # ------------------------------------------------------------------ metrics, static
    @r.get("/metrics")
    async def metrics(request: Request) -> Response:
        ctx = await ctx_of(request)
        m = await run_in_threadpool(desk.store.metrics)
        return desk.render("metrics.html", user=ctx.user, csrf=ctx.csrf, m=m)

    @r.get("/static/{name}")
    async def static(request: Request, name: str) -> Response:
        await ctx_of(request)
        path = STATIC / name
        if "/" in name or name.startswith(".") or not path.is_file() or path.suffix not in _STATIC_TYPES:
            return Response("not found", status_code=404, media_type="text/plain")
        return FileResponse(
            path, media_type=_STATIC_TYPES[path.suffix], headers={"Cache-Control": "private, max-age=600"}
        )

    app.include_router(r)
    desk.router = r
    app.state.desk = desk
    return desk


def _safe_next(nxt: str | None) -> str:
    """Only a path of the desk (no open redirect)."""
    if not nxt or not nxt.startswith("/desk") or nxt.startswith("//") or "\\" in nxt:
        return "/desk/queue"
    return nxt


def _flag_codes() -> list[str]:
    from pipeline.codes import FLAG_CATEGORIES

    return sorted(FLAG_CATEGORIES)


def _services() -> list[str]:
    from pipeline.codes import ServiceCode

    return [s.value for s in ServiceCode]
