"""DiscordChatExporter JSON importer: real DCE files, synthetic edge cases, broken files.

Counts on the real files (../shared/datasets/discord-dce-json-examples, GPL/AGPL: read there,
never copied) were checked independently with jq, e.g.
`jq '[.messages[] | select(.type=="Default" or .type=="Reply")] | length' general.json`.
discord-api-opsmill-infrahub-forum is raw Discord API JSON, not DCE, so it is not used here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import Rhizome
from bot.importers import discord_export
from bot.importers.common import BrokenExportFile, ImportReport
from bot.importers.discord_export import (
    SKIP_DM,
    SKIP_PRIVATE,
    iter_discord_export,
    open_discord_export,
)
from bot.importers.run import import_export
from bot.model import (
    Actor,
    CommunityRef,
    ConversationDeleted,
    LinkPreview,
    MessagePosted,
    Place,
    ReactionAdded,
    ResourceSummary,
)
from storage import models as m

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "datasets"


def shared(name: str) -> Path:
    path = SHARED / name
    if not path.is_dir():
        pytest.skip(
            f"{path} is absent (real datasets live in ../shared/datasets, next to the repo)"
        )
    return path


def import_all(path: Path, **kwargs: Any) -> tuple[list[Any], ImportReport]:
    report = ImportReport()
    events = list(iter_discord_export(path, report=report, **kwargs))
    return events, report


def posted(events: list[Any]) -> list[MessagePosted]:
    return [e for e in events if isinstance(e, MessagePosted)]


def reactions(events: list[Any]) -> list[ReactionAdded]:
    return [e for e in events if isinstance(e, ReactionAdded)]


# --- synthetic DCE files (the shape DCE's JsonMessageWriter writes) --------------------------

GUILD = {"id": "900", "name": "Practice Guild", "iconUrl": "https://cdn.example/i.png"}


def user(uid: str, name: str, nickname: str | None = None, bot: bool = False) -> dict[str, Any]:
    return {
        "id": uid,
        "name": name,
        "discriminator": "0000",
        "nickname": nickname or name,
        "color": None,
        "isBot": bot,
        "roles": [],
        "avatarUrl": "https://cdn.example/a.png",
    }


ANA = user("11", "ana", "Ana B")
BO = user("12", "bo")
BOT = user("13", "helper", bot=True)


def msg(
    mid: str,
    author: dict[str, Any],
    content: str = "",
    *,
    minute: int = 0,
    kind: str = "Default",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": mid,
        "type": kind,
        "timestamp": f"2024-03-01T10:{minute:02d}:00.5+01:00",
        "timestampEdited": None,
        "callEndedTimestamp": None,
        "isPinned": False,
        "content": content,
        "author": author,
        "attachments": [],
        "embeds": [],
        "stickers": [],
        "reactions": [],
        "mentions": [],
        "inlineEmojis": [],
        **extra,
    }


def dce(channel: dict[str, Any], messages: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "guild": GUILD,
        "channel": channel,
        "dateRange": {"after": None, "before": None},
        "exportedAt": "2024-03-02T00:00:00+00:00",
        "messages": messages,
        "messageCount": len(messages),
    }


def text_channel(cid: str = "100", name: str = "links") -> dict[str, Any]:
    return {
        "id": cid,
        "type": "GuildTextChat",
        "categoryId": "50",
        "category": "Text",
        "name": name,
        "topic": None,
    }


def thread(tid: str, parent: str = "100", kind: str = "GuildPublicThread") -> dict[str, Any]:
    return {
        "id": tid,
        "type": kind,
        "categoryId": parent,
        "category": "links",
        "name": "a thread",
        "topic": None,
    }


def write(path: Path, content: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
    return path


def reaction(name: str, count: int, users: list[dict[str, Any]] | None) -> dict[str, Any]:
    r: dict[str, Any] = {
        "emoji": {
            "id": "",
            "name": name,
            "code": name,
            "isAnimated": False,
            "imageUrl": "https://cdn.example/e.svg",
        },
        "count": count,
    }
    if users is not None:
        r["users"] = users
    return r


@pytest.fixture(params=["kept in memory", "streamed twice"])
def file_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Small files keep their events from the checking pass; huge ones are only checked and
    counted by it, then read again: both must give the same events and the same counts."""
    if request.param == "streamed twice":
        monkeypatch.setattr(discord_export, "_IN_MEMORY_BYTES", 0)
    return str(request.param)


