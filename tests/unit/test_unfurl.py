"""The unfurler against a real aiohttp server on 127.0.0.1 (port 0).

Tests that check the address policy keep `allow_private=False` and reach the loopback server
only through a made-up public address: the injected resolver answers `public.test` with a
global address, and the injected route connects that checked address to the local server.
Every address (private ones included) is routed to the same server, so a missing check
would show up as a recorded hit.
"""

from __future__ import annotations

import asyncio
import gzip
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from bot.clock import FixedClock
from bot.interests.unfurl import (
    USER_AGENT,
    MemoryUnfurlCache,
    Unfurler,
    UnfurlSettings,
    UnfurlStatus,
    is_public_address,
    parse_html_meta,
)

PUBLIC_IP = "93.184.215.14"  # never contacted: routed to the loopback server

PAGE = """<!doctype html>
<html><head>
<meta charset="utf-8">
<title>  Tokio   tutorial | Tokio </title>
<meta name="description" content="Learn async Rust with Tokio.">
<meta property="og:title" content="Tokio tutorial">
<meta property="og:description" content="The official guide &amp; more">
<meta name="keywords" content="rust, async, tokio, rust">
<meta property="og:site_name" content="Tokio">
</head><body><p>hello</p></body></html>"""


@dataclass
class Server:
    port: int = 0
    hits: Counter[str] = field(default_factory=Counter)
    hosts: list[str] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)
    big_written: int = 0
    flaky_failures: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def public(self, path: str) -> str:
        return f"http://public.test:{self.port}{path}"


