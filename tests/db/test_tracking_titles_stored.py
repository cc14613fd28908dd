"""Titles and conversations as stored: the best title wins whatever order sources arrive in,
replies link to the URL as shared, and Discord replies join the conversation they answer."""

from __future__ import annotations

from dataclasses import replace

import pytest

from adapters.slack.translate import translate_envelope
from bot.app import Rhizome
from bot.importers.run import import_export
from bot.interests.service import service_for
from bot.model import CommunityRef, LinkPreview, MessagePosted, ResourceSummary
from bot.titles import TitleSource
from storage import models as m
from storage.interests import Unfurled
from tests.conftest import REPO_ROOT, START
from tests.factories import Chat

SLACK = CommunityRef("slack", "T1", "Team One")
SLICE = REPO_ROOT / "tests" / "fixtures" / "import" / "slack-houstondatavis-slice"


@pytest.fixture
def chat() -> Chat:
    return Chat(SLACK, START)


async def by_url(
    rz: Rhizome, platform: str = "slack", ext: str = "T1"
) -> dict[str, ResourceSummary]:
    await service_for(rz.services).refresh()  # weak titles are worked out with topics
    repos = rz.services.repos
    found = await repos.communities.find(platform, ext)
    assert found is not None
    ids = await repos.resources.all_ids(found.id)
    return {r.url: r for r in await repos.resources.summaries(found.id, ids)}


async def test_a_better_source_replaces_a_worse_title_never_the_reverse(
    rhizome: Rhizome, chat: Chat
) -> None:
    url = "https://www.meetup.com/x/events/tableau-10-houston/"
    await rhizome.ingest(chat.post("ana", f"see {url}", mid="1"))
    r = (await by_url(rhizome))["https://meetup.com/x/events/tableau-10-houston"]
    assert r.title == "Tableau 10 houston"  # from the URL, before anything better
    assert r.href == url  # replies link to the link as shared (www. kept)
    await rhizome.ingest(chat.post("ben", f"<{url}|Tableau 10 in Houston> tonight", mid="2"))
    assert (await by_url(rhizome))[r.url].title == "Tableau 10 in Houston"
    unfurl = replace(
        chat.post("cy", url, mid="3"),
        previews=(LinkPreview(url, "Tableau 10 — Houston Data Visualization Meetup"),),
    )
    await rhizome.ingest(unfurl)
    best = "Tableau 10 — Houston Data Visualization Meetup"
    assert (await by_url(rhizome))[r.url].title == best
    # A label that comes later, and a fetched page title, do not replace what members saw.
    await rhizome.ingest(chat.post("dee", f"<{url}|this>", mid="4"))
    store = service_for(rhizome.services).store
    cid = (await rhizome.services.repos.communities.find("slack", "T1")).id  # type: ignore[union-attr]
    await store.record_unfurls(cid, [Unfurled(r.id, "ok", 1, title="Fetched title")], START)
    assert (await by_url(rhizome))[r.url].title == best
    async with rhizome.services.db.read() as conn:
        rank = await conn.scalar(m.resources.select().with_only_columns(m.resources.c.title_rank))
    assert rank == TitleSource.PLATFORM


async def test_a_fetched_page_title_beats_a_slug(rhizome: Rhizome, chat: Chat) -> None:
    await rhizome.ingest(chat.post("ana", "https://example.org/pg-indexes", mid="1"))
    r = (await by_url(rhizome))["https://example.org/pg-indexes"]
    assert r.title == "Pg indexes"
    cid = (await rhizome.services.repos.communities.find("slack", "T1")).id  # type: ignore[union-attr]
    store = service_for(rhizome.services).store
    await store.record_unfurls(cid, [Unfurled(r.id, "ok", 1, title="Use The Index, Luke")], START)
    assert (await by_url(rhizome))[r.url].title == "Use The Index, Luke"


async def test_a_front_page_is_titled_by_its_site_and_a_label_still_beats_it(
    rhizome: Rhizome, chat: Chat
) -> None:
    # houstondatavis: a bare https://www.desmos.com/ was titled by the sentence around it
    sentence = "for Elom - here is the math education vis project my friend made"
    await rhizome.ingest(chat.post("ana", f"{sentence} https://www.desmos.com/", mid="1"))
    r = (await by_url(rhizome))["https://desmos.com"]
    assert r.title == "Desmos"
    await rhizome.ingest(chat.post("ben", "<https://www.desmos.com/|Desmos calculator>", mid="2"))
    assert (await by_url(rhizome))[r.url].title == "Desmos calculator"
    # a placeholder host names no site: the sentence stays the title
    said = "my local config has this placeholder: https://example.org/"
    await rhizome.ingest(chat.post("cy", said, mid="3"))
    assert (await by_url(rhizome))[
        "https://example.org"
    ].title == "my local config has this placeholder"


