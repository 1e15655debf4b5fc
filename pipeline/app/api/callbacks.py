"""Where a callback may go: a public host, or one the operator allow-listed (an SSRF guard).

A callback URL is chosen by an API client (``intake clients add --callback-url``, or ``callback_url``
per submission), but the POST comes from inside the site's network; without a guard a client could make
the server call 127.0.0.1, the cloud metadata address or any internal service. So:

* the URL is ``http://`` or ``https://``, with a host, without user info, ≤ 2000 characters;
* every address its host resolves to must be *public* (globally routable: not loopback, private,
  shared/CGNAT, link-local (169.254.169.254), unique-local, multicast, reserved or unspecified, also
  when embedded in an IPv6 address), unless ``INTAKE_API_CALLBACK_ALLOW`` allows it: a comma list of
  host names (``hooks.corp``), ``*.domain`` patterns (any subdomain of ``domain``) and addresses or
  CIDR blocks (``10.20.0.0/16``, ``::1``). An allow-listed name may resolve anywhere; otherwise each
  address must be public or inside an allowed block;
* checked when the URL is registered (a literal address or a name that resolves now; a name that does
  not resolve yet is accepted, the delivery decides) and again at every delivery, after resolution:
  the delivery connects to the very address that was checked (a DNS answer that changes between the
  check and the connection does not get through) and follows no redirect.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pipeline.errors import ConfigError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

MAX_URL = 2000
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")
_METADATA = ipaddress.IPv4Address("169.254.169.254")


class CallbackRefused(Exception):
    """A callback URL the policy does not let through; the message is one line, fit for the client."""


def resolve(host: str, port: int) -> list[str]:
    """Every address of ``host`` (numeric forms such as ``127.1`` or ``2130706433`` included), in the
    resolver's order, without duplicates. ``socket.gaierror`` when the name does not resolve."""
    out: list[str] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        addr = str(sockaddr[0])
        if len(sockaddr) >= 4 and sockaddr[3]:  # an IPv6 scope (fe80::1%eth0)
            addr = f"{addr}%{sockaddr[3]}"
        if addr not in out:
            out.append(addr)
    return out


def _numeric(host: str) -> list[str] | None:
    """The address(es) of a host written as an address in any form inet_aton/inet_pton take, or None."""
    try:
        infos = socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    return list(dict.fromkeys(str(i[4][0]) for i in infos))


