"""The quality bench's rewriting of the Komodo Discord's 2019 DiscordChatExporter CSV into the
JSON Rhizome imports (`bench.quality.komodo_as_dce`), on the old format's own shapes, read back
by the real importer."""

from __future__ import annotations

import json
from pathlib import Path

from bench.quality import komodo_as_dce
from bot.importers.common import ImportReport
from bot.importers.discord_export import iter_discord_export
from bot.model import MessagePosted

HEADER = "AuthorID;Author;Date;Content;Attachments;Reactions;\n"


def _csv(root: Path, channel: str, part: int, rows: list[tuple[str, ...]]) -> None:
    folder = root / "before-2019-Dec-05" / "csv" / channel
    folder.mkdir(parents=True, exist_ok=True)
    lines = "".join(";".join(f'"{v}"' for v in row) + ";\n" for row in rows)
    (folder / f"{part}.csv").write_text(HEADER + lines, "utf-8")


def test_the_old_csv_reads_back_in_order_with_mentions_by_id(tmp_path: Path) -> None:
    source = tmp_path / "komodo"
    channels = {
        "1": {"name": "LOBBY", "channels": {"11": "introductions"}},
        "2": {"name": "LOUNGE", "channels": {"22": "talk-other-topics"}},
        "3": {"name": "PROJECT", "channels": {"33": "ask-jl777"}},
    }
    source.mkdir()
    (source / "channels.json").write_text(json.dumps(channels), "utf-8")
    _csv(
        source,
        "lobby/introductions",
        1,
        [("7", "Gordon Komodo#7477", "13-Jun-18 04:59 AM", "hi", "", "")],
    )
    _csv(source, "community-lounge/talk-other-topics", 1, [])
    _csv(
        source,
        "komodo-project/ask-jl777",
        1,
        [
            ("5", "jl777c#5810", "12-Jun-18 06:30 AM", "ask here", "", "👌 (8),👍 (9)"),
            ("9", "Jcharming#2693", "13-Jun-18 12:45 AM", "how do\nnotaries work?", "", ""),
        ],
    )
    _csv(
        source,
        "komodo-project/ask-jl777",
        2,  # a later partition, in the same minute as nothing before it
        [("5", "jl777c#5810", "13-Jun-18 12:45 AM", "@Jcharming dpow", "https://x.io/a.png", "")],
    )
    out = komodo_as_dce(source, tmp_path / "dce")
    report = ImportReport()
    posted = [e for e in iter_discord_export(out, report=report) if isinstance(e, MessagePosted)]
    asked = [e for e in posted if e.place.channel_name == "ask-jl777"]
    assert [e.text for e in asked] == ["ask here", "how do\nnotaries work?", "@Jcharming dpow"]
    assert len({e.message_id for e in posted}) == 4  # one minute, two messages, two ids
    assert asked[0].author.display_name == "jl777c" and asked[0].author.external_id == "5"
    assert [a.external_id for a in asked[2].mentions] == ["9"]  # "@Jcharming", by id
    assert asked[2].attachments and asked[2].attachments[0].url == "https://x.io/a.png"
    assert report.skipped.get("reaction without users") == 17  # counts name nobody
