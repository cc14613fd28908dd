"""Slack standard workspace export (a .zip or its unpacked folder) → neutral events.

Layout: `users.json`, `channels.json` (public channels), optionally `groups.json` (private
channels), `dms.json`/`mpims.json` (never imported), and one folder per channel holding one JSON
array of messages per day (`2016-07-31.json`). Each day file is one `ExportFile` unit: small,
parsed whole with `json`, so a caller committing a unit per transaction never half-writes one.

Mapping (see the README of `bot/importers` in `__init__`):
- a message → `MessagePosted(message_id=ts)` with its *current* text (an `edited` message is
  imported as it is now, not as a post plus an edit); `thread_ts != ts` makes it a thread reply
  (`Place.thread_id = thread_ts`); `thread_broadcast` is a reply with `broadcast=True`;
- each reaction user → one `ReactionAdded` (at the message's time: exports carry no reaction
  time); users beyond the listed ones are counted as skipped "reaction without users";
- files (`file`, `files`) → `Attachment` (permalink; for external files their own URL; token
  query strings stripped); link unfurls' `from_url` → `extra_urls`;
- joins, topic/purpose/name changes, pins, bot posts, tombstones… are not resources: skipped and
  counted by reason. Slack link markup stays in the text (the core's URL extractor reads it).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

from bot.importers.common import (
    BrokenExportFile,
    ExportFile,
    ExportSource,
    FileCounts,
    ImportReport,
    UnitLoader,
    events_of,
    guarded_units,
    load_json,
    slack_ts_to_datetime,
    slug,
)
from bot.mentions import mentioned_ids
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
from bot.urls import shared_message_links

__all__ = [
    "SlackChannel",
    "SlackExport",
    "iter_slack_export",
    "open_slack_export",
    "parse_day_file",
    "parse_users",
]

# Subtypes that are a person saying something; every other subtype is an event about the channel.
_CONTENT_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})
_BOT_USERS = frozenset({"USLACKBOT"})
# Files Slack no longer serves (deleted, or beyond a free plan's limit) have no usable URL.
_GONE_FILE_MODES = frozenset({"tombstone", "hidden_by_limit"})
_EXPORT_NAME_TAIL = re.compile(r"\s+slack export.*$", re.IGNORECASE)
# How many day files to look into for a message's `team` when users.json names no team.
_TEAM_SCAN_FILES = 20

SKIP_DM = "direct messages are never imported"
SKIP_PRIVATE = "private channel (use --include-private)"
SKIP_UNLISTED = "folder not listed in channels.json"


@dataclass(frozen=True, slots=True)
class SlackChannel:
    id: str
    name: str
    folder: str | None  # None: the export has no messages for it
    is_private: bool = False


# --- pure parsers ----------------------------------------------------------------------------


def _opt_str(obj: Mapping[str, object], key: str, path: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise BrokenExportFile(path, f"{where}.{key}", f"expected a string, got {_kind(value)}")


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


def _display_name(user: Mapping[str, object]) -> str | None:
    """profile.display_name, then real_name, then profile.real_name, then the legacy username."""
    profile = user.get("profile")
    candidates: list[object] = []
    if isinstance(profile, dict):
        candidates.append(profile.get("display_name"))
    candidates.append(user.get("real_name"))
    if isinstance(profile, dict):
        candidates.append(profile.get("real_name"))
    candidates.append(user.get("name"))
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return None


def parse_users(data: bytes, path: str) -> tuple[dict[str, Actor], str | None, int]:
    """users.json → actors by id, the workspace's team id (most common), and entries skipped."""
    raw = load_json(data, path)
    if not isinstance(raw, list):
        raise BrokenExportFile(path, "$", f"expected a list of users, got {_kind(raw)}")
    actors: dict[str, Actor] = {}
    teams: Counter[str] = Counter()
    bad = 0
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            bad += 1
            continue
        user_id: str = entry["id"]
        actors[user_id] = Actor(
            external_id=user_id,
            display_name=_display_name(entry),
            is_bot=entry.get("is_bot") is True or user_id in _BOT_USERS,
            is_admin=any(
                entry.get(k) is True for k in ("is_admin", "is_owner", "is_primary_owner")
            ),
        )
        team = entry.get("team_id")
        if isinstance(team, str) and team:
            teams[team] += 1
    team_id = teams.most_common(1)[0][0] if teams else None
    return actors, team_id, bad