def non_public(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public address (a few words), or None when it is one."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            why = non_public(embedded)
            if why is not None:
                return f"{why}, inside an IPv6 address"
            if ip.teredo:
                return "Teredo"
            return None
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip == _METADATA:
        return "link-local, cloud metadata"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "shared address space"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private or not ip.is_global:
        return "private"
    return None


def _ip(text: str) -> IPAddress:
    return ipaddress.ip_address(text.split("%", 1)[0])


def _norm_name(host: str) -> str:
    return host.strip().rstrip(".").lower()


@dataclass(frozen=True)
class CallbackPolicy:
    """Public hosts, plus what ``INTAKE_API_CALLBACK_ALLOW`` names. ``resolver`` is the name lookup
    (``socket.getaddrinfo``; a test may give another)."""

    names: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()
    networks: tuple[IPNetwork, ...] = ()
    resolver: Resolver = field(default=resolve, compare=False)

    @classmethod
    def parse(cls, allow: str | Iterable[str] | None, resolver: Resolver | None = None) -> CallbackPolicy:
        """The policy of a comma list (the setting's text); :class:`ConfigError` names a bad entry."""
        entries = allow.split(",") if isinstance(allow, str) else list(allow or [])
        names: set[str] = set()
        suffixes: list[str] = []
        networks: list[IPNetwork] = []
        for raw in entries:
            entry = raw.strip()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            name = _norm_name(entry[2:] if entry.startswith("*.") else entry)
            labels = name.split(".")
            if (
                not name
                or "/" in entry
                or any(not lab or len(lab) > 63 for lab in labels)
                or not all(ch.isalnum() or ch in "-_" for lab in labels for ch in lab)
            ):
                raise ConfigError(
                    f"INTAKE_API_CALLBACK_ALLOW: {entry[:80]!r} is neither a host name, a *.domain "
                    "pattern nor an address or CIDR block"
                )
            if entry.startswith("*."):
                suffixes.append("." + name)
            else:
                names.add(name)
        return cls(frozenset(names), tuple(suffixes), tuple(networks), resolver or resolve)

    # ------------------------------------------------------------------ pieces
    def name_allowed(self, host: str) -> bool:
        name = _norm_name(host)
        return name in self.names or any(name.endswith(s) for s in self.suffixes)

    def address_refusal(self, addr: str) -> str | None:
        """Why the policy refuses a connection to ``addr``, or None."""
        try:
            ip = _ip(addr)
        except ValueError:
            return "not an address"
        if any(ip.version == n.version and ip in n for n in self.networks):
            return None
        return non_public(ip)

    def check_syntax(self, url: str) -> tuple[str, str, int]:
        """(scheme, host, port) of an acceptable URL; :class:`CallbackRefused` otherwise."""
        import httpx

        if not isinstance(url, str) or len(url) > MAX_URL:
            raise CallbackRefused(f"must be an http:// or https:// URL of at most {MAX_URL} characters")
        if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
            raise CallbackRefused("must not contain spaces or control characters")
        try:
            u = httpx.URL(url)
        except (httpx.InvalidURL, ValueError, TypeError):
            raise CallbackRefused("is not a valid URL") from None
        if u.scheme not in ("http", "https"):
            raise CallbackRefused("must be an http:// or https:// URL")
        if u.userinfo:
            raise CallbackRefused("must not carry a user name or password")
        host = u.raw_host.decode("ascii")
        if not host:
            raise CallbackRefused("has no host")
        if ":" in host:
            if _numeric(host) is None:
                raise CallbackRefused("has an unusable IPv6 address")
        elif not all(ch.isalnum() or ch in "-_." for ch in host):
            raise CallbackRefused("has an unusable host name")
        return u.scheme, host, u.port or (443 if u.scheme == "https" else 80)

    def connect_addresses(self, host: str, port: int) -> list[str]:
        """The checked addresses a delivery to ``host`` connects to, resolved once.

        :class:`CallbackRefused` when any address of the host is refused; ``socket.gaierror`` when the
        name does not resolve (a transient failure: retried)."""
        numeric = _numeric(host)
        try:
            addrs = numeric if numeric is not None else self.resolver(host, port)
        except (OSError, UnicodeError):
            name = _norm_name(host)
            if (name == "localhost" or name.endswith(".localhost")) and not self.name_allowed(host):
                # loopback by definition (RFC 6761), even where the resolver does not know it
                raise CallbackRefused(f"host {host} is a non-public address (loopback name)") from None
            raise
        if not addrs:
            raise socket.gaierror(socket.EAI_NONAME, "no address")
        if numeric is None and self.name_allowed(host):
            return addrs
        for a in addrs:
            why = self.address_refusal(a)
            if why is not None:
                what = "is" if numeric is not None else "resolves to"
                raise CallbackRefused(f"host {host} {what} a non-public address ({why})")
        return addrs

    # ------------------------------------------------------------------ the two checks
    def check_registration(self, url: str) -> str:
        """Check a callback URL when a client or a submission names it; returns it unchanged."""
        _, host, port = self.check_syntax(url)
        try:
            self.connect_addresses(host, port)
        except (OSError, UnicodeError):
            pass  # not resolvable now (a name of the receiver's future network?): the delivery decides
        return url


class GuardedBackend:
    """httpcore's network backend with the policy between name and socket: resolves the host once,
    refuses unless every address passes, connects to a checked address (never resolves again)."""

    def __init__(self, policy: CallbackPolicy) -> None:
        import httpcore

        self.policy = policy
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> Any:
        import httpcore

        try:
            addrs = self.policy.connect_addresses(host, port)
        except (OSError, UnicodeError) as e:
            raise httpcore.ConnectError(f"name does not resolve ({type(e).__name__})") from None
        last: Exception | None = None
        for addr in addrs[:4]:
            try:
                return self._inner.connect_tcp(addr, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                last = e
        assert last is not None
        raise last

    def connect_unix_socket(self, *a: Any, **kw: Any) -> Any:  # pragma: no cover - never configured
        raise CallbackRefused("unix sockets are not callback targets")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def delivery_client(policy: CallbackPolicy, timeout: float) -> Any:
    """The HTTP client of callback deliveries: the guarded backend, no redirects, no proxy or .netrc
    from the environment (a proxy would connect for us, past the check)."""
    import httpcore
    import httpx

    transport = httpx.HTTPTransport(trust_env=False)
    # httpx has no option for httpcore's network backend: its pool is replaced by one with the guard
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=20,
        max_keepalive_connections=5,
        keepalive_expiry=5.0,
        network_backend=GuardedBackend(policy),  # type: ignore[arg-type]
    )
    return httpx.Client(transport=transport, timeout=timeout, follow_redirects=False, trust_env=False)