def test_channel_replies_reactions_attachments(tmp_path: Path, file_mode: str) -> None:
    messages = [
        msg(
            "1001",
            ANA,
            "read https://a.example/x",
            minute=1,
            embeds=[{"title": "X", "url": "https://a.example/x"}, {"title": "no url", "url": None}],
            reactions=[reaction("👍", 2, [BO, BOT]), reaction("🎉", 3, [BO])],
        ),
        msg(
            "1002",
            BO,
            "nice",
            minute=2,
            kind="Reply",
            reference={
                "type": "Default",
                "messageId": "1001",
                "channelId": "100",
                "guildId": "900",
            },
        ),
        msg(
            "1003",
            ANA,
            "thanks",
            minute=3,
            kind="Reply",
            reference={"messageId": "1002", "channelId": "100", "guildId": "900"},
        ),
        msg(
            "1004",
            BO,
            "fwd",
            minute=4,
            reference={"type": "Forward", "messageId": "555", "channelId": "777", "guildId": "900"},
        ),
        msg("1005", BO, "", minute=5, kind="GuildMemberJoin"),
        msg("1006", BOT, "beep", minute=6),
        msg(
            "1007",
            ANA,
            "file",
            minute=7,
            timestampEdited="2024-03-01T10:08:00+01:00",
            attachments=[
                {
                    "id": "77",
                    # signed as Discord serves it (the Infrahub forum's files): the signature
                    # expires within a day, and the live adapter stores the link without it
                    "url": "https://cdn.discordapp.com/attachments/100/77/paper.pdf"
                    "?ex=6a89fab8&is=6a88a938&hm=35cffcc629b2a12db47fdcef3b7c94b5e1c834c0&",
                    "fileName": "paper.pdf",
                    "fileSizeBytes": 10,
                },
                {
                    "id": "78",
                    "url": "links.json_Files/cat-1234.png",
                    "fileName": "cat.png",
                    "fileSizeBytes": 5,
                },
            ],
        ),
        msg("1007", ANA, "file", minute=7),  # DCE can repeat a message: counted once
    ]
    path = write(tmp_path / "links.json", dce(text_channel(), messages))
    events, report = import_all(path)
    community = CommunityRef("discord", "900", "Practice Guild")
    channel = Place(community=community, channel_id="100", channel_name="links")
    by_id = {e.message_id: e for e in posted(events)}
    assert list(by_id) == ["1001", "1002", "1003", "1004", "1007"]
    assert by_id["1001"] == MessagePosted(
        place=channel,
        occurred_at=datetime(2024, 3, 1, 9, 1, 0, 500000, tzinfo=UTC),
        message_id="1001",
        author=Actor("11", "Ana B"),
        text="read https://a.example/x",
        extra_urls=("https://a.example/x",),
        previews=(LinkPreview("https://a.example/x", "X"),),  # the embed's title
    )
    # A reply, and a reply to the reply, both discuss the first message.
    assert by_id["1002"].place.thread_id == "1001"
    assert by_id["1003"].place.thread_id == "1001"
    assert by_id["1004"].place.thread_id is None  # a forward is not a reply
    assert by_id["1003"].author == Actor("11", "Ana B")
    assert by_id["1002"].author == Actor("12", "bo")
    (attachment,) = by_id["1007"].attachments
    assert (attachment.url, attachment.filename, attachment.external_id) == (
        "https://cdn.discordapp.com/attachments/100/77/paper.pdf",
        "paper.pdf",
        "77",
    )
    assert [(r.message_id, r.actor.external_id, r.emoji) for r in reactions(events)] == [
        ("1001", "12", "👍"),
        ("1001", "12", "🎉"),
    ]
    assert report.messages == 5 and report.replies == 2 and report.reactions == 2
    assert report.edited == 1 and report.attachments == 1
    assert report.skipped == {
        "reaction by a bot": 1,
        "reaction without users": 2,  # 🎉 counted 3 but listed 1
        "system message (GuildMemberJoin)": 1,
        "bot message": 1,
        "attachment without URL (downloaded locally)": 1,
        "duplicate message id": 1,
    }
    assert report.members == 2 and report.channels == 1


