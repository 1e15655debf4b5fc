"""The review desk over HTTP (FastAPI TestClient): login, CSRF, every action, claims, stale edits,
the append-only log, previews, metrics; unauthenticated access to every route refused."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from pipeline.app.api import create_app
from pipeline.stores.cases import open_cases
from pipeline.stores.desk import DeskStore, EventRow
from tests.desk_support import add_users, csrf_of, fill, login, settings_for, version_of


class _NoRunner:
    def run(self, folder: Path) -> Any:  # the desk tests submit nothing
        raise AssertionError("no case should run")

    def close(self) -> None:
        pass


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[dict[str, Any]]:
    settings = settings_for(tmp_path / "home")
    store = open_cases(settings)
    ids = fill(store)
    desk = add_users(store)
    app = create_app(settings, runner_factory=_NoRunner)
    with TestClient(app, base_url="http://testserver") as client:
        yield {"client": client, "ids": ids, "desk": desk, "store": store, "settings": settings, "app": app}
    store.close()


def _new_client(env: dict[str, Any]) -> TestClient:
    return TestClient(env["app"], base_url="http://testserver")


def _case(client: TestClient, sid: str) -> str:
    r = client.get(f"/desk/cases/{sid}")
    assert r.status_code == 200, r.text[:300]
    return r.text


def test_every_route_refuses_without_login(env: dict[str, Any]) -> None:
    c: TestClient = env["client"]
    sid = env["ids"]["XJ-2024-000129"]
    gets = [
        "/desk",
        "/desk/queue",
        "/desk/queue?decision=return",
        f"/desk/cases/{sid}",
        f"/desk/cases/{sid}/next",
        f"/desk/cases/{sid}/materials/0/pages/0.jpg",
        "/desk/metrics",
        "/desk/static/desk.js",
        "/desk/static/desk.css",
    ]
    for url in gets:
        r = c.get(url, follow_redirects=False)
        assert r.status_code in (303, 401), url
        if r.status_code == 303:
            assert r.headers["location"].startswith("/desk/login"), url
        assert "XJ-2024-000129" not in r.text and "652801" not in r.text
    posts = [
        "/desk/logout",
        f"/desk/cases/{sid}/claim",
        f"/desk/cases/{sid}/release",
        f"/desk/cases/{sid}/decision",
        f"/desk/cases/{sid}/flags/0/verdict",
    ]
    for url in posts:
        r = c.post(url, data={"action": "approve", "version": "0", "csrf": "x"}, follow_redirects=False)
        assert r.status_code == 401, url
    # a forged cookie is no session either
    c.cookies.set("intake_desk", "forged", path="/desk")
    assert c.get("/desk/queue", follow_redirects=False).status_code == 303
    assert env["desk"].events(sid) == []  # nothing was logged or decided


def test_login_wrong_password_throttled_and_disabled_user(env: dict[str, Any]) -> None:
    c: TestClient = env["client"]
    assert login(c, "alice", "wrong password!").status_code == 401
    r = login(c, "alice")
    assert r.status_code == 303 and r.headers["location"] == "/desk/queue"
    assert c.get("/desk/queue").status_code == 200
    c2 = _new_client(env)
    for _ in range(5):
        assert login(c2, "bob", "not the password").status_code == 401
    r = login(c2, "bob")  # right password, but throttled
    assert r.status_code == 429 and "过多" in r.text
    env["desk"].set_disabled("alice")
    assert c.get("/desk/queue", follow_redirects=False).status_code == 303  # session ended
    assert login(_new_client(env), "alice").status_code == 401


def test_login_form_needs_its_csrf_token(env: dict[str, Any]) -> None:
    c: TestClient = env["client"]
    c.get("/desk/login")
    r = c.post(
        "/desk/login", data={"username": "alice", "password": "correct horse battery", "csrf": "guess"}
    )
    assert r.status_code == 403


def test_session_idle_timeout(env: dict[str, Any], tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "home", desk_session_idle_minutes=0.0)
    app = create_app(settings, runner_factory=_NoRunner)
    with TestClient(app) as c:
        assert login(c, "alice").status_code == 303
        assert c.get("/desk/queue", follow_redirects=False).status_code == 303  # idle for > 0 minutes


def test_queue_filters_counts_oldest_first_and_masking(env: dict[str, Any]) -> None:
    c: TestClient = env["client"]
    login(c, "alice")
    r = c.get("/desk/queue")
    assert r.status_code == 200
    html = r.text
    order = [html.index(cid) for cid in ("XJ-2024-000129", "JM-2025-000141", "XJ-2024-000122", "XJ-ROT-0129")]
    assert order == sorted(order)  # oldest first
    assert "652801198309201090" not in html  # ID numbers masked in the list
    assert 'id="count-review">1<' in html and 'id="count-return">3<' in html
    assert "XJ-2024-000122" not in c.get("/desk/queue?decision=return").text
    r = c.get("/desk/queue?flag=consistency.date_mismatch")
    assert "JM-2025-000141" in r.text and "XJ-2024-000129" not in r.text
    r = c.get("/desk/queue?source=portal")
    assert 'id="total">1<' in r.text
    assert 'id="total">0<' in c.get("/desk/queue?service=reimburse.inpatient&flag=image.blurry").text
    assert 'id="total">0<' in c.get("/desk/queue?date_to=2000-01-01").text
    assert 'id="total">4<' in c.get("/desk/queue?date_from=2000-01-01").text


def test_case_page_shows_evidence_fields_comparison_checklist_and_logs_the_view(env: dict[str, Any]) -> None:
    c: TestClient = env["client"]
    login(c, "alice")
    sid = env["ids"]["XJ-ROT-0129"]
    html = _case(c, sid)
    assert 'data-rotation="90"' in html
    assert 'data-box="273.0,453.0,695.0,488.0"' in html  # the report's box, in upright-page pixels
    assert 'viewBox="0 0 876 553"' in html
    assert "identity.id_number_invalid" in html and "652801198309201090" in html  # full ID on the case page
    assert 'id="checklist"' in html and "✓" in html
    assert "enrollment.not_found" in html
    assert "您好，您提交的材料需要补正" in html  # pre-filled return message
    events = env["desk"].events(sid)
    assert [e.action for e in events] == ["view"] and events[0].username == "alice"


def test_preview_is_the_upright_page_and_originals_are_untouched(env: dict[str, Any]) -> None:
    from tests.desk_support import REPO

    c: TestClient = env["client"]
    login(c, "alice")
    rot_file = REPO / "tests/data/desk/cases/XJ-ROT-0129/id_front.jpg"
    before = rot_file.read_bytes()
    a = c.get(f"/desk/cases/{env['ids']['XJ-ROT-0129']}/materials/0/pages/0.jpg")
    b = c.get(f"/desk/cases/{env['ids']['XJ-2024-000129']}/materials/0/pages/0.jpg")
    assert a.status_code == b.status_code == 200 and a.headers["content-type"] == "image/jpeg"
    ia = np.asarray(Image.open(io.BytesIO(a.content)).convert("L"), dtype=np.float32)
    ib = np.asarray(Image.open(io.BytesIO(b.content)).convert("L"), dtype=np.float32)
    assert ia.shape == ib.shape == (553, 876)  # turned upright: landscape like the original card
    assert float(np.abs(ia - ib).mean()) < 6.0  # the same picture (JPEG noise only)
    # the evidence box of the ID number lies on dark text
    x0, y0, x1, y1 = 273, 453, 695, 488
    assert float((ia[y0:y1, x0:x1] < 110).mean()) > 0.05
    assert float((ia[y0 - 60 : y0 - 40, x0:x1] < 110).mean()) < float((ia[y0:y1, x0:x1] < 110).mean())
    assert rot_file.read_bytes() == before
    cached = list((env["settings"].cache_dir / "desk-previews").glob("*.jpg"))
    assert len(cached) == 2


def test_every_action_with_claims_versions_and_trail(env: dict[str, Any]) -> None:
    alice: TestClient = env["client"]
    login(alice, "alice")
    bob = _new_client(env)
    login(bob, "bob")
    lena = _new_client(env)
    login(lena, "lena")
    sid = env["ids"]["XJ-2024-000129"]
    html = _case(alice, sid)
    csrf, v = csrf_of(html), version_of(html)
    # claim
    r = alice.post(f"/desk/cases/{sid}/claim", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    html_b = _case(bob, sid)
    assert 'id="held"' in html_b and "Alice Auditor" in html_b
    r = bob.post(
        f"/desk/cases/{sid}/decision",
        data={"csrf": csrf_of(html_b), "version": version_of(html_b), "action": "approve"},
    )
    assert r.status_code == 409 and "Alice Auditor" in r.text
    r = bob.post(f"/desk/cases/{sid}/claim", data={"csrf": csrf_of(html_b)})
    assert r.status_code == 409
    # verdicts
    r = alice.post(
        f"/desk/cases/{sid}/flags/0/verdict",
        data={"csrf": csrf, "version": v, "verdict": "confirmed", "note": "校验位错"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = alice.post(
        f"/desk/cases/{sid}/flags/3/verdict", data={"csrf": csrf, "version": v, "verdict": "false_alarm"}
    )
    assert r.status_code == 409 and "version" in r.text  # stale: the form carried the old version
    html = _case(alice, sid)
    v = version_of(html)
    r = alice.post(
        f"/desk/cases/{sid}/flags/3/verdict",
        data={"csrf": csrf, "version": v, "verdict": "false_alarm", "note": "新参保"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    # return needs a message; then return with an edited message
    html = _case(alice, sid)
    v = version_of(html)
    r = alice.post(
        f"/desk/cases/{sid}/decision", data={"csrf": csrf, "version": v, "action": "return", "message": " "}
    )
    assert r.status_code == 400
    r = alice.post(
        f"/desk/cases/{sid}/decision",
        data={
            "csrf": csrf,
            "version": v,
            "action": "return",
            "message": "请重新上传身份证正面。",
            "note": "n1",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("done=return")
    # escalate another case, an auditor may not decide it, a lead may
    sid2 = env["ids"]["JM-2025-000141"]
    h2 = _case(bob, sid2)
    r = bob.post(
        f"/desk/cases/{sid2}/decision",
        data={"csrf": csrf_of(h2), "version": version_of(h2), "action": "escalate", "note": "不确定"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    h2 = _case(bob, sid2)
    r = bob.post(f"/desk/cases/{sid2}/release", data={"csrf": csrf_of(h2)}, follow_redirects=False)
    assert r.status_code == 303
    h2 = _case(alice, sid2)
    r = alice.post(
        f"/desk/cases/{sid2}/decision",
        data={"csrf": csrf_of(h2), "version": version_of(h2), "action": "approve"},
    )
    assert r.status_code == 403
    h2 = _case(lena, sid2)
    r = lena.post(
        f"/desk/cases/{sid2}/decision",
        data={
            "csrf": csrf_of(h2),
            "version": version_of(h2),
            "action": "more_material",
            "message": "请补充费用清单。",
            "next": "1",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("/next")
    # approve the third through "next case"
    sid3 = env["ids"]["XJ-2024-000122"]
    h3 = _case(bob, sid3)
    r = bob.post(
        f"/desk/cases/{sid3}/decision",
        data={"csrf": csrf_of(h3), "version": version_of(h3), "action": "approve", "next": "1"},
    )
    assert r.status_code == 200 and "XJ-ROT-0129" in r.text  # landed on the next open case
    # the trail
    actions = [(e.username, e.action) for e in env["desk"].events(sid) if e.action != "view"]
    assert actions == [("alice", "claim"), ("alice", "verdict"), ("alice", "verdict"), ("alice", "return")]
    ret = next(e for e in env["desk"].events(sid) if e.action == "return")
    assert (
        ret.before["state"] == "open"
        and ret.after["message"] == "请重新上传身份证正面。"
        and ret.note == "n1"
    )
    html = _case(bob, sid)
    assert "请重新上传身份证正面。" in html and 'id="trail"' in html
    # a correction is a new event, never an overwrite
    r = alice.post(
        f"/desk/cases/{sid}/decision",
        data={"csrf": csrf, "version": version_of(_case(alice, sid)), "action": "approve", "note": "更正"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert [e.action for e in env["desk"].events(sid) if e.action in ("return", "approve")] == [
        "return",
        "approve",
    ]
    # metrics: per flag code confirmed vs false alarm; per auditor throughput
    m = alice.get("/desk/metrics").text
    assert "identity.id_number_invalid" in m and "enrollment.not_found" in m and "Lena" not in m
    stats = env["desk"].metrics()
    assert stats["flags"]["identity.id_number_invalid"]["confirmed"] == 1
    assert stats["flags"]["enrollment.not_found"]["false_alarm"] == 1
    assert stats["auditors"]["alice"]["return"] == 1 and stats["auditors"]["lena"]["more_material"] == 1
    # decided cases leave the open queue
    q = alice.get("/desk/queue").text
    assert 'id="total">1<' in q and "XJ-ROT-0129" in q


def test_csrf_refused_on_every_form(env: dict[str, Any]) -> None:
    c: TestClient = env["client"]
    login(c, "alice")
    sid = env["ids"]["XJ-2024-000129"]
    html = _case(c, sid)
    v = version_of(html)
    for url, data in [
        (f"/desk/cases/{sid}/claim", {}),
        (f"/desk/cases/{sid}/release", {}),
        (f"/desk/cases/{sid}/decision", {"action": "approve", "version": v}),
        (f"/desk/cases/{sid}/flags/0/verdict", {"verdict": "confirmed", "version": v}),
        ("/desk/logout", {}),
    ]:
        assert c.post(url, data=data).status_code == 403, url
        assert c.post(url, data={**data, "csrf": "wrong"}).status_code == 403, url
    assert [e.action for e in env["desk"].events(sid)] == ["view"]
    assert c.get("/desk/queue").status_code == 200  # still logged in


def test_logout_ends_the_session(env: dict[str, Any]) -> None:
    c: TestClient = env["client"]
    login(c, "alice")
    html = c.get("/desk/queue").text
    cookie = c.cookies.get("intake_desk")
    r = c.post("/desk/logout", data={"csrf": csrf_of(html)}, follow_redirects=False)
    assert r.status_code == 303
    c2 = _new_client(env)
    c2.cookies.set("intake_desk", cookie or "", path="/desk")  # the old cookie replayed
    assert c2.get("/desk/queue", follow_redirects=False).status_code == 303


def test_event_log_is_append_only(env: dict[str, Any]) -> None:
    desk: DeskStore = env["desk"]
    sid = env["ids"]["XJ-2024-000129"]
    user = next(u for u in desk.list_users() if u.username == "alice")
    desk.log_view(sid, user)
    assert not any(hasattr(desk, n) for n in ("update_event", "delete_event", "edit_event", "remove_event"))
    assert not [n for n in dir(DeskStore) if "event" in n and n not in ("events",)]
    with pytest.raises(DBAPIError, match="append-only"), env["store"].engine.begin() as conn:
        conn.execute(text("UPDATE case_events SET action = 'approve'"))
    with pytest.raises(DBAPIError, match="append-only"), env["store"].engine.begin() as conn:
        conn.execute(text("DELETE FROM case_events"))
    assert [e.action for e in desk.events(sid)] == ["view"]
    assert EventRow.__tablename__ == "case_events"


def test_a_portal_submission_reaches_the_desk(tmp_path: Path) -> None:
    """The API worker records the report with its summary; the desk lists and shows it (no OCR: the
    case lists a material that was not uploaded, a hard fact that returns it)."""
    from tests.api_support import api_client, bearer, case_bytes

    with api_client(tmp_path / "home") as (c, store, _settings):
        _, key, _ = store.add_client("portal")
        r = c.post(
            "/v1/submissions",
            params={"wait": 30},
            headers=bearer(key),
            files={"case": (None, case_bytes("PORTAL-7"))},
        )
        assert r.status_code == 200, r.text
        assert r.json()["decision"] == "return"
        sid = r.json()["id"]
        add_users(store)
        login(c, "alice")
        q = c.get("/desk/queue?source=portal&decision=return")
        assert "PORTAL-7" in q.text and 'id="total">1<' in q.text
        codes = {f["code"] for f in r.json()["report"]["flags"]}
        assert "PORTAL-7" in c.get(f"/desk/queue?flag={sorted(codes)[0]}").text
        page = c.get(f"/desk/cases/{sid}")
        assert page.status_code == 200 and "PORTAL-7" in page.text and "reimburse.outpatient" in page.text


def test_every_desk_route_is_listed_and_refused(env: dict[str, Any]) -> None:
    """The desk's own route list, so a new route cannot slip past the login check."""
    c: TestClient = env["client"]
    sid = env["ids"]["XJ-2024-000129"]
    routes = [(m, r.path) for r in env["app"].state.desk.router.routes for m in r.methods if m != "HEAD"]
    assert len(routes) >= 13
    for method, path in routes:
        if path == "/desk/login":
            continue
        url = path.replace("{sid}", sid).replace("{mi}", "0").replace("{pi}", "0").replace("{fi}", "0")
        url = url.replace("{name}", "desk.css")
        r = c.request(method, url, follow_redirects=False)
        assert r.status_code in (303, 401), (method, url, r.status_code)
        assert "XJ-2024-000129" not in r.text