async def test_a_screenshot_nobody_named_is_titled_by_its_day(rhizome: Rhizome, chat: Chat) -> None:
    # houstondatavis: Slack's old "uploaded a file" messages, the file's default name only
    base = "https://houstondatavis.slack.com/files/micahstubbs"
    shot = f"{base}/F0ABL7E4W/screen_shot_2015-09-08_at_21.58.41.png"
    named = f"{base}/F06SWLJUV/screen_shot_2015-06-26_at_12.07.24.png"
    await rhizome.ingest(
        chat.post("ana", f"<@U1|ana> uploaded a file: <{shot}|Screen Shot 2015-09-08.png>", mid="1")
    )
    await rhizome.ingest(chat.post("ana", f"<@U1|ana> uploaded a file: <{named}|interaction>"))
    found = await by_url(rhizome)
    assert found[shot].title == "Screen shot 2015-09-08"
    assert found[named].title == "interaction"  # what its sharer called it comes first
    # anything better replaces it
    await rhizome.ingest(chat.post("ben", f"<{shot}|the radial districts layout>", mid="3"))
    assert (await by_url(rhizome))[shot].title == "the radial districts layout"


async def test_slack_unfurls_in_a_real_export_become_titles(rhizome: Rhizome) -> None:
    summary = await import_export(rhizome, "slack", SLICE)
    assert summary.ok
    found = await by_url(rhizome, "slack", "T061A2UFL")
    neurons = found["https://observatory.brain-map.org/visualcoding"]
    assert neurons.title == "Visual Coding Overview"  # the unfurl attachment's title
    assert neurons.href == "http://observatory.brain-map.org/visualcoding"  # http kept
    assert summary.derive_seconds is not None  # the import worked out topics too


async def test_live_slack_unfurl_and_label_become_titles(rhizome: Rhizome) -> None:
    body = {
        "type": "event_callback",
        "team_id": "T1",
        "api_app_id": "A1",
        "event_id": "Ev1",
        "event_time": 1_700_000_000,
        "event": {
            "type": "message",
            "channel": "C1",
            "channel_type": "channel",
            "user": "U1",
            "text": "<https://docs.python.org/3/library/asyncio.html|Async IO in Python> and "
            "<https://example.org/talk>",
            "ts": "1700000000.000100",
            "attachments": [
                {
                    "from_url": "https://example.org/talk",
                    "title": "A Talk About Tasks",
                    "title_link": "https://example.org/talk",
                    "service_name": "example.org",
                }
            ],
        },
    }
    event = translate_envelope(body)
    assert isinstance(event, MessagePosted)
    await rhizome.ingest(event)
    found = await by_url(rhizome)
    assert found["https://docs.python.org/3/library/asyncio.html"].title == "Async IO in Python"
    assert found["https://example.org/talk"].title == "A Talk About Tasks"


async def test_discord_replies_join_the_conversation_they_answer(
    rhizome: Rhizome, chat: Chat
) -> None:
    await rhizome.ingest(chat.post("ana", "Tokio guide https://tokio.rs/tokio/tutorial", mid="10"))
    await rhizome.ingest(replace(chat.post("ben", "how do I cancel?", mid="11"), reply_to="10"))
    # A reply to the reply, in the same batch as a reply to a message never stored.
    await rhizome.ingest_many(
        [
            replace(chat.post("cy", "with a CancellationToken", mid="12"), reply_to="11"),
            replace(chat.post("dee", "same question", mid="13"), reply_to="999"),
        ]
    )
    async with rhizome.services.db.read() as conn:
        rows = dict(
            (
                await conn.execute(
                    m.messages.select().with_only_columns(
                        m.messages.c.external_id, m.messages.c.thread_external_id
                    )
                )
            ).all()
        )
    assert rows == {"10": None, "11": "10", "12": "10", "13": "999"}
    tokio = (await by_url(rhizome))["https://tokio.rs/tokio/tutorial"]
    assert (tokio.reply_count, tokio.discussants) == (2, 2)