def test_threads_forums_private_and_dms(tmp_path: Path, file_mode: str) -> None:
    write(
        tmp_path / "a-links.json", dce(text_channel(), [msg("2000", ANA, "start here", minute=0)])
    )
    write(
        tmp_path / "_threads/t.json",
        dce(
            thread("2000"),
            [
                msg("2001", BO, "in thread", minute=1),
                msg(
                    "2002",
                    ANA,
                    "quoted",
                    minute=2,
                    kind="Reply",
                    reference={"messageId": "2001", "channelId": "2000", "guildId": "900"},
                ),
            ],
        ),
    )
    # A forum post: the thread's first message has the thread's id and is its root.
    forum = thread("3000", parent="300")
    forum["category"] = "help-forum"
    forum["name"] = "Syncing with a Git repo crashed the prefect worker"
    write(
        tmp_path / "_threads/f.json",
        dce(forum, [msg("3000", ANA, "question?"), msg("3001", BO, "answer")]),
    )
    write(
        tmp_path / "_threads/p.json",
        dce(thread("4000", kind="GuildPrivateThread"), [msg("4001", BO, "secret")]),
    )
    dm = {
        "id": "5",
        "type": "DirectTextChat",
        "categoryId": "0",
        "category": "Private",
        "name": "x",
        "topic": None,
    }
    write(
        tmp_path / "dm.json",
        {**dce(dm, [msg("5001", BO, "hi")]), "guild": {"id": "0", "name": "Direct Messages"}},
    )
    (tmp_path / "a-links.json_Files").mkdir()
    write(tmp_path / "a-links.json_Files" / "meta.json", [1, 2])  # downloaded media: ignored

    export = open_discord_export(tmp_path)
    assert export.total_files == 5
    # Channels first, threads after, so a thread root is stored before its replies.
    assert [f.is_thread for f in export.files] == [False, False, True, True, True]
    events, report = import_all(tmp_path)
    places = {e.message_id: e.place for e in posted(events)}
    assert places["2000"].thread_id is None
    assert (places["2001"].channel_id, places["2001"].thread_id) == ("100", "2000")
    assert places["2002"].thread_id == "2000"  # a reply inside a thread stays in that thread
    assert (places["3000"].channel_id, places["3000"].channel_name, places["3000"].thread_id) == (
        "300",
        "help-forum",
        None,
    )
    assert places["3001"].thread_id == "3000"
    texts = {e.message_id: e.text for e in posted(events)}
    # a forum post reads as members see it: its title over its opening message
    assert texts["3000"] == "Syncing with a Git repo crashed the prefect worker\nquestion?"
    assert texts["3001"] == "answer"
    assert texts["2001"] == "in thread"  # a thread off a channel message has no post title
    assert "4001" not in places and "5001" not in places
    assert report.skipped_files == {SKIP_PRIVATE: 1, SKIP_DM: 1}
    assert report.channels == 2  # links and the forum; threads belong to their parents
    assert report.replies == 3  # 2001, 2002 and 3001; the thread and forum roots are not
    assert report.replies == sum(1 for e in posted(events) if e.place.thread_id is not None)
    events, report = import_all(tmp_path, include_private=True)
    secret = next(e for e in posted(events) if e.message_id == "4001")
    assert secret.place.is_private and secret.place.thread_id == "4000"


def test_reply_chains_survive_partitioned_files(tmp_path: Path) -> None:
    part1 = [msg("6001", ANA, "https://b.example", minute=1)]
    part2 = [
        msg(
            "6002",
            BO,
            "re",
            minute=2,
            kind="Reply",
            reference={"messageId": "6001", "channelId": "100"},
        ),
        msg(
            "6003",
            ANA,
            "re re",
            minute=3,
            kind="Reply",
            reference={"messageId": "6002", "channelId": "100"},
        ),
    ]
    write(tmp_path / "links [part 1].json", dce(text_channel(), part1))
    write(tmp_path / "links [part 2].json", dce(text_channel(), part2))
    events, report = import_all(tmp_path)
    assert [e.place.thread_id for e in posted(events)] == [None, "6001", "6001"]
    assert report.files_done == 2 and report.channels == 1


