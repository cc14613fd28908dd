"""Catch-up after downtime, end to end: live events through the real Bolt app, an outage,
then a new adapter reading real `conversations.history` / `conversations.replies` pages
(JuliaLang Slack, ../shared/datasets/slack-api-julialang) from the fake Web API."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from adapters.slack.app import SlackAdapter
from bot.app import Rhizome
from bot.config import Config, Secrets
from storage import models as m
from tests.adapters.slack.conftest import GENERAL, MEMBER, TEAM, SlackDriver, ts_at
from tests.conftest import SHARED_DATASETS, make_config
from tests.fakes.slack_api import FakeSlackApi

JULIA = SHARED_DATASETS / "slack-api-julialang"
MUSIC = "C6CKGTVDG"  # #music: 123 top-level messages, 9 threads
pytestmark = pytest.mark.skipif(not JULIA.is_dir(), reason=f"{JULIA} is not present")


def julia_channel(channel: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(top-level messages, thread replies) of one channel, as Slack's API returned them."""
    top: dict[str, dict[str, Any]] = {}
    for page in sorted((JULIA / "messages" / channel).glob("*.json")):
        for msg in json.loads(page.read_text())["messages"]:
            top[msg["ts"]] = msg
    replies: dict[str, dict[str, Any]] = {}
    for thread in sorted((JULIA / "threads" / channel).glob("*.json")):
        parent, *rest = json.loads(thread.read_text())
        # the thread file's parent is the later capture: it carries reply_count/latest_reply
        top[parent["ts"]] = parent
        for msg in rest:
            replies[msg["ts"]] = msg
    return list(top.values()), list(replies.values())


def trackable(msg: dict[str, Any]) -> bool:
    return (
        msg.get("subtype") in (None, "thread_broadcast")
        and not msg.get("bot_id")
        and bool(msg.get("user"))
    )


