"""Page metadata of shared links, fetched in the background, on real databases.

A loopback aiohttp server (port 0) plays the web. Most tests keep private addresses
forbidden and reach it through a made-up public name (an injected resolver answers it with a
global address, an injected route connects that address to the local server); only the test
about the `allow_private_addresses` switch itself lets the real resolver reach 127.0.0.1.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web

from bot.app import Rhizome
from bot.clock import FixedClock
from bot.config import Config
from bot.interests.pipeline import run_pass
from bot.interests.service import unfurl_pending
from bot.interests.unfurl import Unfurler, UnfurlSettings
from storage.db import Database
from storage.interests import tables
from tests.conftest import START, make_config
from tests.db.interests_support import (
    OTHER,
    SLACK,
    community_id,
    count,
    refresh,
    resource_id,
    svc,
    topics,
)
from tests.factories import Chat

PUBLIC_IP = "93.184.215.14"  # never contacted: routed to the loopback server
PAGE = """<!doctype html><html><head><meta charset="utf-8">
<title>Tokio tutorial | Tokio</title>
<meta property="og:title" content="Tokio tutorial: asynchronous Rust from the ground up">
<meta name="description" content="Build a mini Redis with the Tokio runtime.">
<meta name="keywords" content="rust, tokio, networking">
<meta property="og:site_name" content="Tokio">
</head><body>ignored</body></html>"""


@dataclass
class Web:
    port: int = 0
    hits: Counter[str] = field(default_factory=Counter)
    failures: int = 0  # /flaky answers 503 this many times


@pytest.fixture
async def web_server() -> AsyncIterator[Web]:
    state = Web()

    async def page(request: web.Request) -> web.Response:
        state.hits[request.path] += 1
        return web.Response(text=PAGE, content_type="text/html")

    async def flaky(request: web.Request) -> web.Response:
        state.hits[request.path] += 1
        if state.failures > 0:
            state.failures -= 1
            return web.Response(status=503, text="later")
        return web.Response(text=PAGE, content_type="text/html")

    async def data(request: web.Request) -> web.Response:
        state.hits[request.path] += 1
        return web.json_response({"not": "html"})

    app = web.Application()
    app.router.add_get("/tokio", page)
    app.router.add_get("/flaky", flaky)
    app.router.add_get("/data.json", data)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.port = runner.addresses[0][1]
    yield state
    await runner.cleanup()


def routed_unfurler(server: Web, clock: FixedClock, **settings: Any) -> Unfurler:
    """Resolves every *.example.org name to a public address and connects it to the server."""

    async def resolver(host: str) -> list[str]:
        if not host.endswith(".example.org"):
            raise OSError(f"unknown test host {host}")
        return [PUBLIC_IP]

    def route(address: str, port: int) -> tuple[str, int]:
        return ("127.0.0.1", server.port)

    return Unfurler(
        UnfurlSettings(**{"timeout": 5.0, **settings}), resolver=resolver, route=route, clock=clock
    )


@pytest.fixture
def config() -> Config:
    return make_config()  # unfurling on, private addresses refused: the defaults


@pytest.fixture
def chat() -> Chat:
    return Chat(SLACK, START)


async def start(
    database: Database, config: Config, clock: FixedClock, server: Web, **kw: Any
) -> Rhizome:
    core = await Rhizome.start(config, clock, db=database)
    svc(core).unfurl.unfurler = routed_unfurler(server, clock, **kw)
    return core


async def stop(core: Rhizome) -> None:
    await svc(core).close()
    await core.services.writer.stop()


async def state_of(core: Rhizome, url: str, ref: Any = SLACK) -> tuple[str, int]:
    states = await svc(core).store.unfurl_states(await community_id(core, ref))
    return states[await resource_id(core, url, ref)]


async def test_a_new_link_is_fetched_once_and_its_page_feeds_title_search_and_topics(
    database: Database, config: Config, clock: FixedClock, web_server: Web, chat: Chat
) -> None:
    core = await start(database, config, clock, web_server)
    url = "https://rust.example.org/tokio"
    try:
        await core.ingest(chat.post("ana", "have a look http://rust.example.org/tokio", mid="1"))
        assert await unfurl_pending(core.services) == 1
        assert web_server.hits["/tokio"] == 1
        cid = await community_id(core)
        [found] = await core.services.repos.resources.summaries(cid, [await resource_id(core, url)])
        assert found.title == "Tokio tutorial: asynchronous Rust from the ground up"
        assert await state_of(core, url) == ("ok", 1)
        assert [r.url for r in await core.services.repos.resources.search(cid, "redis")] == [url]
        await refresh(core)
        assert {"tokio", "networking"} <= set(await topics(core, url))  # keywords count too
        assert await unfurl_pending(core.services) == 0  # cached: nothing fetched again
        # The same page shared in another community comes from this process's cache.
        await core.ingest(Chat(OTHER, START).post("bo", "http://rust.example.org/tokio", mid="9"))
        assert await unfurl_pending(core.services) == 1
        assert web_server.hits["/tokio"] == 1
    finally:
        await stop(core)
    again = await start(database, config, clock, web_server)
    try:
        assert await unfurl_pending(again.services) == 0  # the state outlived the restart
        assert web_server.hits["/tokio"] == 1
    finally:
        await stop(again)


async def test_failures_are_retried_with_backoff_across_restarts_then_given_up(
    database: Database, config: Config, clock: FixedClock, web_server: Web, chat: Chat
) -> None:
    web_server.failures = 2
    url = "https://rust.example.org/flaky"
    core = await start(database, config, clock, web_server, max_attempts=3)
    try:
        await core.ingest(chat.post("ana", "http://rust.example.org/flaky", mid="1"))
        await unfurl_pending(core.services)
        assert web_server.hits["/flaky"] == 1 and await state_of(core, url) == ("retry", 1)
        await unfurl_pending(core.services)
        assert web_server.hits["/flaky"] == 1  # not due yet
    finally:
        await stop(core)
    core = await start(database, config, clock, web_server, max_attempts=3)
    try:
        await unfurl_pending(core.services)
        assert web_server.hits["/flaky"] == 1  # a restart does not refetch early
        clock.advance(timedelta(minutes=31))  # first retry after 30 minutes
        await unfurl_pending(core.services)
        assert web_server.hits["/flaky"] == 2 and await state_of(core, url) == ("retry", 2)
        clock.advance(timedelta(minutes=59))
        await unfurl_pending(core.services)
        assert web_server.hits["/flaky"] == 2  # the second wait is twice as long
        clock.advance(timedelta(minutes=2))
        assert await unfurl_pending(core.services) == 1
        assert web_server.hits["/flaky"] == 3 and await state_of(core, url) == ("ok", 3)
        # A link that keeps failing is given up after max_attempts.
        web_server.failures = 10
        await core.ingest(chat.post("ben", "http://rust.example.org/flaky?v=2", mid="2"))
        for _ in range(5):
            await unfurl_pending(core.services)
            clock.advance(timedelta(days=1))
        assert await state_of(core, "https://rust.example.org/flaky?v=2") == ("failed", 3)
        assert web_server.hits["/flaky"] == 6
    finally:
        await stop(core)


async def test_pages_refused_by_policy_are_never_retried(
    database: Database, config: Config, clock: FixedClock, web_server: Web, chat: Chat
) -> None:
    core = await start(database, config, clock, web_server)
    try:
        await core.ingest(chat.post("ana", "http://rust.example.org/data.json", mid="1"))
        await unfurl_pending(core.services)
        assert await state_of(core, "https://rust.example.org/data.json") == ("refused", 1)
        clock.advance(timedelta(days=30))
        await unfurl_pending(core.services)
        assert web_server.hits["/data.json"] == 1
    finally:
        await stop(core)


async def test_local_addresses_are_refused_unless_the_config_allows_them(
    database: Database, clock: FixedClock, web_server: Web, chat: Chat
) -> None:
    link = f"http://127.0.0.1:{web_server.port}/tokio"
    core = await Rhizome.start(make_config(), clock, db=database)  # the real unfurler
    try:
        await core.ingest(chat.post("ana", link, mid="1"))
        await unfurl_pending(core.services)
        assert web_server.hits["/tokio"] == 0
        assert (await state_of(core, f"https://127.0.0.1:{web_server.port}/tokio"))[0] == "refused"
    finally:
        await stop(core)
    allowed = make_config(unfurl={"allow_private_addresses": True})
    core = await Rhizome.start(allowed, clock, db=database)
    try:
        await core.ingest(chat.post("ben", f"{link}?again=1", mid="2"))
        assert await unfurl_pending(core.services) == 1
        assert web_server.hits["/tokio"] == 1
    finally:
        await stop(core)


async def test_disabled_unfurling_never_touches_the_network(
    database: Database, clock: FixedClock, web_server: Web, chat: Chat
) -> None:
    config = make_config(unfurl={"enabled": False, "allow_private_addresses": True})
    core = await Rhizome.start(config, clock, db=database)
    try:
        await core.ingest(chat.post("ana", f"http://127.0.0.1:{web_server.port}/tokio", mid="1"))
        await core.ingest(chat.post("ana", "http://rust.example.org/tokio", mid="2"))
        assert await unfurl_pending(core.services) == 0
        cid = await community_id(core)
        await run_pass(svc(core).topics, svc(core).unfurl, [cid])  # the background loop's pass
        assert sum(web_server.hits.values()) == 0
        assert await count(core, tables.resource_unfurls) == 0
        assert svc(core).unfurl.unfurler is None  # no client was ever made
        assert await count(core, tables.resource_topic_state) == 2  # topics still computed
    finally:
        await stop(core)


async def test_the_background_pass_fetches_then_computes_topics(
    database: Database, config: Config, clock: FixedClock, web_server: Web, chat: Chat
) -> None:
    core = await start(database, config, clock, web_server)
    try:
        await core.ingest(chat.post("ana", "http://rust.example.org/tokio", mid="1"))
        cid = await community_id(core)
        for _ in range(3):
            if not await run_pass(svc(core).topics, svc(core).unfurl, [cid]):
                break
        assert web_server.hits["/tokio"] == 1
        assert "tokio" in await topics(core, "https://rust.example.org/tokio")
    finally:
        await stop(core)