def test_units_are_replayable_and_streamed(tmp_path: Path, file_mode: str) -> None:
    messages = [
        msg(str(10_000 + i), ANA if i % 2 else BO, f"m{i} https://x.example/{i}", minute=i % 60)
        for i in range(500)
    ]
    path = write(tmp_path / "big.json", dce(text_channel(), messages))
    report = ImportReport()
    (unit,) = list(open_discord_export(path).units(report))
    assert unit.event_count == unit.counts.messages == 500
    first = list(unit.events())
    assert first == list(unit.events())
    assert [e.message_id for e in first] == [str(10_000 + i) for i in range(500)]
    assert report.bytes_done == report.bytes_total == path.stat().st_size


# --- broken files ---------------------------------------------------------------------------


def broken_cases() -> dict[str, tuple[bytes, str, str]]:
    good = dce(
        text_channel(),
        [msg("7001", ANA, "ok https://c.example"), msg("7002", BO, "café", minute=1)],
    )
    text = json.dumps(good, ensure_ascii=False).encode()
    bad_time = json.loads(text)
    bad_time["messages"][1]["timestamp"] = "yesterday"
    wrong_message = json.loads(text)
    wrong_message["messages"][1] = ["not", "a", "message"]
    cut = text.index(b'"7002"') + 20
    utf8 = text.replace("café".encode(), b"caf\xe9")
    return {
        "truncated": (text[:cut], "$.messages[1]", "invalid JSON"),
        "wrong shape (top level is a list)": (
            json.dumps([good]).encode(),
            "$",
            "not a DiscordChatExporter",
        ),
        "wrong shape (message is a list)": (
            json.dumps(wrong_message).encode(),
            "$.messages[1]",
            "expected a message",
        ),
        "wrong shape (messages is an object)": (
            json.dumps({**good, "messages": {"a": 1}}).encode(),
            "$.messages",
            "expected a list",
        ),
        "bad timestamp": (
            json.dumps(bad_time).encode(),
            "$.messages[1].timestamp",
            "bad timestamp",
        ),
        "invalid UTF-8": (utf8, f"byte {utf8.index(0xE9)}", "invalid UTF-8"),
        "no guild": (
            json.dumps({"channel": good["channel"], "messages": []}).encode(),
            "$",
            "no guild",
        ),
    }


@pytest.mark.parametrize("case", list(broken_cases()))
def test_broken_file_is_reported_with_its_position(
    tmp_path: Path, case: str, file_mode: str
) -> None:
    data, position, reason = broken_cases()[case]
    write(tmp_path / "a.json", dce(text_channel("100", "a"), [msg("8001", ANA, "first file")]))
    broken = write(tmp_path / "b.json", data)
    write(tmp_path / "c.json", dce(text_channel("101", "c"), [msg("9001", BO, "third file")]))
    report = ImportReport()
    seen: list[Any] = []
    with pytest.raises(BrokenExportFile) as info:
        for event in iter_discord_export(tmp_path, report=report):
            seen.append(event)
    assert info.value.path == str(broken)
    assert info.value.position is not None and info.value.position.startswith(position), info.value
    assert reason in info.value.reason
    # Nothing of the broken file was produced (its first message was fine, yet not yielded).
    assert [e.message_id for e in seen] == ["8001"]
    assert report.errors == [info.value.problem]
    events, report = import_all(tmp_path, keep_going=True)
    assert [e.message_id for e in posted(events)] == ["8001", "9001"]
    assert report.files_broken == 1 and report.files_done == 2
    assert report.errors[0].path == str(broken)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(BrokenExportFile, match="no such file"):
        open_discord_export(tmp_path / "nope")


# --- the real DCE files in ../shared --------------------------------------------------------


