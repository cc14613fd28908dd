"""🔕 keeps a message out of the digest whether it comes from the console or an import."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from adapters.console.session import ConsoleSession
from bot.app import Rhizome
from bot.clock import FixedClock
from bot.config import Config, DigestsConfig
from bot.importers.run import import_export
from bot.model import CommunityRef
from tests.db.digests_support import sqlite_config, utc

NOW = utc(2026, 3, 4, 12)


def _config(path: Path) -> Config:
    base = sqlite_config(path)
    return base.model_copy(update={"digests": DigestsConfig(min_items=0)})


async def _preview(session: ConsoleSession, channel: str = "#digest") -> str:
    await session.handle(":mod on")
    await session.handle(f"/rhizome-admin digest channel {channel}")
    return await session.handle("/rhizome-admin digest preview")


async def test_console_silence_with_the_character(tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    rhizome = await Rhizome.start(_config(tmp_path / "c.db"), clock)
    try:
        session = ConsoleSession(rhizome)
        await session.handle(":as ana")
        await session.handle("Loud https://loud.example/a")
        await session.handle("Quiet https://quiet.example/b")
        await session.handle(":as ben")
        await session.handle(":reply m1 great")
        await session.handle(":reply m2 also great")
        said = await session.handle(":react m2 🔕")
        assert said == "(reacted 🔕 (:no_bell:) on m2)"
        clock.advance(timedelta(hours=1))
        preview = await _preview(session)
        assert "loud.example" in preview and "quiet.example" not in preview
        settings = await session.handle("/rhizome-admin settings")
        assert "Reacting with 🔕 (:no_bell:) keeps a message out of digests" in settings
    finally:
        await rhizome.close()


def _dce_file(path: Path) -> None:
    """A DiscordChatExporter channel file: 🔕 in `emoji.name`, `no_bell` in `code`."""

    def author(uid: str, name: str) -> dict[str, object]:
        return {"id": uid, "name": name, "discriminator": "0000", "nickname": name, "isBot": False}

    def msg(mid: str, who: dict[str, object], text: str, **more: object) -> dict[str, object]:
        return {
            "id": mid,
            "type": "Default",
            "timestamp": "2026-03-03T10:00:00+00:00",
            "timestampEdited": None,
            "isPinned": False,
            "content": text,
            "author": who,
            "attachments": [],
            "embeds": [],
            "stickers": [],
            "reactions": [],
            "mentions": [],
            **more,
        }

    ana, ben = author("100", "ana"), author("200", "ben")
    silence = {
        "emoji": {"id": "", "name": "🔕", "code": "no_bell", "isAnimated": False, "imageUrl": ""},
        "count": 1,
        "users": [ben],
    }
    data = {
        "guild": {"id": "900", "name": "Imported", "iconUrl": ""},
        "channel": {
            "id": "901",
            "type": "GuildTextChat",
            "categoryId": "",
            "category": "",
            "name": "links",
            "topic": None,
        },
        "dateRange": {"after": None, "before": None},
        "exportedAt": "2026-03-04T00:00:00+00:00",
        "messages": [
            msg(
                "1001",
                ana,
                "Loud https://loud.example/a",
                attachments=[
                    {
                        "id": "77",
                        "url": "https://cdn.discordapp.com/attachments/901/77/notes.pdf"
                        "?ex=65f1a2b3&is=65df2db3&hm=0123abcd&",
                        "fileName": "notes.pdf",
                        "fileSizeBytes": 10,
                    }
                ],
            ),
            msg("1002", ana, "Quiet https://quiet.example/b", reactions=[silence]),
            msg(
                "1003",
                ben,
                "nice",
                reference={"messageId": "1001", "channelId": "901", "guildId": "900"},
                type="Reply",
            ),
            msg(
                "1004",
                ben,
                "nice too",
                reference={"messageId": "1002", "channelId": "901", "guildId": "900"},
                type="Reply",
            ),
        ],
        "messageCount": 4,
    }
    path.write_text(json.dumps(data), encoding="utf-8")


async def test_imported_silence_from_a_discord_export(tmp_path: Path) -> None:
    export = tmp_path / "links.json"
    _dce_file(export)
    rhizome = await Rhizome.start(_config(tmp_path / "i.db"), FixedClock(NOW))
    try:
        summary = await import_export(rhizome, "discord", export)
        assert not summary.report.errors
        session = ConsoleSession(rhizome, target=CommunityRef("discord", "900", "Imported"))
        preview = await _preview(session, "#links")
        assert "loud.example" in preview and "quiet.example" not in preview
        # the file keeps no expiring signature, as a live attachment does not
        community = await rhizome.services.repos.communities.find("discord", "900")
        assert community is not None
        repos = rhizome.services.repos
        ids = await repos.resources.all_ids(community.id)
        urls = {r.url for r in await repos.resources.summaries(community.id, ids)}
        assert "https://cdn.discordapp.com/attachments/901/77/notes.pdf" in urls
    finally:
        await rhizome.close()
