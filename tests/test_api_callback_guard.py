"""The callback guard (SSRF): a callback goes to a public host, or to one INTAKE_API_CALLBACK_ALLOW
names; checked when the URL is registered (422 / one CLI line) and again at delivery, after DNS, on the
very address that is connected to; no redirect is followed; a refusal is logged and not retried."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

import httpx
from typer.testing import CliRunner

from pipeline.app.api import create_app
from pipeline.app.api.callbacks import CallbackPolicy, CallbackRefused, delivery_client
from pipeline.app.api.worker import verify_signature
from pipeline.app.cli import app as cli
from pipeline.errors import ConfigError
from pipeline.stores.cases import CaseStore
from tests.api_support import api_client, bearer, case_bytes, settings_for
from tests.test_api_callbacks import Receiver

# one of each kind of address a callback must not reach unless allow-listed
PRIVATE = {
    "loopback": "http://127.0.0.1:8080/hook",
    "loopback, short form": "http://127.1/hook",
    "loopback, one number": "http://2130706433/hook",
    "loopback, hex": "http://0x7f.0.0.1/hook",
    "private 10/8": "http://10.1.2.3/hook",
    "private 172.16/12": "http://172.16.5.4/hook",
    "private 192.168/16": "http://192.168.1.10/hook",
    "cloud metadata": "http://169.254.169.254/latest/meta-data/",
    "unspecified": "http://0.0.0.0:8000/hook",
    "shared 100.64/10": "http://100.64.0.1/hook",
    "multicast": "http://224.0.0.1/hook",
    "IPv6 loopback": "http://[::1]:8080/hook",
    "IPv6 unique local": "http://[fc00::1]/hook",
    "IPv6 unique local fd": "http://[fd12:3456::1]/hook",
    "IPv6 link-local": "http://[fe80::1]/hook",
    "IPv4-mapped loopback": "http://[::ffff:127.0.0.1]/hook",
    "IPv4-mapped metadata": "http://[::ffff:169.254.169.254]/hook",
    "6to4 of 10/8": "http://[2002:a00:1::]/hook",
    "a name resolving to loopback": "http://localhost:8080/hook",
    "the same, with a final dot": "https://LOCALHOST./hook",
}
MALFORMED = {
    "ftp": "ftp://example.org/hook",
    "user info": "https://user:pw@example.org/hook",
    "user info before a private host": "http://example.org\\@127.0.0.1/hook",
    "no host": "http:///hook",
    "space": "https://example.org/a hook",
    "bad host": "http://127.0.0.1%2f/hook",
}


def _wait_for(cond: Any, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


class Resolver:
    """A name service the test controls: answers ``host`` from a list of answers, in turn (the last one
    repeats), and counts the questions. Names it does not know do not resolve."""

    def __init__(self, host: str, *answers: list[str]) -> None:
        self.host = host
        self.answers = list(answers)
        self.asked = 0

    def __call__(self, host: str, port: int) -> list[str]:
        if host != self.host:
            raise socket.gaierror(socket.EAI_NONAME, "unknown")
        self.asked += 1
        return self.answers[min(self.asked, len(self.answers)) - 1]


# ---------------------------------------------------------------------- the policy
@pytest.mark.parametrize("url", list(PRIVATE.values()), ids=list(PRIVATE))
def test_every_private_class_is_refused_at_registration(url: str) -> None:
    with pytest.raises(CallbackRefused, match="non-public address"):
        CallbackPolicy.parse("").check_registration(url)


@pytest.mark.parametrize("url", list(MALFORMED.values()), ids=list(MALFORMED))
def test_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(CallbackRefused):
        CallbackPolicy.parse("0.0.0.0/0,::/0").check_registration(url)


def test_allow_list_entries() -> None:
    policy = CallbackPolicy.parse(" hooks.corp , *.portal.internal,10.20.0.0/16, ::1 ,")
    ok = [
        "http://10.20.3.4/hook",
        "http://[::1]:9000/hook",
        "https://hooks.corp/hook",
        "https://HOOKS.CORP./hook",
        "https://a.b.portal.internal/hook",
        "https://93.184.216.34/hook",  # public: no allow-list needed
        "https://[2606:4700:4700::1111]/hook",
    ]
    for url in ok:
        assert policy.check_registration(url) == url
    for url in ("http://10.21.0.1/hook", "http://127.0.0.1/hook", "http://169.254.169.254/"):
        with pytest.raises(CallbackRefused):
            policy.check_registration(url)
    assert not policy.name_allowed("portal.internal")  # *.domain: the subdomains only
    assert not policy.name_allowed("evilhooks.corp") and not policy.name_allowed("hooks.corp.evil")
    for bad in ("*", "10.0.0.0/33", "a b", "*.", "http://x"):
        with pytest.raises(ConfigError, match="INTAKE_API_CALLBACK_ALLOW"):
            CallbackPolicy.parse(bad)


def test_a_bad_allow_list_stops_the_app_at_creation(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="INTAKE_API_CALLBACK_ALLOW"):
        create_app(settings_for(tmp_path / "h", api_callback_allow="10.0.0.0/40"), pool=False)


# ---------------------------------------------------------------------- at registration
def test_submissions_naming_a_private_callback_are_422(tmp_path: Path) -> None:
    with api_client(tmp_path / "h") as (c, store, _):
        _, key, _ = store.add_client("portal")
        for name, url in {**PRIVATE, **MALFORMED}.items():
            r = c.post(
                "/v1/submissions",
                headers=bearer(key),
                files={"case": (None, case_bytes("SSRF-1")), "callback_url": (None, url)},
            )
            assert r.status_code == 422, (name, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            body = r.json()
            assert body["type"] == "urn:intake:problem:invalid-callback", name
            assert body["detail"].startswith("callback_url ") and "Traceback" not in body["detail"]
        r = c.post(
            "/v1/submissions",
            headers={**bearer(key), "Content-Type": "application/json"},
            content=json.dumps({"storage_key": "incoming/x/y", "callback_url": PRIVATE["cloud metadata"]}),
        )
        assert r.status_code == 422 and r.json()["type"] == "urn:intake:problem:invalid-callback"
        assert store.count_pending() == 0  # nothing was recorded


def test_cli_refuses_a_private_callback_unless_allow_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.config import get_settings

    db = f"sqlite:///{tmp_path / 'cases.sqlite'}"
    run = CliRunner()
    monkeypatch.delenv("INTAKE_API_CALLBACK_ALLOW", raising=False)
    get_settings.cache_clear()
    try:
        for url in (
            PRIVATE["a name resolving to loopback"],
            PRIVATE["cloud metadata"],
            MALFORMED["user info"],
        ):
            r = run.invoke(cli, ["clients", "add", "x", "--callback-url", url, "--db", db])
            assert r.exit_code == 2, r.output
            assert r.stderr.startswith("error: --callback-url ") and len(r.stderr.strip().splitlines()) == 1
        monkeypatch.setenv("INTAKE_API_CALLBACK_ALLOW", "localhost")
        get_settings.cache_clear()
        r = run.invoke(cli, ["clients", "add", "x", "--callback-url", "http://localhost:9/hook", "--db", db])
        assert r.exit_code == 0, r.output
        assert [c.callback_url for c in CaseStore(db).list_clients()] == ["http://localhost:9/hook"]
    finally:
        get_settings.cache_clear()


# ---------------------------------------------------------------------- at delivery
@pytest.fixture(scope="module")
def loopback_receiver() -> Iterator[Receiver]:
    recv = Receiver()
    yield recv
    recv.close()


@pytest.mark.parametrize("name", list(PRIVATE))
def test_every_private_class_is_refused_at_delivery_before_connecting(
    name: str, loopback_receiver: Receiver
) -> None:
    port = loopback_receiver.server.server_address[1]
    url = PRIVATE[name].replace(":8080", f":{port}")  # the loopback ones would reach the receiver
    with (
        delivery_client(CallbackPolicy.parse(""), timeout=2) as http,
        pytest.raises(CallbackRefused, match="non-public address"),
    ):
        http.post(url, content=b"{}")
    assert loopback_receiver.got == []


def test_delivery_connects_to_the_address_it_checked() -> None:
    """A name that resolves to a public address when registered and to 127.0.0.1 when delivered (DNS
    rebinding) is refused at delivery; an allow-listed one is delivered on the checked address (the name
    is looked up once: the socket never resolves it again) with its own Host header."""
    recv = Receiver()
    port = recv.server.server_address[1]
    url = f"http://hooks.example:{port}/hook"
    try:
        rebind = Resolver("hooks.example", ["93.184.216.34"], ["127.0.0.1"])
        policy = CallbackPolicy.parse("", resolver=rebind)
        assert policy.check_registration(url) == url
        with (
            delivery_client(policy, timeout=2) as http,
            pytest.raises(CallbackRefused, match=r"hooks\.example resolves to a non-public address"),
        ):
            http.post(url, content=b"{}")
        assert rebind.asked == 2 and recv.got == []

        mixed = Resolver("hooks.example", ["93.184.216.34", "10.0.0.7"])  # one bad address is enough
        with (
            delivery_client(CallbackPolicy.parse("", resolver=mixed), timeout=2) as http,
            pytest.raises(CallbackRefused, match="private"),
        ):
            http.post(url, content=b"{}")

        fixed = Resolver("hooks.example", ["127.0.0.1"])
        with delivery_client(CallbackPolicy.parse("127.0.0.1", resolver=fixed), timeout=2) as http:
            assert http.post(url, content=b"{}").status_code == 200
        assert fixed.asked == 1 and recv.got[0][0]["host"] == f"hooks.example:{port}"

        gone = Resolver("elsewhere.example", ["127.0.0.1"])
        with (
            delivery_client(CallbackPolicy.parse("hooks.example", resolver=gone), timeout=2) as http,
            pytest.raises(httpx.ConnectError),  # does not resolve: a transient failure
        ):
            http.post(url, content=b"{}")
    finally:
        recv.close()


def test_refused_delivery_is_logged_once_and_not_retried(tmp_path: Path) -> None:
    recv = Receiver()
    try:
        with api_client(tmp_path / "h", api_callback_attempts=3) as (c, store, _):
            # registered before the guard (straight into the store): localhost resolves to 127.0.0.1
            url = f"http://localhost:{recv.server.server_address[1]}/hook"
            _, key, _ = store.add_client("portal", callback_url=url)
            r = c.post(
                "/v1/submissions",
                params={"wait": 30},
                headers=bearer(key),
                files={"case": (None, case_bytes("SSRF-2"))},
            )
            sid = r.json()["id"]
            assert r.json()["status"] == "done"

            def deliveries() -> list[dict[str, Any]]:
                return c.get(f"/v1/submissions/{sid}/deliveries", headers=bearer(key)).json()["deliveries"]

            _wait_for(lambda: deliveries() and deliveries()[0]["status"] != "pending")
            time.sleep(0.3)  # a retry would come after 0.05 s
            (d,) = deliveries()
            assert d["status"] == "failed" and d["attempts"] == 1 and d["last_status_code"] is None
            assert d["last_error"].startswith("refused: callback URL host localhost resolves to")
            assert "loopback" in d["last_error"] and "not retried" in d["last_error"]
        assert recv.got == []
    finally:
        recv.close()


def test_allow_listed_loopback_is_delivered_signed(tmp_path: Path) -> None:
    recv = Receiver()
    try:
        with api_client(tmp_path / "h", api_callback_allow="localhost") as (c, store, _):
            _, key, secret = store.add_client("portal")
            url = f"http://localhost:{recv.server.server_address[1]}/hook"
            r = c.post(
                "/v1/submissions",
                params={"wait": 30},
                headers=bearer(key),
                files={"case": (None, case_bytes("SSRF-3")), "callback_url": (None, url)},
            )
            assert r.status_code in (200, 202), r.text
            _wait_for(lambda: recv.got)
            headers, body, _ = recv.got[0]
            assert verify_signature(
                secret, headers["x-intake-timestamp"], body, headers["x-intake-signature"]
            )
            assert json.loads(body)["submission_id"] == r.json()["id"]
    finally:
        recv.close()


def test_a_redirect_is_not_followed(tmp_path: Path) -> None:
    target = Receiver()  # on 127.0.0.1 too: even an allowed target is not reached by a redirect
    hop = Receiver(status=302, headers={"Location": f"http://127.0.0.1:{target.server.server_address[1]}/x"})
    try:
        with api_client(tmp_path / "h", api_callback_attempts=2, api_callback_allow="127.0.0.1") as (
            c,
            store,
            _,
        ):
            _, key, _ = store.add_client("portal", callback_url=hop.url)
            r = c.post(
                "/v1/submissions",
                params={"wait": 30},
                headers=bearer(key),
                files={"case": (None, case_bytes("SSRF-4"))},
            )
            sid = r.json()["id"]

            def deliveries() -> list[dict[str, Any]]:
                return c.get(f"/v1/submissions/{sid}/deliveries", headers=bearer(key)).json()["deliveries"]

            _wait_for(lambda: deliveries() and deliveries()[0]["status"] == "failed")
            (d,) = deliveries()
            assert d["last_status_code"] == 302 and "redirect: not followed" in d["last_error"]
        assert len(hop.got) == 2 and target.got == []
    finally:
        hop.close()
        target.close()
