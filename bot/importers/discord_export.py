"""DiscordChatExporter (DCE) JSON exports → neutral events.

One DCE file holds one channel or one thread: `guild`, `channel`, then `messages` (chronological)
— written in that order by DCE's JsonMessageWriter, and possibly hundreds of MB, so messages are
streamed with ijson and never held in memory.

Each file is one `ExportFile` unit. A streaming pass checks every message (JSON syntax, UTF-8,
shapes, timestamps) and counts; the unit is handed out only if that pass succeeded. Its
`events()` then replays the events kept from that pass (files up to 16 MB) or streams a huge file
a second time (its first pass builds no events). So a broken file yields nothing, and a caller committing one unit per
transaction never half-writes one.

Mapping:
- `channel.type` *Thread (public/private/news) → `Place(channel_id=channel.categoryId,
  thread_id=channel.id)`: DCE writes the thread's parent channel into categoryId/category
  ("Original schema did not account for threads", JsonMessageWriter). A forum post's first
  message has the thread's id: it is the thread root, imported with `thread_id=None`, its text
  headed by the post's title (`channel.name`), as members see the post (`post_text`).
- a message with `reference.messageId` in the same channel (type "Reply", or any content type
  carrying a reply reference) outside a thread → a reply in the thread of the replied-to
  conversation's root: `thread_id` = the first message of the reply chain, so replying to a reply
  to a link still counts as discussing that link. Forwards (`reference.type == "Forward"`) are
  not replies.
- `timestampEdited` → the message as it is now (counted as edited); `attachments` → Attachment;
  `embeds[]` → extra_urls, with their titles as previews; local media paths (exports with downloaded assets) are skipped.
- reactions with `users` (DCE ≥ 2.40) → one ReactionAdded per user at the message's time; older
  exports only have `count`: those reactions cannot be attributed to anyone and are counted as
  skipped "reaction without users" (one per count) — nothing is invented.
- system messages (joins, pins, thread-created, calls…) and bot authors are skipped by reason;
  DM and group-DM exports are never imported; private threads only with `include_private`.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import ijson

from bot.importers.common import (
    BrokenExportFile,
    ExportFile,
    FileCounts,
    ImportReport,
    UnitLoader,
    events_of,
    guarded_units,
    parse_iso_timestamp,
)
from bot.mentions import mentioned_ids, merge_mentions
from bot.model import (
    Actor,
    Attachment,
    CommunityRef,
    InboundEvent,
    LinkPreview,
    MessagePosted,
    Place,
    Platform,
    ReactionAdded,
)
from bot.posts import post_text
from bot.urls import stable_cdn_url

__all__ = ["DiscordExport", "DiscordFile", "iter_discord_export", "open_discord_export"]

_THREAD_KINDS = frozenset(
    {"GuildPublicThread", "GuildPrivateThread", "GuildNewsThread", "10", "11", "12"}
)
_PRIVATE_THREAD_KINDS = frozenset({"GuildPrivateThread", "12"})
_DM_KINDS = frozenset({"DirectTextChat", "DirectGroupTextChat", "1", "3"})
# Message kinds where a person says something (DCE writes enum names, or the number when the
# kind is newer than its enum: 20 = slash-command response, 23 = context-menu command).
_CONTENT_KINDS = frozenset(
    {"Default", "Reply", "ChatInputCommand", "ContextMenuCommand", "0", "19", "20", "23"}
)
# ijson parses a 16 KB buffer ~10% faster than 64 KB or 1 MB ones (1.31 vs 1.46 s for 135 MB).
_BUF_SIZE = 16 * 1024
# Files up to this size keep their events from the checking pass (tens of MB of objects at most);
# bigger ones are streamed a second time instead of being held in memory.
_IN_MEMORY_BYTES = 16 * 2**20
_MAX_REPLY_CHAIN = 10_000

SKIP_DM = "direct messages are never imported"
SKIP_PRIVATE = "private thread (use --include-private)"


@dataclass(frozen=True, slots=True)
class DiscordFile:
    """One DCE file as seen by its header (or the reason it could not be read)."""

    path: Path
    size: int
    community: CommunityRef | None = None
    channel_id: str = ""  # the top-level channel (a thread's parent)
    channel_name: str | None = None
    thread_id: str | None = None  # the thread's channel id, for thread exports
    thread_name: str | None = None  # a thread's name: a forum post's title
    is_private: bool = False
    kind: str = ""
    problem: BrokenExportFile | None = None

    @property
    def is_thread(self) -> bool:
        return self.thread_id is not None


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string"


def _jsonerror_text(exc: Exception) -> str:
    raw = exc.args[0] if exc.args else exc
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def _locate_bad_utf8(path: Path, end: int) -> int | None:
    """The exact offset of the first invalid UTF-8 byte in the chunk that ended at `end`."""
    start = max(0, end - _BUF_SIZE - 4)
    try:
        with path.open("rb") as handle:
            handle.seek(start)
            chunk = handle.read(end - start + 4)
    except OSError:
        return None
    # Start on a character boundary: skip continuation bytes.
    skip = 0
    while skip < len(chunk) and 0x80 <= chunk[skip] < 0xC0 and skip < 4:
        skip += 1
    try:
        chunk[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason != "unexpected end of data":
            return start + skip + exc.start
    return None


def _json_failure(path: Path, handle: IO[bytes], exc: Exception, where: str) -> BrokenExportFile:
    try:
        read_to = handle.tell()
    except (OSError, ValueError):
        read_to = -1
    text = _jsonerror_text(exc)
    if "UTF8" in text or "UTF-8" in text or isinstance(exc, UnicodeDecodeError):
        offset = _locate_bad_utf8(path, read_to) if read_to >= 0 else None
        position = f"byte {offset}" if offset is not None else f"{where}, before byte {read_to}"
        return BrokenExportFile(str(path), position, "invalid UTF-8")
    position = f"{where}, before byte {read_to}" if read_to >= 0 else where
    return BrokenExportFile(str(path), position, f"invalid JSON: {text}")


def _read_header(path: Path, size: int) -> DiscordFile:
    """Stream up to `messages` for guild and channel; never builds the message list."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        return DiscordFile(
            path, size, problem=BrokenExportFile(str(path), None, f"cannot read: {exc}")
        )
    with handle:
        try:
            found = _scan_header(path, handle)
        except BrokenExportFile as exc:
            return DiscordFile(path, size, problem=exc)
        except (ijson.JSONError, UnicodeDecodeError, ValueError, OSError) as exc:
            return DiscordFile(path, size, problem=_json_failure(path, handle, exc, "header"))
    guild, channel = found
    display = str(path)

    def text(
        obj: Mapping[str, object], key: str, where: str, *, required: bool = True
    ) -> str | None:
        value = obj.get(key)
        if isinstance(value, str) and (value or not required):
            return value
        if value is None and not required:
            return None
        raise BrokenExportFile(display, f"{where}.{key}", f"expected a string, got {_kind(value)}")

    try:
        guild_id = text(guild, "id", "$.guild")
        guild_name = text(guild, "name", "$.guild", required=False)
        channel_id = text(channel, "id", "$.channel")
        kind = text(channel, "type", "$.channel") or ""
        name = text(channel, "name", "$.channel", required=False)
        parent_id = text(channel, "categoryId", "$.channel", required=False)
        parent_name = text(channel, "category", "$.channel", required=False)
    except BrokenExportFile as exc:
        return DiscordFile(path, size, problem=exc)
    assert guild_id is not None and channel_id is not None
    community = CommunityRef(Platform.DISCORD.value, guild_id, guild_name)
    if kind in _THREAD_KINDS:
        if not parent_id:
            problem = BrokenExportFile(
                display, "$.channel.categoryId", "thread without a parent channel id"
            )
            return DiscordFile(path, size, problem=problem)
        return DiscordFile(
            path,
            size,
            community,
            channel_id=parent_id,
            channel_name=parent_name,
            thread_id=channel_id,
            thread_name=name,
            is_private=kind in _PRIVATE_THREAD_KINDS,
            kind=kind,
        )
    return DiscordFile(path, size, community, channel_id=channel_id, channel_name=name, kind=kind)