@pytest.mark.shared_data
def test_real_dce_examples(file_mode: str) -> None:
    root = shared("discord-dce-json-examples")
    events, report = import_all(root)
    # The two DM/group-DM samples are never imported.
    assert report.skipped_files == {SKIP_DM: 2}
    assert report.files_done == 5
    general = [
        e for e in posted(events) if e.place.channel_name == "general" and e.place.thread_id is None
    ]
    # general: 35 messages - 3 GuildMemberJoin - 1 ThreadCreated, of which 2 carry a reply reference.
    in_general = [e for e in posted(events) if e.place.channel_id == "1012224565567721552"]
    assert len(in_general) == 31 + 5  # plus the 5 of the thread "Thomas is Thomas"
    assert len(general) == 29
    thread_messages = [e for e in in_general if e.place.thread_id == "1060927310439657577"]
    assert [e.message_id for e in thread_messages] == [
        "1060927462046978058",
        "1060927472511746072",
        "1060927520008065176",
        "1060927555093413928",
        "1060927583467876363",
    ]
    replies = {
        e.message_id: e.place.thread_id
        for e in in_general
        if e.place.thread_id and e not in thread_messages
    }
    assert replies == {
        "1060926346089476176": "1060926317920538735",
        "1060926395313827840": "1060926317920538735",
    }  # a reply to a reply
    # Old DCE: reactions carry counts but no users — none invented, all counted as skipped.
    assert reactions(events) == []
    assert report.skipped["reaction without users"] == 5 + 1 + 5
    assert report.skipped["system message (GuildMemberJoin)"] == 3
    assert report.skipped["duplicate message id"] == 1  # SV_5A_5M repeats a message
    assert sum(1 for e in posted(events) if e.extra_urls) == 4  # 3 in general, 1 in chill talk
    assert {e.community for e in events} == {
        CommunityRef("discord", "748545324524575035", "Example guild"),
        CommunityRef("discord", "253601524398293010", "DefleMask"),
    }
    nickless = next(e for e in posted(events) if e.message_id == "447793085255123004")
    assert nickless.author.display_name == "mlomb"  # no nickname: the user name


# --- through the core (phase 2): SQLite always, PostgreSQL when configured --------------------


async def summaries_of(rhizome: Rhizome, guild: str) -> list[ResourceSummary]:
    repos = rhizome.services.repos
    community = await repos.communities.find("discord", guild)
    assert community is not None
    return await repos.resources.summaries(
        community.id, await repos.resources.all_ids(community.id)
    )


async def test_discord_export_through_the_core_twice(rhizome: Rhizome, tmp_path: Path) -> None:
    write(
        tmp_path / "links.json",
        dce(
            text_channel(),
            [
                msg(
                    "1001",
                    ANA,
                    "read https://a.example/x",
                    minute=1,
                    reactions=[reaction("👍", 1, [BO]), reaction("🎉", 1, [ANA])],
                ),
                msg(
                    "1002",
                    BO,
                    "nice",
                    minute=2,
                    kind="Reply",
                    reference={"messageId": "1001", "channelId": "100"},
                ),
                msg(
                    "1003",
                    ANA,
                    "thanks",
                    minute=3,
                    kind="Reply",
                    reference={"messageId": "1002", "channelId": "100"},
                ),
            ],
        ),
    )
    write(
        tmp_path / "_threads/t.json",
        dce(thread("1001"), [msg("1010", BO, "in the thread", minute=4)]),
    )
    first = await import_export(rhizome, "discord", tmp_path)
    assert first.ok and first.files_committed == 2
    assert first.stored.messages == 4
    assert first.communities == [CommunityRef("discord", "900", "Practice Guild")]
    (resource,) = await summaries_of(rhizome, "900")
    assert resource.url == "https://a.example/x"
    assert resource.first_shared_by is not None and resource.first_shared_by.name == "Ana B"
    assert resource.first_message_external_id == "1001"
    assert resource.reply_count == 3  # two replies in the channel, one in the thread
    assert resource.reaction_count >= 1
    second = await import_export(rhizome, "discord", tmp_path)
    assert second.stored.messages == 0 and second.stored.duplicates == 4
    assert second.stored.reactions == 0
    (again,) = await summaries_of(rhizome, "900")
    assert (again.reply_count, again.reaction_count, again.share_count) == (
        resource.reply_count,
        resource.reaction_count,
        resource.share_count,
    )


