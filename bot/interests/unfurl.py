"""Fetch a shared page's metadata (title, description, keywords, site name) safely.

Links in chat are chosen by anyone, so fetching them is a server-side request forgery risk.
Every hop of a fetch is checked the same way:

* only http and https; at most `max_redirects` redirects, followed by hand and each re-checked;
* the host is resolved by us and refused when ANY address is private, loopback, link-local,
  multicast, reserved, unspecified or otherwise not globally routable (IPv4-mapped and NAT64
  IPv6 forms are unwrapped first);
* the connection then goes to the address that was checked (a custom httpcore network
  backend), while the URL keeps the name, so the Host header, TLS SNI and certificate checks
  use the name. A DNS answer that changes between check and connect (DNS rebinding) cannot
  redirect us, because nothing resolves the name a second time. Proxies from the environment
  are ignored for the same reason.

Responses must be HTML, are read as a stream and cut at `max_bytes` (after decompression),
and the whole fetch is bounded by one wall-clock timeout. Results are cached per canonical URL
and failures are retried later with exponential backoff; `enabled=False` never fetches.
Parsing uses the standard library's forgiving `html.parser` and stops at `<body>`.

A hostile page must not stall the event loop either: only text charsets of an allow-list are
decoded (Python's punycode decoder is quadratic; bz2, base64, rot13… are no text at all),
each chunk is decoded and parsed on a worker thread, a tag left open for `_MAX_PENDING`
characters ends the head, and `unfurl()` turns any exception into a failed result.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import ipaddress
import re
import socket
import threading
import zlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from html.parser import HTMLParser
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from bot.clock import Clock, SystemClock
from bot.interests.topics import ResourceText
from bot.urls import canonicalize

__all__ = [
    "USER_AGENT",
    "BlockedAddress",
    "CacheEntry",
    "MemoryUnfurlCache",
    "PageMeta",
    "UnfurlCache",
    "UnfurlError",
    "UnfurlResult",
    "UnfurlSettings",
    "UnfurlStatus",
    "Unfurler",
    "is_public_address",
    "parse_html_meta",
]

USER_AGENT = "RhizomeBot/0.1 (+https://github.com/rhizome-bot)"
Resolver = Callable[[str], Awaitable[list[str]]]
Route = Callable[[str, int], tuple[str, int]]

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 65536


# --- settings and values --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnfurlSettings:
    enabled: bool = True
    allow_private: bool = False  # tests and trusted intranets only
    timeout: float = 5.0  # seconds for the whole fetch, redirects included
    max_bytes: int = 1_000_000
    max_redirects: int = 5
    user_agent: str = USER_AGENT
    max_title_chars: int = 300
    max_description_chars: int = 1000
    max_keywords: int = 20
    retry_base: timedelta = timedelta(minutes=30)
    retry_max: timedelta = timedelta(days=7)
    max_attempts: int = 6  # then the URL is given up (until the cache entry is removed)
    max_concurrency: int = 4

    @classmethod
    def from_config(cls, config: Any) -> UnfurlSettings:
        """From `bot.config.UnfurlConfig` (or anything with the same attributes)."""
        return cls(
            enabled=config.enabled,
            allow_private=config.allow_private_addresses,
            timeout=config.timeout_seconds,
            max_bytes=config.max_bytes,
            max_redirects=config.max_redirects,
        )


@dataclass(frozen=True, slots=True)
class PageMeta:
    url: str  # where the page was finally found, after redirects
    title: str | None = None
    og_title: str | None = None
    description: str | None = None
    og_description: str | None = None
    keywords: tuple[str, ...] = ()
    site_name: str | None = None
    truncated: bool = False  # the body was cut at max_bytes before </head>

    @property
    def best_title(self) -> str | None:
        return self.og_title or self.title

    @property
    def best_description(self) -> str | None:
        return self.og_description or self.description

    def resource_text(self) -> ResourceText:
        """What the topic extractor needs from the page."""
        return ResourceText(
            title=self.best_title,
            description=self.best_description,
            keywords=self.keywords,
            site_name=self.site_name,
        )


class UnfurlStatus(StrEnum):
    OK = "ok"  # fetched now
    CACHED = "cached"
    DISABLED = "disabled"
    REFUSED = "refused"  # not allowed (scheme, address, redirects, not HTML)
    FAILED = "failed"  # tried and failed (timeout, network, HTTP error); retried later
    BACKOFF = "backoff"  # failed before; not retried yet (or given up: retry_at None)


@dataclass(frozen=True, slots=True)
class UnfurlResult:
    status: UnfurlStatus
    meta: PageMeta | None = None
    error: str | None = None
    retry_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.meta is not None


class UnfurlError(Exception):
    """Why a fetch did not produce metadata. `refused` means policy, not bad luck."""

    REFUSALS = frozenset(
        {"scheme", "blocked_address", "redirects", "not_html", "bad_url", "bad_charset"}
    )

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail

    @property
    def refused(self) -> bool:
        return self.reason in self.REFUSALS


class BlockedAddress(UnfurlError):
    def __init__(self, host: str, address: str) -> None:
        super().__init__("blocked_address", f"{host} resolves to non-public {address}")
        self.host = host
        self.address = address


# --- cache ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CacheEntry:
    meta: PageMeta | None
    checked_at: datetime
    failures: int = 0
    error: str | None = None
    retry_at: datetime | None = None  # with meta None: when to try again; None = given up


class UnfurlCache(Protocol):
    """Where results and backoff state live; storage can implement it later."""

    async def get(self, key: str) -> CacheEntry | None: ...

    async def put(self, key: str, entry: CacheEntry) -> None: ...


class MemoryUnfurlCache:
    """A bounded in-process cache (least recently used entries go first)."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self._entries: OrderedDict[str, CacheEntry] = OrderedDict()
        self._max = max_entries

    async def get(self, key: str) -> CacheEntry | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    async def put(self, key: str, entry: CacheEntry) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