def _scan_header(path: Path, handle: IO[bytes]) -> tuple[dict[str, object], dict[str, object]]:
    events = ijson.parse(handle, buf_size=_BUF_SIZE, use_float=True)
    first = next(events, None)
    if first is None:
        raise BrokenExportFile(str(path), "byte 0", "empty file")
    if first[1] != "start_map":
        raise BrokenExportFile(
            str(path),
            "$",
            "not a DiscordChatExporter JSON file: expected an object with guild, channel and messages",
        )
    parts: dict[str, dict[str, object]] = {}
    messages_event: str | None = None
    for prefix, event, value in events:
        if prefix in ("guild", "channel") and prefix not in parts:
            if event != "start_map":
                raise BrokenExportFile(str(path), f"$.{prefix}", f"expected an object, got {event}")
            builder = ijson.ObjectBuilder()
            builder.event(event, value)
            depth = 1
            for _, inner_event, inner_value in events:
                builder.event(inner_event, inner_value)
                if inner_event in ("start_map", "start_array"):
                    depth += 1
                elif inner_event in ("end_map", "end_array"):
                    depth -= 1
                    if depth == 0:
                        break
            parts[prefix] = builder.value
        elif prefix == "messages" and messages_event is None:
            messages_event = event
            if event != "start_array":
                raise BrokenExportFile(
                    str(path), "$.messages", f"expected a list of messages, got {event}"
                )
        if messages_event is not None and len(parts) == 2:
            break
    missing = [k for k in ("guild", "channel") if k not in parts]
    if messages_event is None:
        missing.append("messages")
    if missing:
        raise BrokenExportFile(
            str(path), "$", f"not a DiscordChatExporter JSON file: no {', '.join(missing)}"
        )
    return parts["guild"], parts["channel"]