def by_ts(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(messages, key=lambda msg: Decimal(msg["ts"]))


async def stored_ids(rhizome: Rhizome) -> set[str]:
    async with rhizome.services.db.read() as conn:
        return {row[0] for row in await conn.execute(select(m.messages.c.external_id))}


async def stored_text(rhizome: Rhizome, ts: str) -> str:
    async with rhizome.services.db.read() as conn:
        return str(
            (
                await conn.execute(select(m.messages.c.text).where(m.messages.c.external_id == ts))
            ).scalar_one()
        )


def catch_up_config(fake: FakeSlackApi, window_hours: float) -> Config:
    return make_config(
        slack={
            "api_base_url": fake.base_url,
            "host": "127.0.0.1",
            "port": 0,
            "posts_per_second": 20.0,
            "catch_up_window_hours": window_hours,
        }
    )


async def deliver(
    adapter: SlackAdapter, fake: FakeSlackApi, messages: list[dict[str, Any]]
) -> None:
    """Live delivery: each message as a signed Events API request to the running Bolt app."""
    url = f"http://127.0.0.1:{adapter.port}{adapter.config.slack.path}"
    async with aiohttp.ClientSession() as session:
        driver = SlackDriver(url=url, fake=fake, session=session)
        for msg in messages:
            event = {**msg, "channel": MUSIC, "channel_type": "channel", "event_ts": msg["ts"]}
            resp = await driver.event(event)
            assert resp.status == 200


@pytest.fixture
async def music(
    fake: FakeSlackApi,
) -> AsyncIterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    fake.add_channel(MUSIC, "music")
    top, replies = julia_channel(MUSIC)
    for user_id in {msg.get("user") for msg in top + replies} - {None}:
        path = JULIA / "users" / f"{user_id}.json"
        if path.is_file():
            user = json.loads(path.read_text())
            profile = user.get("profile") or {}
            fake.add_user(
                user_id,
                name=user.get("name"),
                real_name=profile.get("real_name", ""),
                display_name=profile.get("display_name", ""),
            )
    yield top, replies


async def test_restart_after_an_outage_loses_nothing_and_reconciles_edits_and_deletions(
    rhizome: Rhizome,
    fake: FakeSlackApi,
    secrets: Secrets,
    music: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    top, replies = music
    everything = by_ts(top + replies)
    cut = Decimal(by_ts(top)[len(top) // 2]["ts"])  # the process dies half-way through
    before = [msg for msg in everything if Decimal(msg["ts"]) <= cut]
    config = catch_up_config(fake, window_hours=24 * 14)

    # 1. live: the first half arrives as events (history has nothing yet to catch up on)
    async with SlackAdapter(rhizome, config, secrets) as live:
        await deliver(live, fake, before)
        assert live.catch_up_task is None  # nothing stored at start: nothing to catch up
    stored_live = await stored_ids(rhizome)
    assert stored_live == {msg["ts"] for msg in before if trackable(msg)}

    # 2. the outage: Slack keeps the whole channel; during it one stored message was edited
    # and another deleted
    fake.load_history(MUSIC, everything)
    fake.max_page = 20  # many pages
    live_top = [
        msg for msg in by_ts(top) if msg["ts"] in stored_live and not msg.get("reply_count")
    ]
    edited, deleted = live_top[-1]["ts"], live_top[-2]["ts"]
    fake.edit_message(
        MUSIC, edited, "now pointing at <https://edited.example/track>", edited_ts=f"{cut + 60}"
    )
    fake.delete_message(MUSIC, deleted)
    fake.fail_next("conversations.history", 1, retry_after=1)  # rate-limited once

    # 3. restart: the new process catches up before anything else arrives
    caplog.set_level(logging.INFO, logger="rhizome.slack")
    async with SlackAdapter(rhizome, config, secrets) as restarted:
        assert restarted.catch_up_task is not None
        report = await restarted.catch_up_task

    expected = {msg["ts"] for msg in everything if trackable(msg)} - {deleted}
    assert await stored_ids(rhizome) == expected
    assert "edited.example/track" in await stored_text(rhizome, edited)
    assert report.deletions == 1 and not report.failed
    assert report.pages > len(top) // 20  # followed the cursors to the gap's end
    assert fake.calls_to("conversations.history", status=429)  # the 429 was waited out
    assert report.messages == len(expected - stored_live)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    # #music, and #general (the bot is in it, nothing stored there yet)
    assert "catching up 2 channels" in logged and "caught up 2 channels" in logged
    # reactions in the caught-up range are there too
    reacted = sum(
        len(r["users"])
        for msg in everything
        if trackable(msg) and msg["ts"] != deleted
        for r in msg.get("reactions", [])
        if Decimal(msg["ts"]) > cut
    )
    async with rhizome.services.db.read() as conn:
        reactions = len((await conn.execute(select(m.reactions.c.id))).all())
    assert reactions >= reacted > 0


async def test_an_older_edit_never_overwrites_a_newer_one(
    slack: SlackDriver, rhizome: Rhizome
) -> None:
    root = ts_at(30)
    await slack.message("first <https://a.example/>", ts=root)

    async def edit(text: str, at: str) -> None:
        await slack.event(
            {
                "type": "message",
                "subtype": "message_changed",
                "channel": GENERAL,
                "hidden": True,
                "ts": at,
                "event_ts": at,
                "message": {
                    "type": "message",
                    "user": MEMBER,
                    "text": text,
                    "ts": root,
                    "edited": {"user": MEMBER, "ts": at},
                },
            }
        )

    await edit("newest <https://c.example/>", ts_at(10))
    await edit("older <https://b.example/>", ts_at(20))  # a retry arriving late
    assert "c.example" in await stored_text(rhizome, root)


def wall_ts(minutes_ago: float) -> str:
    return f"{time.time() - minutes_ago * 60:.6f}"


async def test_ten_minute_socket_mode_outage_loses_nothing(
    rhizome: Rhizome, fake: FakeSlackApi, music: tuple[list[dict[str, Any]], list[dict[str, Any]]]
) -> None:
    """The connection drops; for ten minutes the channel goes on (real message shapes from
    #music, re-dated into the outage): a new root with a reply and reactions, a reply in a
    thread whose root was stored before, an edit and a deletion. After the reconnect
    nothing is missing."""
    top, replies = music
    shapes = [msg for msg in by_ts(top) if trackable(msg) and "reactions" in msg]
    config = catch_up_config(fake, window_hours=1)
    secrets = Secrets.of(slack_bot_token=fake.token, slack_app_token=fake.app_token)
    adapter = SlackAdapter(rhizome, config, secrets)
    await adapter.start()
    try:
        await fake.wait_until(lambda: fake.socket_clients == 1)
        root = {**shapes[0], "ts": wall_ts(15)}
        gone = {**shapes[1], "ts": wall_ts(14), "reactions": []}
        for n, msg in enumerate((root, gone)):
            await fake.socket_send(
                {
                    "envelope_id": f"live-{n}",
                    "type": "events_api",
                    "payload": {
                        "team_id": TEAM,
                        "type": "event_callback",
                        "event_id": f"EvLIVE{n}",
                        "authorizations": [{"team_id": TEAM}],
                        "event": {**msg, "channel": MUSIC, "channel_type": "channel"},
                    },
                }
            )
            await fake.wait_for_socket_ack(f"live-{n}")
        fake.load_history(MUSIC, [root, gone])

        # the ten minutes whose events never arrived (Slack has them; we will not be told)
        new_root = wall_ts(8)
        during = [
            {**shapes[2], "ts": wall_ts(10)},
            {**shapes[3], "ts": new_root, "thread_ts": new_root},
        ]
        during[1]["reply_count"], during[1]["latest_reply"] = 1, wall_ts(6)
        reply_new = {**replies[0], "ts": wall_ts(6), "thread_ts": during[1]["ts"]}
        reply_old = {**replies[1], "ts": wall_ts(5), "thread_ts": root["ts"]}
        fake.load_history(MUSIC, [*during, reply_new, reply_old])
        fake.edit_message(MUSIC, root["ts"], "<https://edited.example/>", edited_ts=wall_ts(4))
        fake.delete_message(MUSIC, gone["ts"])
        await fake.drop_sockets()  # the connection is lost; slack_sdk reconnects
        await fake.wait_until(lambda: adapter.catch_up_task is not None, within=10)
        assert adapter.catch_up_task is not None
        report = await adapter.catch_up_task
    finally:
        await adapter.stop()
    assert await stored_ids(rhizome) == {
        root["ts"],
        during[0]["ts"],
        during[1]["ts"],
        reply_new["ts"],
        reply_old["ts"],
    }
    assert "edited.example" in await stored_text(rhizome, root["ts"])
    assert report.deletions == 1 and report.messages == 4
    async with rhizome.services.db.read() as conn:
        reactions = len((await conn.execute(select(m.reactions.c.id))).all())
    assert reactions >= sum(len(r["users"]) for r in shapes[0]["reactions"])


async def test_history_that_slack_hides_is_not_taken_for_deletions(
    rhizome: Rhizome,
    fake: FakeSlackApi,
    secrets: Secrets,
    music: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    """A free plan hides old history: a listing missing most of a range deletes nothing."""
    top, _ = music
    live = [msg for msg in by_ts(top) if trackable(msg)][:30]
    config = catch_up_config(fake, window_hours=24 * 365 * 10)
    async with SlackAdapter(rhizome, config, secrets) as first:
        await deliver(first, fake, live)
    before = await stored_ids(rhizome)
    fake.load_history(MUSIC, live[-3:])  # Slack shows only the newest three now
    async with SlackAdapter(rhizome, config, secrets) as restarted:
        assert restarted.catch_up_task is not None
        report = await restarted.catch_up_task
    assert report.deletions == 0 and not report.failed
    assert await stored_ids(rhizome) == before


async def test_a_channel_first_used_during_the_outage_is_caught_up(
    rhizome: Rhizome,
    fake: FakeSlackApi,
    secrets: Secrets,
    music: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    top, _ = music
    shaped = [msg for msg in by_ts(top) if trackable(msg)]
    config = catch_up_config(fake, window_hours=1)
    async with SlackAdapter(rhizome, config, secrets) as first:
        await deliver(first, fake, shaped[:3])
    newest = Decimal(shaped[2]["ts"])
    # while the bot was down it was invited to #jam, where people went on talking
    fake.add_channel("C0JAMJAM1", "jam")
    later = [{**msg, "ts": f"{newest + 60 * (n + 1):.6f}"} for n, msg in enumerate(shaped[3:6])]
    fake.load_history("C0JAMJAM1", later)
    async with SlackAdapter(rhizome, config, secrets) as restarted:
        assert restarted.catch_up_task is not None
        await restarted.catch_up_task
    assert {msg["ts"] for msg in later} <= await stored_ids(rhizome)


async def test_reactions_removed_during_the_outage_are_removed(
    rhizome: Rhizome,
    fake: FakeSlackApi,
    secrets: Secrets,
    music: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    top, _ = music
    reacted = [msg for msg in by_ts(top) if trackable(msg) and msg.get("reactions")][:4]
    config = catch_up_config(fake, window_hours=24 * 365 * 10)
    async with SlackAdapter(rhizome, config, secrets) as first:
        await deliver(first, fake, reacted)
        # the reactions arrive live too
        url = f"http://127.0.0.1:{first.port}{first.config.slack.path}"
        async with aiohttp.ClientSession() as session:
            driver = SlackDriver(url=url, fake=fake, session=session)
            for msg in reacted:
                for r in msg["reactions"]:
                    for user in r["users"]:
                        item = {"type": "message", "channel": MUSIC, "ts": msg["ts"]}
                        await driver.event(
                            {
                                "type": "reaction_added",
                                "user": user,
                                "reaction": r["name"],
                                "item": item,
                                "event_ts": msg["ts"],
                            }
                        )
    async with rhizome.services.db.read() as conn:
        before = len((await conn.execute(select(m.reactions.c.id))).all())
    assert before == sum(len(r["users"]) for msg in reacted for r in msg["reactions"])
    # during the outage every reaction on the first message was taken back
    gone = len([u for r in reacted[0]["reactions"] for u in r["users"]])
    fake.load_history(MUSIC, [{**reacted[0], "reactions": []}, *reacted[1:]])
    async with SlackAdapter(rhizome, config, secrets) as restarted:
        assert restarted.catch_up_task is not None
        await restarted.catch_up_task
    async with rhizome.services.db.read() as conn:
        after = len((await conn.execute(select(m.reactions.c.id))).all())
    assert after == before - gone


async def test_a_channel_the_bot_left_is_not_read(
    rhizome: Rhizome,
    fake: FakeSlackApi,
    secrets: Secrets,
    music: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    top, _ = music
    config = catch_up_config(fake, window_hours=1)
    async with SlackAdapter(rhizome, config, secrets) as first:
        await deliver(first, fake, [msg for msg in by_ts(top) if trackable(msg)][:3])
    fake.channels[MUSIC].is_member = False  # removed from #music while down
    async with SlackAdapter(rhizome, config, secrets) as restarted:
        assert restarted.catch_up_task is not None
        report = await restarted.catch_up_task
    assert not report.failed
    assert not [c for c in fake.calls_to("conversations.history") if c.params["channel"] == MUSIC]


async def test_a_channel_deleted_while_away_is_forgotten_one_left_is_kept(
    rhizome: Rhizome,
    fake: FakeSlackApi,
    secrets: Secrets,
    music: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    """`channel_deleted` is not retried after downtime: a public channel Slack no longer knows
    (conversations.info: channel_not_found) was deleted, with its messages. One the bot was
    only removed from still exists, and what it stored there stays."""
    top, _ = music
    config = catch_up_config(fake, window_hours=1)
    delivered = [msg for msg in by_ts(top) if trackable(msg)][:3]
    async with SlackAdapter(rhizome, config, secrets) as first:
        await deliver(first, fake, delivered)
    stored = await stored_ids(rhizome)
    assert {str(msg["ts"]) for msg in delivered} <= stored
    fake.channels[MUSIC].is_member = False  # removed from #music while down: kept
    async with SlackAdapter(rhizome, config, secrets) as restarted:
        assert restarted.catch_up_task is not None
        report = await restarted.catch_up_task
    assert report.channels_deleted == 0 and await stored_ids(rhizome) == stored
    del fake.channels[MUSIC]  # then #music is deleted while down: forgotten
    async with SlackAdapter(rhizome, config, secrets) as again:
        assert again.catch_up_task is not None
        report = await again.catch_up_task
    assert report.channels_deleted == 1
    assert not {str(msg["ts"]) for msg in delivered} & await stored_ids(rhizome)