def _strip_token(url: str) -> str:
    # Old exports put a `?t=xoxe-…` access token on files.slack.com URLs: never store it.
    return url.split("?", 1)[0] if "files.slack.com/" in url else url


def _attachment(obj: object, path: str, where: str) -> Attachment | None:
    if not isinstance(obj, dict):
        raise BrokenExportFile(path, where, f"expected a file object, got {_kind(obj)}")
    if obj.get("mode") in _GONE_FILE_MODES:
        return None
    permalink = _opt_str(obj, "permalink", path, where)
    private = _opt_str(obj, "url_private", path, where)
    if obj.get("is_external") is True:
        url = private or permalink
    else:
        url = permalink or (_strip_token(private) if private else None)
    if not url:
        return None
    return Attachment(
        url=url,
        filename=_opt_str(obj, "name", path, where),
        title=_opt_str(obj, "title", path, where),
        external_id=_opt_str(obj, "id", path, where),
    )


def parse_day_file(
    data: bytes,
    *,
    path: str,
    place: Place,
    users: Mapping[str, Actor],
    shared_files: dict[str, str] | None = None,
) -> tuple[tuple[InboundEvent, ...], FileCounts]:
    """One day file → its events in chronological order, and what it held.

    `shared_files` (file id → ts of the message that shared it, for the channel's earlier day
    files) lets a legacy file comment find the share it discusses; the file's own shares are
    added to it once the whole file has parsed.

    Raises only `BrokenExportFile` (with a JSON path like `$[3].reactions[0].users`), for any
    input: bad JSON, wrong shapes, bad timestamps, invalid UTF-8.
    """
    raw = load_json(data, path)
    if not isinstance(raw, list):
        raise BrokenExportFile(path, "$", f"expected a list of messages, got {_kind(raw)}")
    counts = FileCounts()
    timed: list[tuple[datetime, int, list[InboundEvent]]] = []
    thread_places: dict[str, Place] = {}
    strangers: dict[str, Actor] = {}
    files_here: dict[str, str] = {}
    earlier_files: Mapping[str, str] = shared_files if shared_files is not None else {}

    def mentioned(words: str) -> tuple[Actor, ...]:
        return tuple(
            users.get(uid) or strangers.get(uid) or Actor(external_id=uid)
            for uid in mentioned_ids(words)
        )

    def in_thread(thread_ts: str) -> Place:
        return thread_places.get(thread_ts) or thread_places.setdefault(
            thread_ts,
            Place(
                community=place.community,
                channel_id=place.channel_id,
                channel_name=place.channel_name,
                thread_id=thread_ts,
                is_private=place.is_private,
            ),
        )

    for i, message in enumerate(raw):
        where = f"$[{i}]"
        if not isinstance(message, dict):
            raise BrokenExportFile(path, where, f"expected a message object, got {_kind(message)}")
        ts = message.get("ts")
        if not isinstance(ts, str):
            raise BrokenExportFile(path, f"{where}.ts", "missing or not a string")
        when = slack_ts_to_datetime(ts)
        if when is None:
            raise BrokenExportFile(path, f"{where}.ts", f"bad Slack timestamp {ts[:40]!r}")
        subtype = message.get("subtype")
        if subtype is not None and not isinstance(subtype, str):
            raise BrokenExportFile(
                path, f"{where}.subtype", f"expected a string, got {_kind(subtype)}"
            )
        kind = message.get("type", "message")
        if kind != "message":
            counts.skip("not a message")
            continue
        if subtype == "file_comment":
            comment = _file_comment(message, path, where, files_here, earlier_files, counts)
            if comment is not None:
                commenter_id, words, root_ts = comment
                commenter = users.get(commenter_id) or strangers.setdefault(
                    commenter_id,
                    Actor(external_id=commenter_id, is_bot=commenter_id in _BOT_USERS),
                )
                if commenter.is_bot:
                    counts.skip("bot message")
                    continue
                posted = MessagePosted(
                    place=in_thread(root_ts),
                    occurred_at=when,
                    message_id=ts,
                    author=commenter,
                    text=words,
                    mentions=mentioned(words),
                )
                timed.append((when, i, [posted]))
                counts.messages += 1
                counts.replies += 1
            continue
        if subtype not in _CONTENT_SUBTYPES:
            if subtype == "bot_message":
                counts.skip("bot message")
            elif subtype == "tombstone":
                counts.skip("deleted message")
            else:
                counts.skip(f"system message ({subtype})")
            continue
        user_id = message.get("user")
        if user_id is None:
            counts.skip("bot message" if "bot_id" in message else "message without user")
            continue
        if not isinstance(user_id, str):
            raise BrokenExportFile(
                path, f"{where}.user", f"expected a string, got {_kind(user_id)}"
            )
        author = users.get(user_id) or strangers.get(user_id)
        if author is None:
            profile = message.get("user_profile")
            name = _display_name(profile) if isinstance(profile, dict) else None
            author = strangers[user_id] = Actor(
                external_id=user_id, display_name=name, is_bot=user_id in _BOT_USERS
            )
        if author.is_bot:
            counts.skip("bot message")
            continue
        text = message.get("text")
        if text is None:
            text = ""
        elif not isinstance(text, str):
            raise BrokenExportFile(path, f"{where}.text", f"expected a string, got {_kind(text)}")
        thread_ts = message.get("thread_ts")
        message_place = place
        if thread_ts is not None:
            if not isinstance(thread_ts, str) or slack_ts_to_datetime(thread_ts) is None:
                raise BrokenExportFile(
                    path, f"{where}.thread_ts", f"bad Slack timestamp {thread_ts!r}"
                )
            if thread_ts != ts:
                message_place = in_thread(thread_ts)
        attachments: list[Attachment] = []
        single = message.get("file")
        if single is not None:
            found = _attachment(single, path, f"{where}.file")
            if found is not None:
                attachments.append(found)
            else:
                counts.skip("file without URL")
        files = message.get("files")
        if files is not None:
            if not isinstance(files, list):
                raise BrokenExportFile(
                    path, f"{where}.files", f"expected a list, got {_kind(files)}"
                )
            for j, file_obj in enumerate(files):
                found = _attachment(file_obj, path, f"{where}.files[{j}]")
                if found is not None:
                    attachments.append(found)
                else:
                    counts.skip("file without URL")
        for attachment in attachments:
            if attachment.external_id:  # a comment on it discusses this message
                files_here.setdefault(attachment.external_id, message_place.thread_id or ts)
        extra_urls: list[str] = []
        previews: list[LinkPreview] = []
        unfurls = message.get("attachments")
        if unfurls is not None:
            if not isinstance(unfurls, list):
                raise BrokenExportFile(
                    path, f"{where}.attachments", f"expected a list, got {_kind(unfurls)}"
                )
            for j, unfurl in enumerate(unfurls):
                if not isinstance(unfurl, dict):
                    raise BrokenExportFile(
                        path,
                        f"{where}.attachments[{j}]",
                        f"expected an object, got {_kind(unfurl)}",
                    )
                from_url = _opt_str(unfurl, "from_url", path, f"{where}.attachments[{j}]")
                if unfurl.get("is_msg_unfurl") is True:
                    # a forwarded message: its links are reshared here
                    extra_urls.extend(link.original for link in shared_message_links([unfurl]))
                    continue
                # exports keep Slack's HTML escaping here too: "&amp;" is "&"
                link = from_url or _opt_str(unfurl, "title_link", path, f"{where}.attachments")
                link = html.unescape(link) if link else None
                if link:
                    title = _opt_str(unfurl, "title", path, f"{where}.attachments[{j}]")
                    previews.append(LinkPreview(link, title))
                    extra_urls.append(link)
        events: list[InboundEvent] = [
            MessagePosted(
                place=message_place,
                occurred_at=when,
                message_id=ts,
                author=author,
                text=text,
                attachments=tuple(attachments),
                extra_urls=tuple(extra_urls),
                previews=tuple(previews),
                broadcast=subtype == "thread_broadcast",
                mentions=mentioned(text),
            )
        ]
        counts.messages += 1
        counts.attachments += len(attachments)
        if message_place is not place:
            counts.replies += 1
        if message.get("edited") is not None:
            counts.edited += 1
        reactions = message.get("reactions")
        if reactions is not None:
            if not isinstance(reactions, list):
                raise BrokenExportFile(
                    path, f"{where}.reactions", f"expected a list, got {_kind(reactions)}"
                )
            for j, reaction in enumerate(reactions):
                rwhere = f"{where}.reactions[{j}]"
                if not isinstance(reaction, dict):
                    raise BrokenExportFile(
                        path, rwhere, f"expected an object, got {_kind(reaction)}"
                    )
                emoji = reaction.get("name")
                if not isinstance(emoji, str) or not emoji:
                    raise BrokenExportFile(path, f"{rwhere}.name", "missing or not a string")
                reactors = reaction.get("users", [])
                if not isinstance(reactors, list) or not all(isinstance(u, str) for u in reactors):
                    raise BrokenExportFile(path, f"{rwhere}.users", "expected a list of user ids")
                count = reaction.get("count", len(reactors))
                if not isinstance(count, int) or isinstance(count, bool):
                    raise BrokenExportFile(
                        path, f"{rwhere}.count", f"expected a number, got {_kind(count)}"
                    )
                if count > len(reactors):
                    counts.skip("reaction without users", count - len(reactors))
                for reactor_id in dict.fromkeys(reactors):
                    reactor = users.get(reactor_id) or strangers.get(reactor_id)
                    if reactor is None:
                        reactor = strangers[reactor_id] = Actor(
                            external_id=reactor_id, is_bot=reactor_id in _BOT_USERS
                        )
                    if reactor.is_bot:
                        counts.skip("reaction by a bot")
                        continue
                    events.append(
                        ReactionAdded(
                            place=message_place,
                            occurred_at=when,
                            message_id=ts,
                            actor=reactor,
                            emoji=emoji,
                        )
                    )
                    counts.reactions += 1
        timed.append((when, i, events))
    timed.sort(key=lambda item: (item[0], item[1]))
    if shared_files is not None:
        for file_id, share_ts in files_here.items():
            shared_files.setdefault(file_id, share_ts)
    return tuple(event for _, _, events in timed for event in events), counts