@dataclass(slots=True)
class _ChannelState:
    """What must survive from one file of a channel to the next (partitioned exports)."""

    reply_to: dict[int, int] = field(default_factory=dict)  # reply message id → replied-to id

    def root(self, message_id: int) -> int:
        steps = 0
        while message_id in self.reply_to and steps < _MAX_REPLY_CHAIN:
            message_id = self.reply_to[message_id]
            steps += 1
        return message_id


class _Seen:
    """Message ids already read in a file; ids are mostly increasing, so an array suffices."""

    def __init__(self) -> None:
        self._ids: array[int] = array("Q")

    def add(self, value: int) -> bool:
        ids = self._ids
        if not ids or value > ids[-1]:
            ids.append(value)
            return True
        at = bisect_left(ids, value)
        if at < len(ids) and ids[at] == value:
            return False
        ids.insert(at, value)
        return True


def _snowflake(value: object, display: str, where: str) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        number = int(value)
        if number < 2**64:
            return number
    raise BrokenExportFile(
        display, where, f"expected a snowflake id string, got {str(value)[:40]!r}"
    )


def _http(url: object) -> bool:
    return isinstance(url, str) and url.startswith(("http://", "https://"))


def _convert(
    messages: Iterator[object],
    info: DiscordFile,
    state: _ChannelState,
    counts: FileCounts,
    authors: set[str],
    actors: dict[tuple[str, str | None, bool], Actor],
    added_edges: list[int],
    *,
    build: bool = True,
) -> Iterator[InboundEvent]:
    """Check and convert a file's messages, recording reply edges in `state` (their keys in
    `added_edges`, so a file that proves broken can take them back). With `build` off it only
    checks and counts, yielding nothing: the first pass over a file too big to keep its events
    (a sixth faster, and on an import's critical path: nothing overlaps it)."""
    display = str(info.path)
    assert info.community is not None
    base = Place(
        community=info.community,
        channel_id=info.channel_id,
        channel_name=info.channel_name,
        is_private=info.is_private,
    )
    thread_place = (
        Place(
            community=info.community,
            channel_id=info.channel_id,
            channel_name=info.channel_name,
            thread_id=info.thread_id,
            is_private=info.is_private,
        )
        if info.thread_id is not None
        else None
    )
    reply_places: dict[int, Place] = {}
    seen = _Seen()

    def actor_of(user: object, where: str) -> Actor:
        if not isinstance(user, dict):
            raise BrokenExportFile(display, where, f"expected a user object, got {_kind(user)}")
        user_id = user.get("id")
        if not isinstance(user_id, str) or not user_id:
            raise BrokenExportFile(display, f"{where}.id", "missing or not a string")
        nickname = user.get("nickname")
        name = nickname if isinstance(nickname, str) and nickname else user.get("name")
        if name is not None and not isinstance(name, str):
            raise BrokenExportFile(
                display, f"{where}.name", f"expected a string, got {_kind(name)}"
            )
        is_bot = user.get("isBot") is True
        key = (user_id, name or None, is_bot)
        actor = actors.get(key)
        if actor is None:
            actor = actors[key] = Actor(
                external_id=user_id, display_name=name or None, is_bot=is_bot
            )
        return actor

    for index, message in enumerate(messages):
        where = f"$.messages[{index}]"
        if not isinstance(message, dict):
            raise BrokenExportFile(
                display, where, f"expected a message object, got {_kind(message)}"
            )
        id_text = message.get("id")
        message_id = _snowflake(id_text, display, f"{where}.id")
        kind = message.get("type", "Default")
        if not isinstance(kind, str):
            raise BrokenExportFile(
                display, f"{where}.type", f"expected a string, got {_kind(kind)}"
            )
        stamp = message.get("timestamp")
        when = parse_iso_timestamp(stamp) if isinstance(stamp, str) else None
        if when is None:
            raise BrokenExportFile(
                display, f"{where}.timestamp", f"bad timestamp {str(stamp)[:40]!r}"
            )
        author = actor_of(message.get("author"), f"{where}.author")
        reference = message.get("reference")
        replied_to: int | None = None
        if reference is not None:
            if not isinstance(reference, dict):
                raise BrokenExportFile(
                    display, f"{where}.reference", f"expected an object, got {_kind(reference)}"
                )
            ref_id = reference.get("messageId")
            ref_channel = reference.get("channelId")
            same_channel = ref_channel is None or ref_channel in (
                info.thread_id or info.channel_id,
            )
            if ref_id is not None and same_channel and reference.get("type") != "Forward":
                replied_to = _snowflake(ref_id, display, f"{where}.reference.messageId")
                if replied_to != message_id and message_id not in state.reply_to:
                    state.reply_to[message_id] = replied_to
                    added_edges.append(message_id)
        if not seen.add(message_id):
            counts.skip("duplicate message id")
            continue
        if kind not in _CONTENT_KINDS:
            counts.skip(f"system message ({kind})")
            continue
        if author.is_bot:
            counts.skip("bot message")
            continue
        authors.add(author.external_id)
        content = message.get("content")
        if content is None:
            content = ""
        elif not isinstance(content, str):
            raise BrokenExportFile(
                display, f"{where}.content", f"expected a string, got {_kind(content)}"
            )
        edited = message.get("timestampEdited")
        if edited is not None:
            if not isinstance(edited, str) or parse_iso_timestamp(edited) is None:
                raise BrokenExportFile(
                    display, f"{where}.timestampEdited", f"bad timestamp {str(edited)[:40]!r}"
                )
            counts.edited += 1
        attachments: list[Attachment] = []
        attached = 0
        for j, item in enumerate(_list(message, "attachments", display, where)):
            if not isinstance(item, dict):
                raise BrokenExportFile(
                    display, f"{where}.attachments[{j}]", f"expected an object, got {_kind(item)}"
                )
            url = item.get("url")
            if not _http(url):
                counts.skip("attachment without URL (downloaded locally)")
                continue
            attached += 1
            if not build:
                continue
            file_name = item.get("fileName")
            attachment_id = item.get("id")
            attachments.append(
                Attachment(
                    url=stable_cdn_url(str(url)),  # as the live adapter stores it
                    filename=file_name if isinstance(file_name, str) else None,
                    external_id=attachment_id if isinstance(attachment_id, str) else None,
                )
            )
        previews: dict[str, LinkPreview] = {}
        for j, embed in enumerate(_list(message, "embeds", display, where)):
            if not isinstance(embed, dict):
                raise BrokenExportFile(
                    display, f"{where}.embeds[{j}]", f"expected an object, got {_kind(embed)}"
                )
            url = embed.get("url")
            if build and _http(url) and url not in previews:
                title = embed.get("title")
                previews[str(url)] = LinkPreview(
                    str(url), title if isinstance(title, str) else None
                )
        if thread_place is not None:  # in a thread file, everything but its root is a reply
            is_reply = str(message_id) != info.thread_id
        else:
            is_reply = replied_to is not None and replied_to != message_id
        counts.messages += 1
        counts.attachments += attached
        counts.replies += is_reply
        if build:
            if thread_place is not None:
                place = thread_place if is_reply else base
            elif is_reply and replied_to is not None:
                root = state.root(replied_to)
                place = reply_places.get(root) or reply_places.setdefault(
                    root,
                    Place(
                        community=info.community,
                        channel_id=info.channel_id,
                        channel_name=info.channel_name,
                        thread_id=str(root),
                        is_private=info.is_private,
                    ),
                )
            else:
                place = base
            message_key = str(id_text)
            if not is_reply and thread_place is not None:
                content = post_text(info.thread_name, content)
            # Who it mentions (also the author a reply pinged); an odd entry names nobody.
            listed = [
                actor_of(user, f"{where}.mentions[{j}]")
                for j, user in enumerate(_list(message, "mentions", display, where))
                if isinstance(user, dict) and isinstance(user.get("id"), str) and user["id"]
            ]
            named = (Actor(external_id=i) for i in mentioned_ids(content))
            yield MessagePosted(
                place=place,
                occurred_at=when,
                message_id=message_key,
                author=author,
                text=content,
                attachments=tuple(attachments),
                extra_urls=tuple(previews),
                previews=tuple(previews.values()),
                mentions=merge_mentions(listed, named),
                # a reply in the channel, as live: filed under its root, yet no thread
                reply_to=str(replied_to) if thread_place is None and is_reply else None,
            )
        for j, reaction in enumerate(_list(message, "reactions", display, where)):
            rwhere = f"{where}.reactions[{j}]"
            if not isinstance(reaction, dict):
                raise BrokenExportFile(
                    display, rwhere, f"expected an object, got {_kind(reaction)}"
                )
            emoji = reaction.get("emoji")
            name = emoji.get("name") if isinstance(emoji, dict) else None
            if not isinstance(name, str) or not name:
                raise BrokenExportFile(display, f"{rwhere}.emoji.name", "missing or not a string")
            count = reaction.get("count", 0)
            if not isinstance(count, int) or isinstance(count, bool):
                raise BrokenExportFile(
                    display, f"{rwhere}.count", f"expected a number, got {_kind(count)}"
                )
            users = reaction.get("users")
            if users is None:
                counts.skip("reaction without users", max(count, 1))
                continue
            if not isinstance(users, list):
                raise BrokenExportFile(
                    display, f"{rwhere}.users", f"expected a list, got {_kind(users)}"
                )
            if count > len(users):
                counts.skip("reaction without users", count - len(users))
            for k, user in enumerate(users):
                reactor = actor_of(user, f"{rwhere}.users[{k}]")
                if reactor.is_bot:
                    counts.skip("reaction by a bot")
                    continue
                if build:
                    yield ReactionAdded(
                        place=place,
                        occurred_at=when,
                        message_id=message_key,
                        actor=reactor,
                        emoji=name,
                    )
                counts.reactions += 1