async def test_imported_replies_in_the_channel_are_no_thread_and_outlive_one(
    rhizome: Rhizome, tmp_path: Path
) -> None:
    """Replies in a channel are filed under the message they answer, as a thread's messages
    are under its starter. Imported, they are marked as live ones are: their root is not
    recorded as a thread (the live catch-up would ask Discord for it, be told "Unknown
    Channel" and erase them), and deleting a thread opened on that root leaves them."""
    reply = {"kind": "Reply"}
    write(
        tmp_path / "links.json",
        dce(
            text_channel(),
            [
                msg("1001", ANA, "read https://a.example/x", minute=1),
                msg("1002", BO, "nice", minute=2, **reply, reference={"messageId": "1001"}),
                msg("1003", ANA, "ty", minute=3, **reply, reference={"messageId": "1002"}),
                msg("1004", BO, "other", minute=4),
                msg("1005", ANA, "agreed", minute=5, **reply, reference={"messageId": "1004"}),
            ],
        ),
    )
    write(
        tmp_path / "_threads/t.json",
        dce(thread("1001"), [msg("1010", BO, "in the thread", minute=6)]),
    )
    assert (await import_export(rhizome, "discord", tmp_path)).ok
    db = rhizome.services.db
    async with db.read() as conn:
        recorded = set((await conn.execute(select(m.threads.c.external_id))).scalars())
        marked = dict(
            (await conn.execute(select(m.messages.c.external_id, m.messages.c.in_channel))).all()
        )
    assert recorded == {"1001"}  # the thread, not the reply chain under 1004
    assert {k for k, v in marked.items() if v} == {"1002", "1003", "1005"}
    place = Place(
        community=CommunityRef("discord", "900", "Practice Guild"),
        channel_id="100",
        thread_id="1001",
    )
    await rhizome.ingest(
        ConversationDeleted(place=place, occurred_at=datetime(2024, 3, 2, tzinfo=UTC))
    )
    async with db.read() as conn:
        left = set((await conn.execute(select(m.messages.c.text))).scalars())
    assert left == {"read https://a.example/x", "nice", "ty", "other", "agreed"}


async def test_discord_broken_file_through_the_core(rhizome: Rhizome, tmp_path: Path) -> None:
    write(
        tmp_path / "a.json",
        dce(text_channel("100", "a"), [msg("8001", ANA, "https://one.example/a")]),
    )
    good = json.dumps(
        dce(
            text_channel("101", "b"),
            [msg("8101", ANA, "https://two.example/b"), msg("8102", BO, "x", minute=1)],
        )
    )
    write(tmp_path / "b.json", good[: good.index('"8102"')].encode())
    write(
        tmp_path / "c.json",
        dce(text_channel("102", "c"), [msg("8201", BO, "https://three.example/c")]),
    )
    stopped = await import_export(rhizome, "discord", tmp_path)
    assert stopped.aborted and stopped.files_committed == 1
    assert stopped.report.errors[0].path == str(tmp_path / "b.json")
    assert {s.url for s in await summaries_of(rhizome, "900")} == {"https://one.example/a"}
    kept_going = await import_export(rhizome, "discord", tmp_path, keep_going=True)
    assert not kept_going.aborted and kept_going.files_committed == 2
    # Nothing of b.json, although its first message was well-formed.
    assert {s.url for s in await summaries_of(rhizome, "900")} == {
        "https://one.example/a",
        "https://three.example/c",
    }


@pytest.mark.shared_data
async def test_real_dce_examples_through_the_core_twice(rhizome: Rhizome) -> None:
    root = shared("discord-dce-json-examples")
    first = await import_export(rhizome, "discord", root)
    assert first.ok and first.files_committed == 5
    # 31 + 5 (thread) in general, 6 in chill talk (both files, same ids), 4 in general-chiptune.
    assert first.stored.messages == 46 and first.stored.duplicates == 5
    counts = {
        f"{c.platform}:{c.external_id}": n
        for c, n in await rhizome.services.repos.communities.list_all()
    }
    assert counts["discord:748545324524575035"]["messages"] == 42
    assert counts["discord:253601524398293010"]["messages"] == 4
    second = await import_export(rhizome, "discord", root)
    assert second.stored.messages == 0 and second.stored.duplicates == 51
    wiki = next(s for s in await summaries_of(rhizome, "748545324524575035") if "wiki" in s.url)
    assert wiki.first_message_external_id == "1060926895719460986"