SKIP_FILE_COMMENT = "comment on a file shared elsewhere or before the export"


def _file_comment(
    message: Mapping[str, object],
    path: str,
    where: str,
    files_here: Mapping[str, str],
    earlier_files: Mapping[str, str],
    counts: FileCounts,
) -> tuple[str, str, str] | None:
    """A legacy file comment (Slack before threads, 2018): who said what about which shared
    file, as (commenter, words, ts of the message that shared the file in this channel). It
    is a reply to that share, so it counts as discussing the file like a thread reply does.
    None (counted as skipped) when the share is not in this channel's export."""
    comment = message.get("comment")
    if comment is None:
        counts.skip(SKIP_FILE_COMMENT)
        return None
    if not isinstance(comment, dict):
        raise BrokenExportFile(
            path, f"{where}.comment", f"expected an object, got {_kind(comment)}"
        )
    user_id = comment.get("user")
    if not isinstance(user_id, str) or not user_id:
        raise BrokenExportFile(path, f"{where}.comment.user", "missing or not a string")
    text = _opt_str(comment, "comment", path, f"{where}.comment") or ""
    file_obj = message.get("file")
    file_id = (
        _opt_str(file_obj, "id", path, f"{where}.file") if isinstance(file_obj, dict) else None
    )
    root_ts = files_here.get(file_id or "") or earlier_files.get(file_id or "")
    if root_ts is None:
        counts.skip(SKIP_FILE_COMMENT)
        return None
    return user_id, text, root_ts