def make_app(state: Server) -> web.Application:
    async def record(request: web.Request) -> None:
        state.hits[request.path] += 1
        state.hosts.append(request.headers.get("Host", ""))
        state.agents.append(request.headers.get("User-Agent", ""))

    async def page(request: web.Request) -> web.Response:
        await record(request)
        return web.Response(text=PAGE, content_type="text/html")

    async def latin1(request: web.Request) -> web.Response:
        await record(request)
        body = '<html><head><meta charset="windows-1252"><title>Café crème</title></head>'
        return web.Response(body=body.encode("cp1252"), headers={"Content-Type": "text/html"})

    async def broken(request: web.Request) -> web.Response:
        await record(request)
        body = '<html><head><title>Broken <b>page</title><meta name="description" content="ok'
        body += '"><<<>>><!-- unclosed <meta property="og:title" content=x'
        return web.Response(text=body, content_type="text/html")

    async def json(request: web.Request) -> web.Response:
        await record(request)
        return web.json_response({"title": "not html"})

    async def big(request: web.Request) -> web.StreamResponse:
        await record(request)
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        await response.write(b"<html><head><title>Big</title>")
        filler = b"<!-- " + b"x" * 65536 + b" -->"
        try:
            for _ in range(256):  # ~16 MB of head the client must not read to the end
                await response.write(filler)
                state.big_written += len(filler)
        except (ConnectionResetError, RuntimeError):
            pass
        return response

    async def bomb(request: web.Request) -> web.Response:
        await record(request)
        body = b"<html><head><title>Bomb</title>" + b" " * 5_000_000
        return web.Response(
            body=gzip.compress(body, 9),
            headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
        )

    async def gzipped(request: web.Request) -> web.Response:
        await record(request)
        return web.Response(
            body=gzip.compress(PAGE.encode()),
            headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
        )

    async def slow(request: web.Request) -> web.Response:
        await record(request)
        await asyncio.sleep(30)
        return web.Response(text=PAGE, content_type="text/html")

    async def drip(request: web.Request) -> web.StreamResponse:
        await record(request)
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        for _ in range(300):
            await response.write(b" ")
            await asyncio.sleep(0.1)
        return response

    async def redirect(request: web.Request) -> web.Response:
        await record(request)
        n = int(request.match_info["n"])
        target = f"/redirect/{n - 1}" if n > 1 else "/page"  # /redirect/n: n redirects
        raise web.HTTPFound(target)

    async def to_loopback(request: web.Request) -> web.Response:
        await record(request)
        raise web.HTTPFound(f"http://127.0.0.1:{state.port}/page")

    async def to_private_name(request: web.Request) -> web.Response:
        await record(request)
        raise web.HTTPFound(f"http://evil.test:{state.port}/page")

    async def to_mailto(request: web.Request) -> web.Response:
        await record(request)
        raise web.HTTPFound("mailto:someone@example.org")

    async def flaky(request: web.Request) -> web.Response:
        await record(request)
        if state.flaky_failures > 0:
            state.flaky_failures -= 1
            return web.Response(status=503, text="try later")
        return web.Response(text=PAGE, content_type="text/html")

    async def missing(request: web.Request) -> web.Response:
        await record(request)
        return web.Response(status=404, text="nope")

    async def untyped(request: web.Request) -> web.Response:
        await record(request)
        return web.Response(body=b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)

    async def codec(request: web.Request) -> web.Response:
        """A gzip body of non-ASCII text declaring a codec that is no text charset."""
        await record(request)
        body = b"<html><head><title>T</title>" + ("\u00fc" * 200_000).encode()
        return web.Response(
            body=gzip.compress(body),
            headers={
                "Content-Type": f"text/html; charset={request.match_info['name']}",
                "Content-Encoding": "gzip",
            },
        )

    async def meta_codec(request: web.Request) -> web.Response:
        await record(request)
        body = b'<html><head><meta charset="punycode"><title>T</title>' + b"\xfc" * 100_000
        return web.Response(body=body, headers={"Content-Type": "text/html"})

    async def meta_bomb(request: web.Request) -> web.Response:
        await record(request)
        body = b'<html><head><meta property="og:title" content="Early"><meta a='
        body += b'"a=' * 100_000 + b"><title>Late</title></head>"
        return web.Response(body=body, headers={"Content-Type": "text/html"})

    app = web.Application()
    app.router.add_get("/codec/{name}", codec)
    app.router.add_get("/meta-codec", meta_codec)
    app.router.add_get("/meta-bomb", meta_bomb)
    app.router.add_get("/page", page)
    app.router.add_get("/latin1", latin1)
    app.router.add_get("/broken", broken)
    app.router.add_get("/json", json)
    app.router.add_get("/big", big)
    app.router.add_get("/bomb", bomb)
    app.router.add_get("/gzip", gzipped)
    app.router.add_get("/slow", slow)
    app.router.add_get("/drip", drip)
    app.router.add_get("/redirect/{n}", redirect)
    app.router.add_get("/to-loopback", to_loopback)
    app.router.add_get("/to-private-name", to_private_name)
    app.router.add_get("/to-mailto", to_mailto)
    app.router.add_get("/flaky", flaky)
    app.router.add_get("/missing", missing)
    app.router.add_get("/untyped", untyped)
    return app


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    state = Server()
    runner = web.AppRunner(make_app(state), shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.port = runner.addresses[0][1]
    yield state
    await runner.cleanup()


# Names the tests control; everything resolves through this table only.
DNS = {
    "public.test": [PUBLIC_IP],
    "evil.test": ["10.0.0.1"],
    "lan.test": ["192.168.1.1"],
    "metadata.test": ["169.254.169.254"],
    "v6-loopback.test": ["::1"],
    "ula.test": ["fc00::1"],
    "mixed.test": [PUBLIC_IP, "10.0.0.1"],
}


def make_unfurler(server: Server, **settings: object) -> tuple[Unfurler, list[str]]:
    lookups: list[str] = []

    async def resolver(host: str) -> list[str]:
        lookups.append(host)
        if host not in DNS:
            raise OSError(f"unknown test host {host}")
        return DNS[host]

    def route(address: str, port: int) -> tuple[str, int]:
        return ("127.0.0.1", server.port)  # whatever was checked, only ever the local server

    options = {"allow_private": False, "timeout": 5.0, **settings}
    unfurler = Unfurler(
        UnfurlSettings(**options),  # type: ignore[arg-type]
        resolver=resolver,
        route=route,
        clock=FixedClock(datetime(2025, 6, 1, tzinfo=UTC)),
    )
    return unfurler, lookups


# --- address policy -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1", "192.168.1.1", "172.16.0.1", "169.254.169.254", "127.0.0.1", "0.0.0.0",
        "100.64.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "::", "fc00::1",
        "fe80::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1",
        "2002:a00:1::1", "192.0.2.1", "not-an-ip",
    ],
)  # fmt: skip
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize(
    "address", [PUBLIC_IP, "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_public_address(address)


# --- fetching -------------------------------------------------------------------------------


async def test_normal_page_parses_through_a_checked_public_address(server: Server) -> None:
    unfurler, lookups = make_unfurler(server)
    async with unfurler:
        result = await unfurler.unfurl(server.public("/page"))
    assert result.status is UnfurlStatus.OK, result.error
    meta = result.meta
    assert meta is not None
    assert meta.title == "Tokio tutorial | Tokio"
    assert meta.og_title == "Tokio tutorial" and meta.best_title == "Tokio tutorial"
    assert meta.description == "Learn async Rust with Tokio."
    assert meta.og_description == "The official guide & more"
    assert meta.keywords == ("rust", "async", "tokio")
    assert meta.site_name == "Tokio"
    assert not meta.truncated
    # One resolution, then the connection went to that address with the name kept.
    assert lookups == ["public.test"]
    assert server.hosts == [f"public.test:{server.port}"]
    assert server.agents == [USER_AGENT]
    text = meta.resource_text()
    assert text.title == "Tokio tutorial" and text.keywords == ("rust", "async", "tokio")


async def test_charset_from_meta_and_broken_html(server: Server) -> None:
    unfurler, _ = make_unfurler(server, allow_private=True)
    async with unfurler:
        latin = await unfurler.unfurl(f"{server.base}/latin1")
        broken = await unfurler.unfurl(f"{server.base}/broken")
        zipped = await unfurler.unfurl(f"{server.base}/gzip")
    assert latin.meta is not None and latin.meta.title == "Café crème"
    assert broken.status is UnfurlStatus.OK
    assert broken.meta is not None and broken.meta.title == "Broken page"
    assert zipped.meta is not None and zipped.meta.og_title == "Tokio tutorial"


@pytest.mark.parametrize(
    "name", ["punycode", "bz2", "zlib", "base64", "rot13", "hex", "uu", "utf-7", "idna"]
)
async def test_pages_in_codecs_that_are_no_text_charset_are_refused(
    server: Server, name: str
) -> None:
    unfurler, _ = make_unfurler(server, allow_private=True)
    async with unfurler:
        result = await unfurler.unfurl(f"{server.base}/codec/{name}")  # never raises
        again = await unfurler.unfurl(f"{server.base}/codec/{name}")
    assert result.status is UnfurlStatus.REFUSED, result.error
    assert "bad_charset" in (result.error or "") and result.meta is None
    assert again.status is UnfurlStatus.BACKOFF and server.hits[f"/codec/{name}"] == 1


async def test_a_codec_named_in_a_meta_tag_is_refused_too(server: Server) -> None:
    unfurler, _ = make_unfurler(server, allow_private=True)
    async with unfurler:
        result = await unfurler.unfurl(f"{server.base}/meta-codec")
    assert result.status is UnfurlStatus.REFUSED and "punycode" in (result.error or "")


@pytest.mark.parametrize("name", ["ISO-8859-1", "windows-1251", "Shift_JIS", "utf8", "gbk"])
def test_real_charsets_still_decode(name: str) -> None:
    body = f'<html><head><meta charset="{name}"><title>Title 42</title>'.encode()
    assert parse_html_meta(body, "https://x.test/").title == "Title 42"


async def test_a_huge_unfinished_tag_ends_the_head_instead_of_crawling(
    server: Server,
) -> None:
    unfurler, _ = make_unfurler(server, allow_private=True)
    async with unfurler:
        result = await unfurler.unfurl(f"{server.base}/meta-bomb")
    # What came before the hostile tag is kept; a tag still open after 96K characters ends
    # the head (html.parser would scan it again at every chunk: quadratic).
    assert result.status is UnfurlStatus.OK and result.meta is not None
    assert (result.meta.og_title, result.meta.title) == ("Early", None)


async def test_non_html_is_refused(server: Server) -> None:
    unfurler, _ = make_unfurler(server, allow_private=True)
    async with unfurler:
        json = await unfurler.unfurl(f"{server.base}/json")
        png = await unfurler.unfurl(f"{server.base}/untyped")
    assert json.status is UnfurlStatus.REFUSED and "not_html" in (json.error or "")
    assert png.status is UnfurlStatus.REFUSED and "not_html" in (png.error or "")


async def test_body_is_cut_at_the_byte_cap(server: Server) -> None:
    unfurler, _ = make_unfurler(server, allow_private=True, max_bytes=1_000_000)
    async with unfurler:
        result = await unfurler.unfurl(f"{server.base}/big")
        bomb = await unfurler.unfurl(f"{server.base}/bomb")
    assert result.status is UnfurlStatus.OK
    assert result.meta is not None and result.meta.title == "Big" and result.meta.truncated
    await asyncio.sleep(0.2)
    assert server.big_written < 256 * 65536  # the client stopped reading; the rest was never sent
    assert bomb.meta is not None and bomb.meta.title == "Bomb" and bomb.meta.truncated


async def test_timeouts_are_failures_not_hangs(server: Server) -> None:
    unfurler, _ = make_unfurler(server, allow_private=True, timeout=0.5)
    async with unfurler:
        slow = await unfurler.unfurl(f"{server.base}/slow")
        drip = await unfurler.unfurl(f"{server.base}/drip")
    for result in (slow, drip):
        assert result.status is UnfurlStatus.FAILED
        assert "timeout" in (result.error or "")
        assert result.retry_at is not None


async def test_redirect_to_loopback_is_refused(server: Server) -> None:
    unfurler, _ = make_unfurler(server)
    async with unfurler:
        result = await unfurler.unfurl(server.public("/to-loopback"))
        by_name = await unfurler.unfurl(server.public("/to-private-name"))
    assert result.status is UnfurlStatus.REFUSED
    assert "127.0.0.1" in (result.error or "")
    assert by_name.status is UnfurlStatus.REFUSED and "10.0.0.1" in (by_name.error or "")
    assert server.hits["/to-loopback"] == 1 and server.hits["/to-private-name"] == 1
    assert server.hits["/page"] == 0  # the second hop never connected


async def test_the_same_redirect_is_followed_when_private_is_allowed(server: Server) -> None:
    unfurler, _ = make_unfurler(server, allow_private=True)
    async with unfurler:
        result = await unfurler.unfurl(server.public("/to-loopback"))
    assert result.status is UnfurlStatus.OK and server.hits["/page"] == 1


@pytest.mark.parametrize(
    "host", ["evil.test", "lan.test", "metadata.test", "v6-loopback.test", "ula.test", "mixed.test"]
)
async def test_names_resolving_to_private_addresses_are_refused(server: Server, host: str) -> None:
    unfurler, lookups = make_unfurler(server)
    async with unfurler:
        result = await unfurler.unfurl(f"http://{host}:{server.port}/page")
    assert result.status is UnfurlStatus.REFUSED
    assert "blocked_address" in (result.error or "")
    assert lookups == [host]
    assert sum(server.hits.values()) == 0  # refused before connecting


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:1/page", "http://[::1]:1/page", "http://10.0.0.1/", "http://0.0.0.0:1/"],
)
async def test_literal_private_addresses_are_refused(server: Server, url: str) -> None:
    unfurler, lookups = make_unfurler(server)
    async with unfurler:
        result = await unfurler.unfurl(url)
    assert result.status is UnfurlStatus.REFUSED and "blocked_address" in (result.error or "")
    assert lookups == [] and sum(server.hits.values()) == 0


async def test_at_most_five_redirects(server: Server) -> None:
    unfurler, _ = make_unfurler(server, allow_private=True)
    async with unfurler:
        five = await unfurler.unfurl(f"{server.base}/redirect/5")
        six = await unfurler.unfurl(f"{server.base}/redirect/6")
    assert five.status is UnfurlStatus.OK
    assert five.meta is not None and five.meta.url == f"{server.base}/page"
    assert six.status is UnfurlStatus.REFUSED and "redirects" in (six.error or "")


@pytest.mark.parametrize(
    "url",
    ["mailto:someone@example.org", "ftp://example.org/file", "file:///etc/passwd",
     "javascript:alert(1)", "gopher://example.org/", "not a url", "http://user:pw@public.test/"],
)  # fmt: skip
async def test_other_schemes_and_bad_urls_are_refused_without_a_request(
    server: Server, url: str
) -> None:
    unfurler, lookups = make_unfurler(server)
    async with unfurler:
        result = await unfurler.unfurl(url)
    assert result.status is UnfurlStatus.REFUSED
    assert lookups == [] and sum(server.hits.values()) == 0


async def test_redirect_to_mailto_is_refused(server: Server) -> None:
    unfurler, _ = make_unfurler(server)
    async with unfurler:
        result = await unfurler.unfurl(server.public("/to-mailto"))
    assert result.status is UnfurlStatus.REFUSED and "scheme" in (result.error or "")


async def test_disabled_unfurler_makes_no_request(server: Server) -> None:
    unfurler, lookups = make_unfurler(server, enabled=False, allow_private=True)
    async with unfurler:
        result = await unfurler.unfurl(f"{server.base}/page")
    assert result.status is UnfurlStatus.DISABLED and result.meta is None
    assert lookups == [] and sum(server.hits.values()) == 0


async def test_results_are_cached_per_canonical_url(server: Server) -> None:
    unfurler, _ = make_unfurler(server, allow_private=True)
    async with unfurler:
        first = await unfurler.unfurl(f"{server.base}/page")
        again = await unfurler.unfurl(f"{server.base}/page?utm_source=chat#top")
    assert first.status is UnfurlStatus.OK
    assert again.status is UnfurlStatus.CACHED and again.meta == first.meta
    assert server.hits["/page"] == 1


async def test_concurrent_requests_for_one_url_fetch_once(server: Server) -> None:
    unfurler, _ = make_unfurler(server, allow_private=True)
    async with unfurler:
        results = await asyncio.gather(*(unfurler.unfurl(f"{server.base}/page") for _ in range(5)))
    assert all(r.meta is not None for r in results)
    assert server.hits["/page"] == 1


async def test_failures_back_off_exponentially_then_succeed(server: Server) -> None:
    server.flaky_failures = 2
    clock = FixedClock(datetime(2025, 6, 1, tzinfo=UTC))
    cache = MemoryUnfurlCache()
    unfurler = Unfurler(
        UnfurlSettings(allow_private=True, retry_base=timedelta(minutes=10)),
        cache=cache,
        clock=clock,
    )
    url = f"{server.base}/flaky"
    async with unfurler:
        first = await unfurler.unfurl(url)
        assert first.status is UnfurlStatus.FAILED and "503" in (first.error or "")
        assert first.retry_at == clock.now() + timedelta(minutes=10)
        waiting = await unfurler.unfurl(url)
        assert waiting.status is UnfurlStatus.BACKOFF and server.hits["/flaky"] == 1

        clock.advance(timedelta(minutes=11))
        second = await unfurler.unfurl(url)
        assert second.status is UnfurlStatus.FAILED
        assert second.retry_at == clock.now() + timedelta(minutes=20)  # doubled
        clock.advance(timedelta(minutes=19))
        assert (await unfurler.unfurl(url)).status is UnfurlStatus.BACKOFF
        assert server.hits["/flaky"] == 2

        clock.advance(timedelta(minutes=2))
        third = await unfurler.unfurl(url)
        assert third.status is UnfurlStatus.OK and server.hits["/flaky"] == 3
        assert (await unfurler.unfurl(url)).status is UnfurlStatus.CACHED
    assert len(cache) == 1


async def test_gives_up_after_max_attempts(server: Server) -> None:
    clock = FixedClock(datetime(2025, 6, 1, tzinfo=UTC))
    unfurler = Unfurler(
        UnfurlSettings(allow_private=True, max_attempts=2, retry_base=timedelta(seconds=1)),
        clock=clock,
    )
    url = f"{server.base}/missing"
    async with unfurler:
        assert (await unfurler.unfurl(url)).status is UnfurlStatus.FAILED
        clock.advance(timedelta(hours=1))
        last = await unfurler.unfurl(url)
        assert last.status is UnfurlStatus.FAILED and last.retry_at is None
        clock.advance(timedelta(days=365))
        gave_up = await unfurler.unfurl(url)
    assert gave_up.status is UnfurlStatus.BACKOFF and gave_up.retry_at is None
    assert server.hits["/missing"] == 2


def test_settings_from_config() -> None:
    from bot.config import UnfurlConfig

    settings = UnfurlSettings.from_config(
        UnfurlConfig(enabled=False, allow_private_addresses=True, timeout_seconds=2.5)
    )
    assert settings.enabled is False and settings.allow_private is True
    assert settings.timeout == 2.5 and settings.max_bytes == 1_000_000


def test_parse_html_meta_caps_lengths_and_ignores_svg_titles() -> None:
    html = (
        "<html><head><svg><title>icon</title></svg><title>" + "T" * 1000 + "</title>"
        '<meta name="keywords" content="' + ",".join(f"k{i}" for i in range(50)) + '">'
        "</head><body><title>not this</title></body></html>"
    )
    meta = parse_html_meta(html.encode(), "https://x.org/")
    assert meta.title is not None and len(meta.title) == 300 and meta.title.endswith("…")
    assert len(meta.keywords) == 20
    assert parse_html_meta(b"", "https://x.org/").title is None
    assert parse_html_meta(b"\xff\xfe<\x00", "https://x.org/").title is None  # never raises


def test_a_dns_lookup_in_flight_does_not_hold_up_the_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A one-shot run that gives up on a lookup ends without waiting for the resolver."""
    import socket
    import threading

    from bot.interests import unfurl

    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def slow_getaddrinfo(*args: object, **kw: object) -> list[object]:
        started.set()
        release.wait(30)  # a resolver that does not answer
        finished.set()
        return []

    monkeypatch.setattr(socket, "getaddrinfo", slow_getaddrinfo)

    async def give_up() -> None:
        lookup = asyncio.ensure_future(unfurl.system_resolver("slow.example"))
        await asyncio.to_thread(started.wait, 30)
        lookup.cancel()

    try:
        asyncio.run(give_up())
        assert started.is_set() and not finished.is_set()  # run() returned mid-lookup
    finally:
        release.set()


async def test_the_system_resolver_answers_and_fails_like_getaddrinfo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket

    from bot.interests import unfurl

    def fake(host: str, *args: object, **kw: object) -> list[object]:
        if host == "bad.example":
            raise socket.gaierror(-2, "Name or service not known")
        return [(2, 1, 6, "", ("192.0.2.7", 0)), (2, 1, 6, "", ("192.0.2.7", 0))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    assert await unfurl.system_resolver("ok.example") == ["192.0.2.7"]
    with pytest.raises(socket.gaierror):
        await unfurl.system_resolver("bad.example")
