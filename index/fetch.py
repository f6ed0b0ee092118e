"""Polite, bounded HTTP fetching for feeds and article pages.

Every request: http or https only; the host's addresses checked against private, loopback and
link-local ranges (unless `FetchPolicy.allow_private`); robots.txt obeyed for newsbot's
User-Agent; at most `per_host` requests at a time to one host; a timeout on each phase and on the
whole request; a body cut off at `max_bytes`; redirects followed by hand, each hop checked the same
way, at most `max_redirects` of them. Every failure is a `FetchError` whose message says what
went wrong in a few words, for /feeds and the CLI.

The address check resolves the name before the request; httpx resolves it again when it connects.
A DNS server that answers differently within that second (DNS rebinding) could slip past it; a
deployment that must rule that out also blocks private ranges for the bot in its firewall. Proxy
variables in the environment are ignored (`trust_env=False`), so no setting reroutes the checks.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
import urllib.robotparser
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

USER_AGENT = "newsbot/0.1 (+https://github.com/newsbot; news question answering bot)"
ROBOTS_TTL_SECONDS = 3600.0  # robots.txt is read again after an hour
MAX_URL_CHARS = 2048  # longer URLs are refused: browsers and servers commonly stop near 2,000
SHORT_URL_CHARS = 100  # how much of a URL a message shows


class FetchError(Exception):
    """A request that did not give a usable page; the message names the cause."""


def url_problem(url: str) -> str:
    """What keeps `url` from being fetched, in a few words; "" for a well-formed http(s) URL.

    Checked before anything is parsed further, so that a malformed URL ('http://[::1', a port of
    99999, a host name label over 63 characters) is one line naming it, never a traceback."""
    if len(url) > MAX_URL_CHARS:
        return f"longer than {MAX_URL_CHARS} characters"
    if any(c.isspace() or not c.isprintable() for c in url):
        return "it holds spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (the property checks the port)
    except ValueError as error:
        return f"malformed: {error}"
    if parts.scheme.lower() not in ("http", "https"):
        return f"only http and https URLs are fetched, not {parts.scheme or 'a bare path'}"
    host = parts.hostname
    if not host:
        return "no host in it"
    if ":" not in host:  # an IPv6 literal has no labels to check
        try:
            host.encode("idna")  # what the resolver does with it: labels of 1 to 63 characters
        except UnicodeError:
            return "the host name is not valid (empty labels, or one over 63 characters)"
    return ""


def shorten_url(url: str, limit: int = SHORT_URL_CHARS) -> str:
    """`url` as a message shows it: at most `limit` characters, cut in the middle."""
    if len(url) <= limit:
        return url
    keep = limit - 1
    return url[: keep - keep // 3] + "…" + url[len(url) - keep // 3 :]


@dataclass(frozen=True)
class FetchPolicy:
    """The limits every request obeys."""

    timeout: float = 15.0  # seconds for each of connect, read and write, and for the whole request x2
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    per_host: int = 2
    allow_private: bool = False
    user_agent: str = USER_AGENT

    def __post_init__(self) -> None:
        if self.timeout <= 0:
            raise ValueError(f"timeout must be > 0, got {self.timeout}")
        if self.max_bytes <= 0:
            raise ValueError(f"max_bytes must be > 0, got {self.max_bytes}")
        if self.max_redirects < 0:
            raise ValueError(f"max_redirects must be >= 0, got {self.max_redirects}")
        if self.per_host < 1:
            raise ValueError(f"per_host must be >= 1, got {self.per_host}")


@dataclass(frozen=True)
class Page:
    """A fetched response: `not_modified` when a conditional request was answered 304."""

    url: str  # after redirects
    status: int
    content_type: str = ""
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""
    not_modified: bool = False


@dataclass
class _Robots:
    parser: urllib.robotparser.RobotFileParser
    read_at: float


@dataclass
class Fetcher:
    """An httpx client with newsbot's rules; use as `async with Fetcher(policy) as fetcher`."""

    policy: FetchPolicy = field(default_factory=FetchPolicy)
    _client: httpx.AsyncClient | None = None
    _hosts: dict[str, asyncio.Semaphore] = field(default_factory=dict)
    _robots: dict[str, _Robots] = field(default_factory=dict)
    _robots_locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    async def __aenter__(self) -> Fetcher:
        timeout = httpx.Timeout(self.policy.timeout)
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False,
                                         headers={"User-Agent": self.policy.user_agent})
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def get(self, url: str, etag: str = "", last_modified: str = "") -> Page:
        """GET `url` under the policy; a 304 to the conditional headers gives `not_modified`."""
        conditional = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        current = url
        for _ in range(self.policy.max_redirects + 1):
            await self._check_url(current)
            await self._check_robots(current)
            page, location = await self._one(current, conditional)
            if location is None:
                return page
            current = _join(current, location)
        raise FetchError(f"too many redirects (more than {self.policy.max_redirects}; a redirect loop?)")

    async def _one(self, url: str, headers: dict[str, str]) -> tuple[Page, str | None]:
        """One request, no redirects followed: (page, None) or (_, the redirect's target)."""
        assert self._client is not None, "use Fetcher in `async with`"
        host = urlsplit(url).hostname or ""
        gate = self._hosts.setdefault(host, asyncio.Semaphore(self.policy.per_host))
        async with gate:
            try:
                async with asyncio.timeout(self.policy.timeout * 2):
                    return await self._read(url, headers)
            except TimeoutError:
                raise FetchError(f"timed out after {self.policy.timeout * 2:g} s") from None
            except httpx.TimeoutException:
                raise FetchError(f"timed out (no answer within {self.policy.timeout:g} s)") from None
            except httpx.HTTPError as error:
                raise FetchError(f"cannot connect ({type(error).__name__}: {error})"[:200]) from None

    async def _read(self, url: str, headers: dict[str, str]) -> tuple[Page, str | None]:
        assert self._client is not None
        async with self._client.stream("GET", url, headers=headers) as response:
            if response.status_code in (301, 302, 303, 307, 308):
                location = response.headers.get("location")
                if not location:
                    raise FetchError(f"HTTP {response.status_code} without a Location header")
                return Page(url, response.status_code), location
            if response.status_code == 304:
                return Page(url, 304, etag=response.headers.get("etag", ""),
                            last_modified=response.headers.get("last-modified", ""), not_modified=True), None
            if response.status_code != 200:
                raise FetchError(f"HTTP {response.status_code} {response.reason_phrase}".strip())
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.policy.max_bytes:
                raise FetchError(self._too_large())
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self.policy.max_bytes:
                    raise FetchError(self._too_large())
            return Page(
                url=url,
                status=200,
                content_type=response.headers.get("content-type", "").split(";")[0].strip().lower(),
                body=bytes(body),
                etag=response.headers.get("etag", ""),
                last_modified=response.headers.get("last-modified", ""),
            ), None

    def _too_large(self) -> str:
        return f"page too large (over {self.policy.max_bytes / 2**20:g} MiB)"

    async def _check_url(self, url: str) -> None:
        problem = url_problem(url)
        if problem:
            raise FetchError(f"{problem}: {shorten_url(url)}")
        parts = urlsplit(url)
        host = parts.hostname
        assert host is not None  # url_problem checked it
        if self.policy.allow_private:
            return
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 80, type=socket.SOCK_STREAM)
            except OSError as error:
                raise FetchError(f"cannot resolve {shorten_url(host)} ({error.strerror or error})") from None
            except UnicodeError:  # the resolver's IDNA encoding refused the name
                raise FetchError(f"the host name is not valid: {shorten_url(host)}") from None
            addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        for address in addresses:
            if not is_public(address):
                raise FetchError(f"{host} is a private, loopback or link-local address ({address}); "
                                 "set NEWSBOT_FEEDS_ALLOW_PRIVATE=1 to allow it")

    async def _check_robots(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:  # one robots.txt request per origin, however many pages wait for it
            robots = self._robots.get(origin)
            if robots is None or time.monotonic() - robots.read_at > ROBOTS_TTL_SECONDS:
                robots = _Robots(await self._read_robots(origin), time.monotonic())
                self._robots[origin] = robots
        if not robots.parser.can_fetch(self.policy.user_agent, url):
            raise FetchError(f"robots.txt of {parts.netloc} disallows {parts.path or '/'}")

    async def _read_robots(self, origin: str) -> urllib.robotparser.RobotFileParser:
        """As urllib.robotparser reads it: 401/403 forbid everything, other 4xx allow everything;
        a server error or no answer forbids for now (RFC 9309), so the feed is retried later."""
        parser = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
        try:
            page, location = await self._one(origin + "/robots.txt", {})
            if location is not None:  # a redirect of robots.txt: followed once, within the same checks
                target = _join(origin + "/robots.txt", location)
                await self._check_url(target)
                page, location = await self._one(target, {})
        except FetchError as error:
            text = str(error)
            if text.startswith("HTTP 401") or text.startswith("HTTP 403"):
                parser.parse(["User-agent: *", "Disallow: /"])
                return parser
            if text.startswith("HTTP 4"):
                parser.parse([])  # no rules: everything allowed
                return parser
            raise FetchError(f"robots.txt could not be read: {text}") from None
        if location is not None:
            parser.parse([])
            return parser
        # Up to max_bytes of rules: parsed off the event loop, which answers chats meanwhile.
        await asyncio.to_thread(parser.parse, page.body.decode("utf-8", errors="replace").splitlines())
        return parser


def _join(base: str, location: str) -> str:
    """The target of a redirect; a malformed Location is a FetchError, not a traceback."""
    try:
        return urljoin(base, location)
    except ValueError:
        raise FetchError(f"redirect to a malformed URL: {shorten_url(location)}") from None


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """False for private, loopback, link-local, multicast, reserved and unspecified addresses."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not (address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
                or address.is_reserved or address.is_unspecified)