def _parse_channels(data: bytes, path: str) -> list[tuple[str, str]]:
    raw = load_json(data, path)
    if not isinstance(raw, list):
        raise BrokenExportFile(path, "$", f"expected a list of channels, got {_kind(raw)}")
    out: list[tuple[str, str]] = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise BrokenExportFile(
                path, f"$[{i}]", f"expected a channel object, got {_kind(entry)}"
            )
        channel_id = entry.get("id")
        name = entry.get("name")
        if not isinstance(channel_id, str) or not channel_id:
            raise BrokenExportFile(path, f"$[{i}].id", "missing or not a string")
        if not isinstance(name, str) or not name:
            raise BrokenExportFile(path, f"$[{i}].name", "missing or not a string")
        out.append((channel_id, name))
    return out


def _conversation_folders(data: bytes, path: str) -> list[str]:
    """dms.json / mpims.json → the folders their (never imported) messages are in."""
    raw = load_json(data, path)
    folders: list[str] = []
    if isinstance(raw, list):
        for entry in raw:
            if isinstance(entry, dict):
                folders.extend(v for k in ("name", "id") if isinstance(v := entry.get(k), str))
    return folders


# --- the export ------------------------------------------------------------------------------


class SlackExport:
    """An opened export: its community, channels, members and the day files to read."""

    def __init__(
        self,
        source: ExportSource,
        community: CommunityRef,
        channels: list[SlackChannel],
        users: dict[str, Actor],
        skipped_files: dict[str, int],
        warnings: list[str],
    ) -> None:
        self.source = source
        self.community = community
        self.channels = channels
        self.users = users
        self.skipped_files = skipped_files
        self.warnings = warnings
        # Per channel, the files shared in the day files read so far (for legacy file comments)
        self._shared_files: dict[str, dict[str, str]] = {}
        # Day by day across channels (a stable sort keeps channel order within a day): rows
        # then reach the time-ordered indexes (messages, shares and reactions by community and
        # time) at their ends instead of all over them, as a channel-by-channel walk would; at
        # 1M messages each batch dirtied half as many pages (1M import: 12k -> 16k messages/s).
        self.day_files: list[tuple[SlackChannel, str, int]] = sorted(
            (
                (channel, rel, size)
                for channel in channels
                if channel.folder is not None
                for rel, size in source.files(channel.folder)
            ),
            key=lambda f: f[1].rsplit("/", 1)[-1],
        )

    @property
    def total_files(self) -> int:
        return len(self.day_files)

    @property
    def total_bytes(self) -> int:
        return sum(size for _, _, size in self.day_files)

    def units(self, report: ImportReport, *, keep_going: bool = False) -> Iterator[ExportFile]:
        """Day files in date order, each chronological; broken ones per `keep_going`.

        The report's totals are set at once (not on the first `next`), for a progress bar.
        """
        report.files_total += self.total_files
        report.bytes_total += self.total_bytes
        report.members += len(self.users)
        report.channels += len(self.channels)
        report.warnings.extend(self.warnings)
        for reason, n in self.skipped_files.items():
            report.skip_file(reason, n)
        places = {
            channel.id: Place(
                community=self.community,
                channel_id=channel.id,
                channel_name=channel.name,
                is_private=channel.is_private,
            )
            for channel in self.channels
        }
        return guarded_units(
            (
                self._loader(channel, rel, size, places[channel.id])
                for channel, rel, size in self.day_files
            ),
            report,
            keep_going=keep_going,
        )

    def _loader(self, channel: SlackChannel, rel: str, size: int, place: Place) -> UnitLoader:
        display = self.source.display(rel)

        def load() -> ExportFile:
            data = self.source.read_bytes(rel)
            events, counts = parse_day_file(
                data,
                path=display,
                place=place,
                users=self.users,
                shared_files=self._shared_files.setdefault(channel.id, {}),
            )
            return ExportFile(
                path=display,
                size=size,
                community=self.community,
                channel_id=channel.id,
                counts=counts,
                replay=lambda: iter(events),
            )

        return display, size, load

    def close(self) -> None:
        self.source.close()

    def __enter__(self) -> SlackExport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _find_team_in_messages(source: ExportSource, channels: list[SlackChannel]) -> str | None:
    scanned = 0
    for channel in channels:
        if channel.folder is None:
            continue
        for rel, _ in source.files(channel.folder):
            if scanned >= _TEAM_SCAN_FILES:
                return None
            scanned += 1
            try:
                raw = load_json(source.read_bytes(rel), rel)
            except BrokenExportFile:
                continue  # reported properly when the file is imported
            if isinstance(raw, list):
                for message in raw:
                    if isinstance(message, dict) and isinstance(team := message.get("team"), str):
                        return team
    return None