# --- addresses ------------------------------------------------------------------------------

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public_address(address: str) -> bool:
    """True only for globally routable unicast addresses."""
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        elif ip.sixtofour is not None and not is_public_address(str(ip.sixtofour)):
            return False
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local)
        or not ip.is_global
    )


async def system_resolver(host: str) -> list[str]:
    """All addresses the system resolver gives for a name.

    `getaddrinfo` blocks a thread until the resolver answers (seconds for a dead name server)
    and cannot be interrupted. `loop.getaddrinfo` runs it on the loop's default executor,
    whose threads `asyncio.run` joins on the way out: a one-shot console waited for lookups
    nobody needed any more. Each lookup runs on a daemon thread of its own instead (the
    unfurler's semaphore bounds how many); a cancelled lookup is abandoned, not waited for."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[list[Any]] = loop.create_future()

    def deliver(result: list[Any] | None, error: BaseException | None) -> None:
        if answer.done():
            return
        if error is not None:
            answer.set_exception(error)
        else:
            answer.set_result(result or [])

    def look_up() -> None:
        try:
            infos: list[Any] = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
            outcome: tuple[list[Any] | None, BaseException | None] = (infos, None)
        except Exception as e:  # handed to the waiting task
            outcome = (None, e)
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(deliver, *outcome)

    threading.Thread(target=look_up, name=f"dns {host}"[:60], daemon=True).start()
    infos = await answer
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks every address, then connects to a checked address (never the name)."""

    def __init__(self, resolver: Resolver, allow_private: bool, route: Route | None) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._resolver = resolver
        self._allow_private = allow_private
        self._route = route

    async def addresses(self, host: str) -> list[str]:
        host = host.strip("[]")
        try:
            ipaddress.ip_address(host)
            found = [host]
        except ValueError:
            try:
                found = await self._resolver(host)
            except (OSError, UnicodeError) as exc:
                raise UnfurlError("dns", f"{host}: {exc}") from exc
        if not found:
            raise UnfurlError("dns", f"{host}: no addresses")
        if not self._allow_private:
            for address in found:
                if not is_public_address(address):
                    raise BlockedAddress(host, address)
        return found

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        error: Exception | None = None
        for address in await self.addresses(host):
            target, target_port = self._route(address, port) if self._route else (address, port)
            try:
                return await self._inner.connect_tcp(
                    target,
                    target_port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise UnfurlError("blocked_address", "unix sockets are never used")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool on the guarded backend.

    httpx has no public hook for the network backend, so the pool it builds is replaced by
    an identical one that uses ours (no proxy: `trust_env` is off)."""

    def __init__(self, backend: _GuardedBackend, max_connections: int) -> None:
        super().__init__(trust_env=False)
        if not hasattr(self, "_pool"):  # pragma: no cover - guards an httpx internals change
            raise RuntimeError("httpx transport internals changed; cannot guard connections")
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections,
            network_backend=backend,
        )


# --- HTML -----------------------------------------------------------------------------------


class _Done(Exception):
    pass


_SPACE = re.compile(r"\s+")
_MAX_PENDING = 98304  # characters of one unfinished tag or comment before parsing stops
_FEED_CHARS = 16384  # characters handed to the parser at a time
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    text = _SPACE.sub(" ", _CONTROL.sub("", text)).strip()
    if not text:
        return None
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _MetaParser(HTMLParser):
    """Collects <title> and the meta tags we want; stops at <body> or </head>."""

    _WANTED = frozenset({"description", "keywords", "og:title", "og:description", "og:site_name"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title_parts: list[str] | None = None
        self.title: str | None = None
        self.meta: dict[str, str] = {}
        self._skip = 0  # inside <svg> or <noscript>, whose <title> is not the page's
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            raise _Done
        if tag in ("svg", "noscript"):
            self._skip += 1
        elif tag == "title" and self.title is None and not self._skip:
            self.title_parts = []
        elif tag == "meta":
            values = {k.lower(): (v or "") for k, v in attrs}
            key = (values.get("property") or values.get("name") or "").strip().lower()
            if key in self._WANTED and key not in self.meta and "content" in values:
                self.meta[key] = values["content"]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "svg":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("svg", "noscript") and self._skip:
            self._skip -= 1
        elif tag == "title" and self.title_parts is not None:
            self.title = "".join(self.title_parts)
            self.title_parts = None
        elif tag == "head":
            raise _Done

    def handle_data(self, data: str) -> None:
        if self.title_parts is not None:
            self.title_parts.append(data)

    def feed_safely(self, text: str) -> bool:
        """Feed text; True once the head is complete. Broken HTML never raises.

        html.parser keeps an unfinished construct (a tag or comment still open) and scans it
        again at every feed, so a hostile head (`<meta a="a="a=…` for a megabyte) costs the
        square of its size; one left open for `_MAX_PENDING` characters ends the head."""
        if self.done:
            return True
        try:
            self.feed(text)
        except _Done:
            self.done = True
        except Exception:  # html.parser is lenient, but never let a page crash us
            self.done = True
        if len(self.rawdata) > _MAX_PENDING:
            self.done = True
        return self.done

    def result(self, url: str, settings: UnfurlSettings, truncated: bool) -> PageMeta:
        title = self.title
        if title is None and self.title_parts:  # unclosed <title>
            title = "".join(self.title_parts)
        keywords: list[str] = []
        for word in (self.meta.get("keywords") or "").split(","):
            cleaned = _clean(word, 50)
            if cleaned and cleaned not in keywords:
                keywords.append(cleaned)
        t, d = settings.max_title_chars, settings.max_description_chars
        return PageMeta(
            url=url,
            title=_clean(title, t),
            og_title=_clean(self.meta.get("og:title"), t),
            description=_clean(self.meta.get("description"), d),
            og_description=_clean(self.meta.get("og:description"), d),
            keywords=tuple(keywords[: settings.max_keywords]),
            site_name=_clean(self.meta.get("og:site_name"), 100),
            truncated=truncated and not self.done,
        )


# A <meta> naming a charset within the first bytes; the attribute run is bounded, so a head
# of thousands of unclosed `<meta` costs a bounded scan each, never a quadratic one.
_META_CHARSET = re.compile(
    rb"""<meta\b[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]{1,40})""", re.IGNORECASE
)
# Charsets a web page may really be in (WHATWG's encodings that Python decodes in linear time).
# Anything else Python can "decode" is refused: punycode's decoder is quadratic (a 1 MB page
# took 73 s), and bz2, zlib, base64, rot13, hex, uu... are not text charsets at all.
_TEXT_CHARSETS = frozenset(
    codecs.lookup(name).name
    for name in (
        "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "ascii", "latin-1",
        *(f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16)),
        *(f"cp{n}" for n in (866, 874, 932, 949, 1250, 1251, 1252, 1253, 1254, 1255, 1256,
                              1257, 1258)),
        "koi8-r", "koi8-u", "mac-roman", "mac-cyrillic", "gb2312", "gbk", "gb18030", "big5",
        "big5hkscs", "shift_jis", "euc-jp", "euc-kr", "iso2022-jp", "iso2022-kr", "tis-620",
    )
)  # fmt: skip
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _charset(declared: str | None, head: bytes) -> str:
    """A BOM, else the declared charset if known, else a <meta> in the first bytes, else UTF-8.

    Raises `UnfurlError("bad_charset")` for a name Python knows but that is not a text charset
    of the allow-list (unknown names are skipped, as browsers do)."""
    candidates: list[str] = []
    for bom, name in _BOMS:
        if head.startswith(bom):
            candidates.append(name)
    if declared:
        candidates.append(declared)
    match = _META_CHARSET.search(head[:4096])
    if match:
        candidates.append(match.group(1).decode("ascii", "replace"))
    for name in candidates:
        try:
            found = codecs.lookup(name.strip().lower()[:40]).name
        except (LookupError, ValueError):
            continue
        if found not in _TEXT_CHARSETS:
            raise UnfurlError("bad_charset", f"{found} is not a text charset")
        return found
    return "utf-8"


def parse_html_meta(
    body: bytes,
    url: str,
    charset: str | None = None,
    settings: UnfurlSettings | None = None,
    *,
    truncated: bool = False,
) -> PageMeta:
    """Metadata of an HTML document (pure; the fetcher streams into the same parser)."""
    parser = _MetaParser()
    try:
        encoding = _charset(charset, body[:4096])
    except UnfurlError:
        encoding = "utf-8"  # a non-text charset name decodes nothing: read the bytes as UTF-8
    parser.feed_safely(body.decode(encoding, errors="replace"))
    return parser.result(url, settings or UnfurlSettings(), truncated)


class _Inflater:
    """gzip/deflate decoding whose output is bounded, so a small bomb stays small."""

    def __init__(self, encoding: str) -> None:
        self._z = zlib.decompressobj(wbits=47 if encoding == "gzip" else 15)  # 47: gzip or zlib
        self._deflate = encoding == "deflate"
        self._first = True

    def feed(self, data: bytes, limit: int) -> bytes:
        data = self._z.unconsumed_tail + data
        try:
            try:
                return self._z.decompress(data, max(1, limit))
            except zlib.error:
                if not (self._first and self._deflate):
                    raise
                self._z = zlib.decompressobj(wbits=-15)  # "deflate" without zlib header
                return self._z.decompress(data, max(1, limit))
        except zlib.error as exc:
            raise UnfurlError("network", f"bad compressed body: {exc}") from exc
        finally:
            self._first = False


# --- the unfurler ---------------------------------------------------------------------------


class Unfurler:
    """Fetches page metadata with the safety rules above; one instance per process."""

    def __init__(
        self,
        settings: UnfurlSettings | None = None,
        *,
        cache: UnfurlCache | None = None,
        resolver: Resolver | None = None,
        clock: Clock | None = None,
        route: Route | None = None,
    ) -> None:
        """`resolver` maps a host name to its addresses (default: the system's). `route`
        maps a checked (address, port) to where to connect; production leaves it None and
        tests use it to reach a loopback server behind a made-up public address."""
        self.settings = settings or UnfurlSettings()
        self.cache: UnfurlCache = cache if cache is not None else MemoryUnfurlCache()
        self.clock: Clock = clock or SystemClock()
        self._backend = _GuardedBackend(
            resolver or system_resolver, self.settings.allow_private, route
        )
        self._client: httpx.AsyncClient | None = None
        self._semaphore = asyncio.Semaphore(self.settings.max_concurrency)
        self._inflight: dict[str, asyncio.Future[UnfurlResult]] = {}

    async def __aenter__(self) -> Unfurler:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    @staticmethod
    def cache_key(url: str) -> str:
        return canonicalize(url) or url.strip()

    # --- cached entry point -------------------------------------------------------------------

    async def unfurl(self, url: str) -> UnfurlResult:
        """Metadata for a URL from the cache, or fetched now; never raises for bad pages."""
        if not self.settings.enabled:
            return UnfurlResult(UnfurlStatus.DISABLED)
        try:
            self._check_url(url)
        except UnfurlError as exc:
            return UnfurlResult(UnfurlStatus.REFUSED, error=str(exc))
        key = self.cache_key(url)
        entry = await self.cache.get(key)
        now = self.clock.now()
        if entry is not None:
            if entry.meta is not None:
                return UnfurlResult(UnfurlStatus.CACHED, entry.meta)
            if entry.retry_at is None or now < entry.retry_at:
                return UnfurlResult(
                    UnfurlStatus.BACKOFF, error=entry.error, retry_at=entry.retry_at
                )
        running = self._inflight.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[UnfurlResult] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            result = await self._fetch_and_store(url, key, entry)
            future.set_result(result)
            return result
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise, nobody logs it twice
            raise
        finally:
            del self._inflight[key]

    async def _fetch_and_store(self, url: str, key: str, entry: CacheEntry | None) -> UnfurlResult:
        async with self._semaphore:
            try:
                try:
                    meta = await self.fetch(url)
                except UnfurlError:
                    raise
                except Exception as exc:  # a page must never crash its caller: fail, retry later
                    raise UnfurlError("failed", type(exc).__name__) from exc
            except UnfurlError as exc:
                now = self.clock.now()
                failures = (entry.failures if entry else 0) + 1
                retry_at = None
                if failures < self.settings.max_attempts:
                    delay = min(
                        self.settings.retry_base * (2 ** (failures - 1)), self.settings.retry_max
                    )
                    retry_at = now + delay
                await self.cache.put(key, CacheEntry(None, now, failures, str(exc), retry_at))
                status = UnfurlStatus.REFUSED if exc.refused else UnfurlStatus.FAILED
                return UnfurlResult(status, error=str(exc), retry_at=retry_at)
        await self.cache.put(key, CacheEntry(meta, self.clock.now()))
        return UnfurlResult(UnfurlStatus.OK, meta)

    # --- one fetch ----------------------------------------------------------------------------

    def _check_url(self, url: str) -> httpx.URL:
        try:
            parts = urlsplit(url.strip())
        except ValueError as exc:
            raise UnfurlError("bad_url", str(exc)) from exc
        if parts.scheme.lower() not in ("http", "https"):
            raise UnfurlError("scheme", f"{parts.scheme or 'no'} scheme is not fetched")
        try:
            parsed = httpx.URL(url.strip())
        except (httpx.InvalidURL, ValueError) as exc:
            raise UnfurlError("bad_url", str(exc)) from exc
        if not parsed.host:
            raise UnfurlError("bad_url", "no host")
        if parsed.username or parsed.password:
            raise UnfurlError("bad_url", "credentials in URL")
        return parsed

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=_GuardedTransport(self._backend, self.settings.max_concurrency * 2),
                follow_redirects=False,
                trust_env=False,
                timeout=httpx.Timeout(self.settings.timeout),
                # httpx parses a redirect's Location before we see the response; check it
                # first so "mailto:" and friends are refused with a clear reason.
                event_hooks={"response": [self._check_redirect]},
                headers={
                    "User-Agent": self.settings.user_agent,
                    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
                    "Accept-Encoding": "gzip, deflate",
                    "Accept-Language": "en;q=0.9, *;q=0.5",
                },
            )
        return self._client

    async def _check_redirect(self, response: httpx.Response) -> None:
        location = response.headers.get("location")
        if response.status_code in _REDIRECTS and location is not None:
            self._check_url(urljoin(str(response.url), location.strip()))

    async def fetch(self, url: str) -> PageMeta:
        """Fetch now, without the cache. Raises `UnfurlError` (see `reason`)."""
        if not self.settings.enabled:
            raise UnfurlError("disabled", "unfurling is switched off")
        try:
            async with asyncio.timeout(self.settings.timeout):
                return await self._fetch(url)
        except TimeoutError as exc:
            raise UnfurlError("timeout", f"no page within {self.settings.timeout:g} s") from exc
        except httpx.TimeoutException as exc:
            raise UnfurlError("timeout", str(exc) or type(exc).__name__) from exc
        except httpx.HTTPError as exc:
            raise UnfurlError("network", str(exc) or type(exc).__name__) from exc
        except (httpx.InvalidURL, ValueError) as exc:
            raise UnfurlError("bad_url", str(exc)) from exc

    async def _fetch(self, url: str) -> PageMeta:
        client = self._http()
        current = url.strip()
        for _hop in range(self.settings.max_redirects + 1):
            target = self._check_url(current)
            if _is_ip(target.host):  # literal addresses fail here, before any connection
                await self._backend.addresses(target.host)
            response = await client.send(client.build_request("GET", target), stream=True)
            try:
                if response.status_code in _REDIRECTS and "location" in response.headers:
                    current = urljoin(str(response.url), response.headers["location"].strip())
                    continue
                if response.status_code >= 400:
                    raise UnfurlError("http_status", f"HTTP {response.status_code}")
                return await self._read(response)
            finally:
                await response.aclose()
        raise UnfurlError("redirects", f"more than {self.settings.max_redirects} redirects")

    async def _read(self, response: httpx.Response) -> PageMeta:
        """Stream the body through the parser until </head>, the byte cap or the end."""
        ctype = response.headers.get("content-type", "")
        mime, _, params = ctype.partition(";")
        mime = mime.strip().lower()
        if mime and mime not in _HTML_TYPES:
            raise UnfurlError("not_html", f"content type {mime}")
        declared = None
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "charset":
                declared = value.strip().strip("\"'") or None
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("identity", "", "gzip", "deflate", "x-gzip"):
            raise UnfurlError("not_html", f"content encoding {encoding}")
        inflater = None
        if encoding not in ("identity", ""):
            inflater = _Inflater("gzip" if encoding == "x-gzip" else encoding)

        limit = self.settings.max_bytes
        parser = _MetaParser()
        decoder: codecs.IncrementalDecoder | None = None
        pending = b""
        received = 0
        truncated = False
        async for raw in response.aiter_raw(_CHUNK):
            chunk = inflater.feed(raw, limit - received + 1) if inflater else raw
            if received + len(chunk) > limit:
                chunk = chunk[: limit - received]
                truncated = True
            received += len(chunk)
            if decoder is None:
                pending += chunk
                if len(pending) < 1024 and not truncated:
                    continue
                if not mime and not _looks_like_html(pending):
                    raise UnfurlError("not_html", "no content type and not HTML")
                decoder = codecs.getincrementaldecoder(_charset(declared, pending))("replace")
                chunk, pending = pending, b""
            if await _parse_off_loop(parser, decoder, chunk) or truncated:
                break
        else:
            if decoder is None:
                if not mime and not _looks_like_html(pending):
                    raise UnfurlError("not_html", "no content type and not HTML")
                decoder = codecs.getincrementaldecoder(_charset(declared, pending))("replace")
                await _parse_off_loop(parser, decoder, pending)
            await _parse_off_loop(parser, decoder, b"", final=True)
        return parser.result(str(response.url), self.settings, truncated)


async def _parse_off_loop(
    parser: _MetaParser, decoder: codecs.IncrementalDecoder, chunk: bytes, *, final: bool = False
) -> bool:
    """Decode and parse one chunk on a worker thread, so a slow page costs that thread, never
    the event loop (Slack acks, commands and ingest wait on it). The text goes to the parser in
    slices, so no single call (a regex holds the GIL throughout) works on more than one."""

    def step() -> bool:
        text = decoder.decode(chunk, final)
        for start in range(0, max(len(text), 1), _FEED_CHARS):
            if parser.feed_safely(text[start : start + _FEED_CHARS]):
                return True
        return parser.done

    return await asyncio.to_thread(step)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


_HTML_SNIFF = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|title|meta)\b", re.I | re.S
)


def _looks_like_html(head: bytes) -> bool:
    return bool(_HTML_SNIFF.match(head.lstrip(codecs.BOM_UTF8)[:2048]))
