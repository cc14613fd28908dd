"""Fixtures driving the real discord.py client against the fake Discord, with a real core."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.gateway import DiscordWebSocket

from adapters.discord.client import RhizomeDiscord, point_at_api
from bot.app import Rhizome
from bot.config import Config, parse_config
from bot.model import Community, CommunityRef
from tests.fakes.discord_server import FakeDiscord, FakeGuild

WAIT = 60.0  # only a guard against hanging; tests never assert how fast anything is


async def eventually(check: Callable[[], Awaitable[bool]], what: str = "condition") -> None:
    """Poll until `check()` is true (the bot processes gateway events asynchronously)."""
    async with asyncio.timeout(WAIT):
        while not await check():  # noqa: ASYNC110 - polling the database, nothing to await
            await asyncio.sleep(0.02)


@dataclass
class World:
    fake: FakeDiscord
    guild: FakeGuild
    alice: dict[str, Any]
    bob: dict[str, Any]
    mod: dict[str, Any]

    def ch(self, name: str) -> dict[str, Any]:
        return self.fake.channel(self.guild, name)

    @property
    def community(self) -> CommunityRef:
        return CommunityRef("discord", self.guild.id)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    base, gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    async with FakeDiscord() as f:
        yield f
    # the client points these process-wide class attributes at the fake; put them back
    discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway
    assert f.unknown_requests == [], (
        f"the bot called routes Discord does not have: {f.unknown_requests}"
    )


@pytest.fixture
def world(fake: FakeDiscord) -> World:
    guild = fake.add_guild("Practice", channels=("general", "links", "intros"), forums=("help",))
    return World(
        fake=fake,
        guild=guild,
        alice=fake.new_user("alice"),
        bob=fake.new_user("bob"),
        mod=fake.new_user("mod"),
    )


def make_config(tmp_path: Path, fake: FakeDiscord, **discord_options: Any) -> Config:
    return parse_config(
        {
            "storage": {"url": f"sqlite+aiosqlite:///{tmp_path / 'rhizome.db'}"},
            "discord": {
                "api_base_url": fake.api_base,
                **discord_options,
            },
        }
    )


@pytest.fixture
async def rhizome(tmp_path: Path, fake: FakeDiscord) -> AsyncIterator[Rhizome]:
    r = await Rhizome.start(make_config(tmp_path, fake))
    yield r
    await r.close()


@dataclass
class Running:
    client: RhizomeDiscord
    task: asyncio.Task[None]
    errors: list[BaseException] = field(default_factory=list)


class BotRunner:
    """Starts real clients against the fake; `errors` collects tree failures to fail tests."""

    def __init__(self, fake: FakeDiscord, rhizome: Rhizome, tmp_path: Path) -> None:
        self.fake, self.rhizome, self.tmp_path = fake, rhizome, tmp_path
        self.running: list[Running] = []

    async def start(self, **discord_options: Any) -> RhizomeDiscord:
        config = make_config(self.tmp_path, self.fake, **discord_options)
        point_at_api(config.discord.api_base_url)
        client = RhizomeDiscord(
            self.rhizome,
            config.discord,
            identify_delay=0,
            backfill_pause=0,
            guild_ready_timeout=0.05,
        )
        run = Running(client, asyncio.create_task(client.start(self.fake.token)))

        async def on_error(
            interaction: discord.Interaction, error: app_commands.AppCommandError
        ) -> None:
            run.errors.append(error)

        client.tree.on_error = on_error  # type: ignore[method-assign]
        self.rhizome.add_outlet(client.outlet)
        self.running.append(run)
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({ready, run.task}, timeout=WAIT, return_when="FIRST_COMPLETED")
        if run.task in done:
            ready.cancel()
            run.task.result()  # raises what stopped the client
        assert ready in done, "the client never became ready"
        return client

    async def caught_up(self, client: RhizomeDiscord) -> None:
        """Wait for the start's own catch-up of every guild to end whole (by running one more,
        which waits for it and reads nothing new), so a stop cannot cut it short."""
        for guild in list(client.guilds):
            await client.backfill_guild(guild)

    async def stop(self, client: RhizomeDiscord) -> None:
        for run in self.running:
            if run.client is client:
                await client.close()
                await asyncio.wait_for(run.task, WAIT)

    async def close(self) -> list[BaseException]:
        errors: list[BaseException] = []
        for run in self.running:
            if not run.client.is_closed():
                await run.client.close()
            try:
                await asyncio.wait_for(run.task, WAIT)
            except Exception as e:  # a client that died is a failure too
                errors.append(e)
            errors.extend(run.errors)
        return errors


@pytest.fixture
async def bots(fake: FakeDiscord, rhizome: Rhizome, tmp_path: Path) -> AsyncIterator[BotRunner]:
    runner = BotRunner(fake, rhizome, tmp_path)
    yield runner
    errors = await runner.close()
    assert errors == [], f"command handlers crashed: {errors!r}"


async def community_of(rhizome: Rhizome, ref: CommunityRef) -> Community | None:
    return await rhizome.services.repos.communities.find(ref.platform, ref.external_id)


async def counts(rhizome: Rhizome, ref: CommunityRef) -> dict[str, int]:
    for c, n in await rhizome.services.repos.communities.list_all():
        if (c.platform, c.external_id) == ref.key:
            return n
    return {}