def _list(message: Mapping[str, object], key: str, display: str, where: str) -> list[object]:
    value = message.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise BrokenExportFile(display, f"{where}.{key}", f"expected a list, got {_kind(value)}")
    return value


def _stream(
    info: DiscordFile, consume: Callable[[Iterator[object]], Iterator[InboundEvent]]
) -> Iterator[InboundEvent]:
    """Open the file and run `consume` over its messages, turning read errors into BrokenExportFile."""
    try:
        handle = info.path.open("rb")
    except OSError as exc:
        raise BrokenExportFile(str(info.path), None, f"cannot read: {exc}") from None
    index = 0
    with handle:
        messages = ijson.items(handle, "messages.item", buf_size=_BUF_SIZE, use_float=True)

        def counted() -> Iterator[object]:
            nonlocal index
            for item in messages:
                yield item
                index += 1

        try:
            yield from consume(counted())
        except (ijson.JSONError, UnicodeDecodeError, ValueError, OSError) as exc:
            # `index` is the message being read when the parser failed.
            raise _json_failure(info.path, handle, exc, f"$.messages[{index}]") from None


class DiscordExport:
    """A DCE file or folder: headers read, files ordered (channels before their threads)."""

    def __init__(self, files: list[DiscordFile], *, include_private: bool) -> None:
        self.include_private = include_private
        # Parent channels first so a thread's root message is stored before its replies.
        self.files = sorted(files, key=lambda f: (f.is_thread, str(f.path)))

    @property
    def total_files(self) -> int:
        return len(self.files)

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def communities(self) -> list[CommunityRef]:
        return list(dict.fromkeys(f.community for f in self.files if f.community is not None))

    def units(self, report: ImportReport, *, keep_going: bool = False) -> Iterator[ExportFile]:
        """Files in order, each validated by a streaming pass before it is handed out.

        The report's totals are set at once (not on the first `next`), for a progress bar.
        """
        report.files_total += self.total_files
        report.bytes_total += self.total_bytes
        states: dict[tuple[str, str], _ChannelState] = {}
        authors: set[str] = set()
        channels: set[tuple[str, str]] = set()
        actors: dict[tuple[str, str | None, bool], Actor] = {}

        def loader(info: DiscordFile) -> UnitLoader:
            def load() -> ExportFile | None:
                if info.problem is not None:
                    raise info.problem
                if info.kind in _DM_KINDS:
                    report.skip_file(SKIP_DM)
                    return None
                if info.is_private and not self.include_private:
                    report.skip_file(SKIP_PRIVATE)
                    return None
                assert info.community is not None
                key = (info.community.external_id, info.channel_id)
                state = states.setdefault(key, _ChannelState())
                counts = FileCounts()
                added: list[int] = []
                new_authors: set[str] = set()
                kept: list[InboundEvent] | None = [] if info.size <= _IN_MEMORY_BYTES else None
                build = kept is not None
                try:
                    for event in _stream(
                        info,
                        lambda ms: _convert(
                            ms, info, state, counts, new_authors, actors, added, build=build
                        ),
                    ):
                        if kept is not None:
                            kept.append(event)
                except BrokenExportFile:
                    for message_id in added:
                        del state.reply_to[message_id]
                    raise
                report.members += len(new_authors - authors)
                authors.update(new_authors)
                if key not in channels:
                    channels.add(key)
                    report.channels += 1

                def replay() -> Iterator[InboundEvent]:
                    if kept is not None:
                        return iter(kept)
                    return _stream(
                        info, lambda ms: _convert(ms, info, state, FileCounts(), set(), actors, [])
                    )

                return ExportFile(
                    path=str(info.path),
                    size=info.size,
                    community=info.community,
                    channel_id=info.channel_id,
                    counts=counts,
                    replay=replay,
                )

            return str(info.path), info.size, load

        return guarded_units((loader(f) for f in self.files), report, keep_going=keep_going)


def open_discord_export(path: str | Path, *, include_private: bool = False) -> DiscordExport:
    """A DCE .json file, or a folder searched recursively for them (media folders ignored)."""
    root = Path(path)
    if root.is_file():
        paths = [root]
    elif root.is_dir():
        paths = sorted(
            p
            for p in root.rglob("*.json")
            if p.is_file() and not any(part.endswith("_Files") for part in p.parts)
        )
    else:
        raise BrokenExportFile(str(root), None, "no such file or folder")
    files = [_read_header(p, p.stat().st_size) for p in paths]
    return DiscordExport(files, include_private=include_private)


def iter_discord_export(
    path: str | Path,
    *,
    include_private: bool = False,
    report: ImportReport,
    keep_going: bool = False,
) -> Iterator[InboundEvent]:
    """All events of a DCE export as one stream (use `open_discord_export(...).units()` to commit
    per file). Broken files are recorded in `report`; the first one raises unless `keep_going`."""
    export = open_discord_export(path, include_private=include_private)
    yield from events_of(export.units(report, keep_going=keep_going))