def open_slack_export(
    path: str | Path, *, community_label: str | None = None, include_private: bool = False
) -> SlackExport:
    """Read the export's lists (users, channels) and find its day files; no messages yet.

    Raises `BrokenExportFile` when the export as a whole is unusable (no or broken
    channels.json, broken users.json): without them no file can be imported correctly.
    """
    source = ExportSource(Path(path), root_marker="channels.json")
    try:
        return _open(source, Path(path), community_label, include_private)
    except BaseException:
        source.close()
        raise


def _open(
    source: ExportSource, path: Path, community_label: str | None, include_private: bool
) -> SlackExport:
    if not source.exists("channels.json"):
        raise BrokenExportFile(
            str(path), None, "not a Slack export: no channels.json (expected a .zip or folder)"
        )
    warnings: list[str] = []
    users: dict[str, Actor] = {}
    team_id: str | None = None
    if source.exists("users.json"):
        users, team_id, bad = parse_users(
            source.read_bytes("users.json"), source.display("users.json")
        )
        if bad:
            warnings.append(f"users.json: {bad} entries without an id were ignored")
    else:
        warnings.append("users.json is missing: members are named by their ids")

    folders = source.folders()

    def folder_of(channel_id: str, name: str) -> str | None:
        if name in folders:
            return name
        return channel_id if channel_id in folders else None

    listed: set[str] = set()
    channels: list[SlackChannel] = []
    for channel_id, name in _parse_channels(
        source.read_bytes("channels.json"), source.display("channels.json")
    ):
        folder = folder_of(channel_id, name)
        channels.append(SlackChannel(channel_id, name, folder))
        listed.add(folder or "")
    skipped_files: dict[str, int] = {}

    def skip_folder(folder: str, reason: str) -> None:
        if folder in folders and folder not in listed:
            listed.add(folder)
            n = len(source.files(folder))
            if n:
                skipped_files[reason] = skipped_files.get(reason, 0) + n

    if source.exists("groups.json"):
        for channel_id, name in _parse_channels(
            source.read_bytes("groups.json"), source.display("groups.json")
        ):
            folder = folder_of(channel_id, name)
            if include_private:
                channels.append(SlackChannel(channel_id, name, folder, is_private=True))
                listed.add(folder or "")
            elif folder is not None:
                skip_folder(folder, SKIP_PRIVATE)
    for listing in ("dms.json", "mpims.json"):
        if source.exists(listing):
            for folder in _conversation_folders(
                source.read_bytes(listing), source.display(listing)
            ):
                skip_folder(folder, SKIP_DM)
    for folder in sorted(folders - listed):
        skip_folder(folder, SKIP_UNLISTED)

    if team_id is None:
        team_id = _find_team_in_messages(source, channels)
    stem = path.stem if source.is_zip else path.name
    name = community_label or _EXPORT_NAME_TAIL.sub("", stem) or stem
    external_id = team_id or f"export-{slug(community_label or name)}"
    if team_id is None:
        warnings.append(
            f"no Slack team id found in the export; community id is {external_id!r} "
            "(import with the same --community label to add to it later)"
        )
    community = CommunityRef(Platform.SLACK.value, external_id, name)
    return SlackExport(source, community, channels, users, skipped_files, warnings)


def iter_slack_export(
    path: str | Path,
    *,
    community_label: str | None = None,
    include_private: bool = False,
    report: ImportReport,
    keep_going: bool = False,
) -> Iterator[InboundEvent]:
    """All events of an export as one stream (use `open_slack_export(...).units()` for commits
    per file). Broken files are recorded in `report`; the first one raises unless `keep_going`."""
    with open_slack_export(
        path, community_label=community_label, include_private=include_private
    ) as export:
        yield from events_of(export.units(report, keep_going=keep_going))
