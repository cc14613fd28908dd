"""Moderators configure digests and tracking through `/rhizome-admin`, end to end."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import Rhizome
from bot.audit import audit_store
from bot.clock import FixedClock
from bot.commands import admin as admin_commands
from bot.commands.registry import ADMIN_GROUP, Invocation
from bot.digests import service as digest_service
from bot.digests.commands import register
from bot.digests.scheduler import DigestScheduler
from bot.digests.service import DigestCliError, service_for
from bot.model import Actor
from tests.db.digests_support import (
    COMMUNITY,
    MEMBER,
    MOD,
    FakeOutlet,
    admin,
    post,
    react,
    said,
    start,
    utc,
)

NOW = utc(2026, 3, 4, 12)  # a Wednesday
DAY_AGO = NOW - timedelta(days=1)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def outlet() -> FakeOutlet:
    return FakeOutlet()


@pytest.fixture
async def core(tmp_path: Path, clock: FixedClock, outlet: FakeOutlet) -> AsyncIterator[Rhizome]:
    rhizome = await start(tmp_path / "e2e.db", clock, outlet=outlet)
    await rhizome.ingest_many(
        [
            post("C1", "1", "ana", "Intro https://example.com/intro", DAY_AGO, name="general"),
            post("C1", "2", "bob", "thanks!", DAY_AGO, thread="1", name="general"),
            react("C1", "1", "cy", "tada", DAY_AGO),
            post("C2", "3", "cy", "https://example.com/rust", DAY_AGO, name="rust"),
            post("C3", "4", "dee", "https://example.com/random", DAY_AGO, name="random"),
            post(
                "C1",
                "5",
                "eve",
                "Does anyone know a good SQL book?",
                DAY_AGO + timedelta(hours=2),  # not in the middle of ana's and bob's exchange
                name="general",
            ),
        ]
    )
    yield rhizome
    await rhizome.close()


async def digests(core: Rhizome) -> list:  # type: ignore[type-arg]
    community = await core.services.repos.communities.ensure(COMMUNITY)
    return await service_for(core.services).store.of_community(community.id)


async def history(core: Rhizome) -> list:  # type: ignore[type-arg]
    community = await core.services.repos.communities.ensure(COMMUNITY)
    return await audit_store(core.services).history(community.id)


ADMIN_COMMANDS = [
    "digest channel <#C9|digest>",
    "digest schedule friday 16:00",
    "digest size 3",
    "digest include <#C1|general>",
    "digest exclude <#C3|random>",
    "digest preview",
    "digest now",
    "digest off",
    "track <#C1|general>",
    "untrack <#C3|random>",
    "channels",
    "settings",
    "settings history",
]


@pytest.mark.parametrize("text", ADMIN_COMMANDS)
async def test_members_who_are_not_moderators_are_refused(
    core: Rhizome, outlet: FakeOutlet, text: str
) -> None:
    await admin(core, "digest channel <#C9|digest>")
    before = (await digests(core), await history(core))
    reply = await admin(core, text, MEMBER)
    assert "is for moderators" in said(reply)
    assert (await digests(core), await history(core)) == before
    assert outlet.posts == []
    overrides = await core.services.repos.channels.tracking_overrides(
        (await core.services.repos.communities.ensure(COMMUNITY)).id
    )
    assert overrides == {}


async def test_a_configured_moderator_may_use_them(core: Rhizome) -> None:
    core.services.config = core.services.config.model_copy(
        update={"slack": core.services.config.slack.model_copy(update={"moderators": ["UMEM"]})}
    )
    reply = await admin(core, "digest channel <#C9|digest>", MEMBER)
    assert "will post into #digest" in said(reply)


async def test_set_up_and_change_a_digest(core: Rhizome) -> None:
    reply = await admin(core, "digest channel <#C9|digest>")
    assert "will post into #digest every Monday 09:00 UTC" in said(reply)
    reply = await admin(core, "digest schedule fri 16:30 europe/berlin")
    assert "every Friday 16:30 Europe/Berlin; next on Fri 06 Mar 2026, 16:30 CET" in said(reply)
    reply = await admin(core, "digest size 7")
    assert "up to 7 resources" in said(reply)
    await admin(core, "digest exclude <#C3|random>")
    [d] = await digests(core)
    assert (d.schedule.describe(), d.size, d.exclude) == (
        "Friday 16:30 Europe/Berlin",
        7,
        frozenset({"C3"}),
    )
    text = said(await admin(core, "settings"))
    for expected in (
        "Channel: #digest",
        "Schedule: Friday 16:30 Europe/Berlin",
        "Size: 7 items",
        "Excluding: #random",
        "Channels: every tracked channel",
        "Last posted: never",
        "tracked (default)",
    ):
        assert expected in text


async def test_bad_input_gets_a_polite_answer_and_changes_nothing(core: Rhizome) -> None:
    await admin(core, "digest channel <#C9|digest>")
    before = (await digests(core), await history(core))
    cases = {
        "digest schedule funday 09:00": "not a weekday",
        "digest schedule monday 25:00": "not a valid time",
        "digest schedule monday 9am": "not a time",
        "digest schedule monday 09:00 Mars/Olympus": "Unknown timezone 'Mars/Olympus'",
        "digest schedule monday 09:00 UTC+2": "fixed offset",
        "digest size 0": "at least 1",
        "digest size many": "whole number",
        "digest size 40": "at most 15",
        "digest include #nowhere": "don't know a channel called #nowhere",
        "digest preview <#C7|other>": "No digest posts into #other",
        "digest schedule": "Please add <weekday>",
    }
    for text, expected in cases.items():
        reply = said(await admin(core, text))
        assert expected in reply, (text, reply)
        assert "Usage:" in reply
    assert (await digests(core), await history(core)) == before


async def test_several_digests_are_chosen_by_their_channel(core: Rhizome) -> None:
    await admin(core, "digest channel <#C9|digest>")
    await admin(core, "digest channel <#C8|rust-digest>")
    reply = said(await admin(core, "digest size 3"))
    assert "several digests (#digest, #rust-digest)" in reply
    await admin(core, "digest size 3 <#C8|rust-digest>")
    await admin(core, "digest include <#C2|rust> #rust-digest")
    # A channel given where the time zone could be is understood as the digest.
    await admin(core, "digest schedule tue 08:00 <#C8|rust-digest>")
    by_channel = {d.channel_id: d for d in await digests(core)}
    assert by_channel["C8"].size == 3 and by_channel["C9"].size == 5
    assert by_channel["C8"].include == frozenset({"C2"})
    assert by_channel["C8"].schedule.describe() == "Tuesday 08:00 UTC"
    assert by_channel["C9"].schedule.describe() == "Monday 09:00 UTC"


async def test_include_exclude_and_reset(core: Rhizome) -> None:
    await admin(core, "digest channel <#C9|digest>")
    reply = said(await admin(core, "digest include <#C1|general>"))
    assert "only included channels feed it" in reply
    await admin(core, "digest include <#C2|rust>")
    await admin(core, "digest exclude <#C2|rust>")  # moves it from include to exclude
    [d] = await digests(core)
    assert (d.include, d.exclude) == (frozenset({"C1"}), frozenset({"C2"}))
    assert "Channels: only #general" in said(await admin(core, "settings"))
    await admin(core, "digest include all")
    await admin(core, "digest exclude none")
    [d] = await digests(core)
    assert (d.include, d.exclude) == (frozenset(), frozenset())


async def test_preview_is_ephemeral_and_posts_nothing(core: Rhizome, outlet: FakeOutlet) -> None:
    await admin(core, "digest channel <#C9|digest>")
    await admin(core, "digest exclude <#C3|random>")
    reply = await admin(core, "digest preview")
    text = said(reply)
    assert reply.ephemeral is True
    assert "only you can see this" in text
    assert "example.com/intro" in text and "example.com/rust" in text
    assert "example.com/random" not in text
    assert outlet.posts == []
    assert [h.action for h in await history(core)] == ["digest exclude", "digest channel"]


async def test_preview_of_an_archive_shows_the_week_up_to_its_newest_activity(
    core: Rhizome, clock: FixedClock, outlet: FakeOutlet
) -> None:
    # A moderator who imported the JuliaLang Slack (2021) and asked for a preview saw "A quiet
    # week. Nothing new was shared"; `top` already showed the days up to the newest activity.
    await admin(core, "digest channel <#C9|digest>")
    clock.advance(timedelta(days=40))
    text = said(await admin(core, "digest preview"))
    assert "Nothing was shared in the last 7 days" in text
    assert "the newest activity here is from 2026-03-03" in text
    assert "example.com/intro" in text and "example.com/rust" in text
    assert outlet.posts == []
    # with activity this week, the preview is this week's, as before
    await core.ingest_many(
        [
            post(
                "C2",
                "9",
                "cy",
                "https://example.com/zig",
                clock.now() - timedelta(hours=1),
                name="rust",
            )
        ]
    )
    text = said(await admin(core, "digest preview"))
    assert "as it would be posted now (the last 7 days)" in text
    assert "example.com/zig" in text and "example.com/intro" not in text


async def test_digest_now_posts_and_is_recorded(core: Rhizome, outlet: FakeOutlet) -> None:
    await admin(core, "digest channel <#C9|digest>")
    reply = said(await admin(core, "digest now"))
    assert "Posted the digest in #digest" in reply
    [(_, channel, document)] = outlet.posts
    assert channel == "C9" and "example.com/intro" in document.plain()
    assert "Open questions" in document.plain()
    assert (await history(core))[0].action == "digest now"
    assert "Last posted: Wed 04 Mar 2026" in said(await admin(core, "settings"))


async def test_digest_now_without_a_connection_says_so(tmp_path: Path, clock: FixedClock) -> None:
    rhizome = await start(tmp_path / "no.db", clock)
    try:
        await admin(rhizome, "digest channel <#C9|digest>")
        reply = said(await admin(rhizome, "digest now"))
        assert "was not posted: no slack connection" in reply
    finally:
        await rhizome.close()


async def test_digest_now_refused_by_the_platform_is_closed_as_failed(
    core: Rhizome, outlet: FakeOutlet, clock: FixedClock
) -> None:
    await admin(core, "digest channel <#C9|digest>")
    outlet.fail = True
    reply = said(await admin(core, "digest now"))
    assert "not posted: the platform refused the post (RuntimeError)" in reply
    [d] = await digests(core)
    [run] = await service_for(core.services).store.runs(d.id)
    assert run.state.value == "failed"
    assert run.reason == "the platform refused the post (RuntimeError)"
    outlet.fail = False
    clock.advance(timedelta(minutes=1))
    assert "Posted the digest" in said(await admin(core, "digest now"))
    assert len(outlet.posts) == 1


async def test_off_stops_posting_and_on_again_does_not_post_late(
    core: Rhizome, clock: FixedClock, outlet: FakeOutlet
) -> None:
    await admin(core, "digest channel <#C9|digest>")
    assert "is off" in said(await admin(core, "digest off"))
    assert "already off" in said(await admin(core, "digest off"))
    scheduler = DigestScheduler(core.services)
    clock.set(utc(2026, 3, 9, 9, 0, 5))
    assert await scheduler.tick() == []
    clock.set(utc(2026, 3, 9, 10))
    assert "is back on" in said(await admin(core, "digest channel <#C9|digest>"))
    assert await scheduler.tick() == []  # today's 09:00 passed while it was off
    clock.set(utc(2026, 3, 16, 9, 0, 5))
    [outcome] = await scheduler.tick()
    assert outcome.action == "posted" and len(outlet.posts) == 1


async def test_track_and_untrack_channels(core: Rhizome) -> None:
    reply = said(await admin(core, "untrack <#C3|random>"))
    assert "Stopped tracking #random" in reply
    stats = await core.ingest(post("C3", "9", "ana", "https://example.com/x", NOW))
    assert stats.skip_reasons == {"channel not tracked": 1}
    assert "not tracked (set by a moderator)" in said(await admin(core, "channels"))
    await admin(core, "track <#C3|random>")
    stats = await core.ingest(post("C3", "10", "ana", "https://example.com/y", NOW))
    assert stats.messages == 1
    actions = [(h.action, h.detail) for h in await history(core)]
    assert actions == [("track", "#random: tracked"), ("untrack", "#random: not tracked")]


async def test_untracked_channel_leaves_the_digest(core: Rhizome) -> None:
    await admin(core, "digest channel <#C9|digest>")
    await admin(core, "untrack <#C2|rust>")
    assert "example.com/rust" not in said(await admin(core, "digest preview"))


async def test_settings_history_records_who_and_when(core: Rhizome, clock: FixedClock) -> None:
    assert "No settings have been changed yet" in said(await admin(core, "settings history"))
    await admin(core, "digest channel <#C9|digest>")
    clock.advance(timedelta(hours=1))
    other = Actor("UOWN", "Olu", is_admin=True)
    await admin(core, "digest size 4", other)
    text = said(await admin(core, "settings history"))
    lines = text.splitlines()
    assert lines[1:] == [
        " 1. digest #digest: size 5 → 4",
        "      2026-03-04 13:00 UTC by Olu",
        " 2. digest #digest: created",
        "      2026-03-04 12:00 UTC by Mo",
    ]


async def test_discord_structured_options_work_too(core: Rhizome) -> None:
    from bot.commands.registry import ChannelArg

    reply = await core.run_command(
        Invocation(
            COMMUNITY,
            MOD,
            ADMIN_GROUP,
            path=("digest", "channel"),
            options={"channel": ChannelArg("C9", "digest")},
        )
    )
    assert "will post into #digest" in said(reply)
    reply = await core.run_command(
        Invocation(
            COMMUNITY,
            MOD,
            ADMIN_GROUP,
            path=("digest", "schedule"),
            options={"weekday": "thursday", "time": "07:15", "timezone": "Asia/Tokyo"},
        )
    )
    assert "every Thursday 07:15 Asia/Tokyo" in said(reply)


async def test_help_lists_the_admin_commands_for_moderators(core: Rhizome) -> None:
    reply = await core.run_command(Invocation(COMMUNITY, MOD, "rhizome", text="help"))
    text = said(reply)
    assert "/rhizome-admin digest schedule <weekday> <time> [timezone] [#digest]" in text


# --- CLI entry points --------------------------------------------------------------------------


async def test_cli_preview_and_post_now(core: Rhizome, outlet: FakeOutlet) -> None:
    with pytest.raises(DigestCliError, match="has no digest"):
        await digest_service.preview(core, "T1", "md")
    with pytest.raises(DigestCliError, match="no community"):
        await digest_service.preview(core, "nope", "md")
    await admin(core, "digest channel <#C9|digest>")
    md = await digest_service.preview(core, "T1", "md")
    assert md.startswith("# Weekly digest for Learners")
    assert "[example.com/intro](https://example.com/intro)" in md
    data = json.loads(await digest_service.preview(core, "slack:T1", "json"))
    assert data["channel"] == "digest" and data["posted"] is True
    assert data["featured"][0]["url"] == "https://example.com/intro"
    assert data["document"]["type"] == "document"
    assert outlet.posts == []
    message = await digest_service.post_now(core, "Learners")
    assert "posted the digest in #digest" in message and len(outlet.posts) == 1
    with pytest.raises(DigestCliError, match="format"):
        await digest_service.preview(core, "T1", "html")  # type: ignore[arg-type]


def test_register_adds_every_command_once() -> None:
    from bot.commands.registry import Registry

    registry = Registry()
    register(registry)
    admin_commands.register(registry)
    names = sorted(s.name for s in registry.in_group(ADMIN_GROUP))
    assert names == sorted(
        [
            "channels",
            "digest channel",
            "digest exclude",
            "digest include",
            "digest now",
            "digest off",
            "digest preview",
            "digest schedule",
            "digest size",
            "settings",
            "track",
            "untrack",
        ]
    )
    assert all(s.moderator_only for s in registry.in_group(ADMIN_GROUP))
    with pytest.raises(ValueError, match="declared twice"):
        register(registry)
