"""The desk in a real browser: Playwright driving Debian's chromium (/usr/bin/chromium) against
``intake serve``'s app on 127.0.0.1, filled with stored real reports (no OCR). Screenshots go to
build/desk-*.png (CI artifacts)."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pipeline.app.api import create_app
from pipeline.stores.cases import open_cases
from tests.desk_support import PASSWORD, REPO, add_users, fill, settings_for

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BUILD = REPO / "build"
ID_BOX = (273.0, 453.0, 695.0, 488.0)  # the ID number's box in the report (upright-page pixels)
PAGE_W, PAGE_H = 876, 553

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (make setup)")


class _NoRunner:
    def run(self, folder: Path) -> Any:
        raise AssertionError("no case should run")

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    import uvicorn

    home = tmp_path_factory.mktemp("desk-browser") / "home"
    settings = settings_for(home)
    store = open_cases(settings)
    ids = fill(store)
    desk = add_users(store)
    app = create_app(settings, runner_factory=_NoRunner)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started
    yield {"base": f"http://127.0.0.1:{port}", "ids": ids, "desk": desk}
    srv.should_exit = True
    t.join(15)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _login(page: Any, base: str, user: str) -> None:
    page.goto(f"{base}/desk/queue")
    assert "/desk/login" in page.url  # nothing without logging in
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/desk/queue")


def _shot(page: Any, name: str) -> None:
    BUILD.mkdir(exist_ok=True)
    page.screenshot(path=str(BUILD / name), full_page=True)


def test_auditor_session_in_the_browser(server: dict[str, Any], browser: Any) -> None:
    base, ids = server["base"], server["ids"]
    ctx_a = browser.new_context(viewport={"width": 1400, "height": 1000})
    a = ctx_a.new_page()
    _login(a, base, "alice")
    assert a.inner_text("#total") == "4"
    _shot(a, "desk-01-queue.png")

    # filter the queue: returned cases with an invalid ID number
    a.select_option("select[name=decision]", "return")
    a.select_option("select[name=flag]", "identity.id_number_invalid")
    a.click("#apply")
    a.wait_for_load_state()
    assert a.inner_text("#total") == "2"
    listed = a.locator("table.cases tbody tr td:nth-child(2)").all_inner_texts()
    assert listed == ["XJ-2024-000129", "XJ-ROT-0129"]
    assert "652801198309201090" not in a.content()  # masked in the list
    masked = a.locator("table.cases tbody td.idn").all_inner_texts()
    assert masked and all(re.fullmatch(r"\d{4}\*{10}[\dX]{4}", m) for m in masked), masked

    # open the returned case whose ID card was stored turned a quarter
    a.click("text=XJ-ROT-0129")
    a.wait_for_url(f"{base}/desk/cases/{ids['XJ-ROT-0129']}")
    img = a.locator("figure[data-material='0'][data-page='0'] img")
    img.wait_for()
    for _ in range(200):  # the page's CSP forbids eval, so poll from here
        if a.evaluate("() => document.querySelector(\"figure[data-material='0'] img\").complete"):
            break
        time.sleep(0.05)
    assert a.evaluate("document.querySelector(\"figure[data-material='0'] img\").naturalWidth") > 0
    rect = a.locator("figure[data-material='0'][data-page='0'] rect.ev[data-flag='1']")
    img.scroll_into_view_if_needed()
    ib, rb = img.bounding_box(), rect.bounding_box()
    sx, sy = ib["width"] / PAGE_W, ib["height"] / PAGE_H
    assert abs(sx - sy) < 0.01  # the preview has the upright page's proportions (turned back)
    x0, y0, x1, y1 = ID_BOX
    exp = (ib["x"] + x0 * sx, ib["y"] + y0 * sy, (x1 - x0) * sx, (y1 - y0) * sy)
    got = (rb["x"], rb["y"], rb["width"], rb["height"])
    assert all(abs(g - e) < 2.5 for g, e in zip(got, exp, strict=True)), (got, exp)
    # under the box is the ID number's dark print: hide the box (key 2 toggles flag 2) and look
    a.keyboard.press("2")
    assert "hidden" in (rect.get_attribute("class") or "")
    from io import BytesIO

    from PIL import Image

    clip = {"x": exp[0], "y": exp[1], "width": exp[2], "height": exp[3]}
    under = np.asarray(Image.open(BytesIO(a.screenshot(clip=clip))).convert("L"), dtype=np.float32)
    # compare with the same box cut from the upright original (the sample the rotated file was made from)
    with Image.open(REPO / "samples/cases/XJ-2024-000129/id_front.jpg") as im:
        gray = im.convert("L")
        size = (under.shape[1], under.shape[0])
        right = np.asarray(gray.crop(ID_BOX).resize(size), dtype=np.float32)
        h = y1 - y0
        wrong = np.asarray(gray.crop((x0, y0 - 2 * h, x1, y1 - 2 * h)).resize(size), dtype=np.float32)
    d_right, d_wrong = float(np.abs(under - right).mean()), float(np.abs(under - wrong).mean())
    assert d_right < 30 and d_right < d_wrong / 2, (d_right, d_wrong)
    a.keyboard.press("2")
    assert "hidden" not in (rect.get_attribute("class") or "")

    # claim it; a second auditor is refused
    a.click("#claim")
    a.wait_for_selector("text=您已认领此案件")
    _shot(a, "desk-02-case-claimed.png")
    ctx_b = browser.new_context(viewport={"width": 1400, "height": 1000})
    b = ctx_b.new_page()
    _login(b, base, "bob")
    b.goto(f"{base}/desk/cases/{ids['XJ-ROT-0129']}")
    assert "Alice Auditor" in b.inner_text("#held")
    assert b.is_disabled("#act-approve") and b.is_disabled("#act-return")
    b.evaluate("document.getElementById('act-approve').disabled = false")
    b.click("#act-approve")
    b.wait_for_load_state()
    assert "操作被拒绝" in b.content() and "Alice Auditor" in b.content()
    _shot(b, "desk-03-second-auditor-refused.png")

    # a return with an edited message, by keyboard: r, type, Ctrl+Enter
    a.uncheck("#go-next")
    a.keyboard.press("r")
    assert a.evaluate("document.activeElement.id") == "message"
    assert "您好，您提交的材料需要补正" in a.input_value("#message")
    a.fill("#message", "您好：身份证号码校验位有误，请重新上传身份证正面照片。")
    a.keyboard.press("Control+Enter")
    a.wait_for_selector("#done")
    trail = a.inner_text("#trail")
    assert "退回" in trail and "身份证号码校验位有误" in trail and "alice" in trail
    assert a.inner_text("#state") == "已退回"
    _shot(a, "desk-04-returned-trail.png")
    events = [e.action for e in server["desk"].events(ids["XJ-ROT-0129"])]
    assert events.count("return") == 1 and "claim" in events

    # queue to a recorded decision in two keys: Enter opens the selected case, a approves
    b.goto(f"{base}/desk/queue?decision=review")
    b.keyboard.press("Enter")
    b.wait_for_url(f"{base}/desk/cases/{ids['XJ-2024-000122']}")
    b.keyboard.press("a")
    b.wait_for_url(lambda u: "/desk/cases/" + ids["XJ-2024-000122"] not in u)
    assert [e.action for e in server["desk"].events(ids["XJ-2024-000122"])][-1] == "approve"

    # metrics, then log out: the desk is closed again
    a.goto(f"{base}/desk/metrics")
    assert a.inner_text("#m-open") == "2"
    _shot(a, "desk-05-metrics.png")
    a.click("#logout")
    a.wait_for_url(f"{base}/desk/login")
    a.goto(f"{base}/desk/cases/{ids['XJ-ROT-0129']}")
    assert "/desk/login" in a.url and "身份证号码校验位有误" not in a.content()
    r = a.request.get(f"{base}/desk/cases/{ids['XJ-ROT-0129']}/materials/0/pages/0.jpg", max_redirects=0)
    assert r.status in (303, 401)
    ctx_a.close()
    ctx_b.close()
