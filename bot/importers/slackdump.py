"""slackdump "dump" files (https://github.com/rusq/slackdump) → neutral events.

Members of a free workspace cannot get an admin export, but any member can run slackdump with
their own login. Its Slack-export-format output (`slackdump export`) is read by
`slack_export`; this module reads its other output, one JSON file per conversation:
`{"channel_id": "C…", "name": "…", "messages": [...]}`, where a thread's replies are nested
under the thread root as `slackdump_thread_replies`. A file (or a folder of them, optionally
with a `users.json`) is one import; each conversation file is one unit, parsed with the same
day-file parser as an export, so messages, threads, reactions, files and markup mean the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.importers.common import (
    BrokenExportFile,
    ExportFile,
    ImportReport,
    UnitLoader,
    guarded_units,
    load_json,
    slug,
)
from bot.importers.slack_export import SKIP_DM, SKIP_PRIVATE, parse_day_file, parse_users
from bot.model import Actor, CommunityRef, Place, Platform

THREAD_REPLIES = "slackdump_thread_replies"


def is_slackdump(path: Path) -> bool:
    """A slackdump conversation file, or a folder of them (and no `channels.json`)."""
    if path.is_file():
        return path.suffix == ".json" and _looks_like_dump(path)
    if path.is_dir() and not (path / "channels.json").exists():
        return any(_looks_like_dump(p) for p in sorted(path.glob("*.json"))[:20])
    return False


def _looks_like_dump(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return b'"channel_id"' in head and b'"messages"' in head


@dataclass(frozen=True, slots=True)
class _Conversation:
    path: Path
    size: int


class SlackdumpExport:
    """Opened slackdump files: the community and one unit per conversation file."""

    def __init__(self, path: Path, *, community_label: str | None, include_private: bool) -> None:
        if path.is_file():
            files = [path]
            root = path.parent
        else:
            files = sorted(p for p in path.glob("*.json") if p.name != "users.json")
            root = path
        self.include_private = include_private
        self.conversations = [_Conversation(p, p.stat().st_size) for p in files]
        self.users: dict[str, Actor] = {}
        team_id: str | None = None
        users_file = root / "users.json"
        if users_file.is_file():
            self.users, team_id, _ = parse_users(users_file.read_bytes(), str(users_file))
        team_id = team_id or self._team_in_messages()
        name = community_label or root.resolve().name
        self.warnings: list[str] = []
        if team_id is None:
            self.warnings.append(
                f"no Slack team id found; community id is 'export-{slug(name)}' "
                "(import with the same --community label to add to it later)"
            )
        self.community = CommunityRef(Platform.SLACK.value, team_id or f"export-{slug(name)}", name)

    def _team_in_messages(self) -> str | None:
        for conversation in self.conversations[:20]:
            try:
                raw = load_json(conversation.path.read_bytes(), str(conversation.path))
            except BrokenExportFile:
                continue  # reported when the file is imported
            messages = raw.get("messages") if isinstance(raw, Mapping) else None
            for message in messages if isinstance(messages, list) else []:
                if isinstance(message, Mapping) and isinstance(team := message.get("team"), str):
                    return team
        return None

    def units(self, report: ImportReport, *, keep_going: bool = False) -> Iterator[ExportFile]:
        report.files_total += len(self.conversations)
        report.bytes_total += sum(c.size for c in self.conversations)
        report.members += len(self.users)
        report.channels += len(self.conversations)
        report.warnings.extend(self.warnings)
        return guarded_units(
            (self._loader(c, report) for c in self.conversations), report, keep_going=keep_going
        )

    def _loader(self, conversation: _Conversation, report: ImportReport) -> UnitLoader:
        display = str(conversation.path)

        def load() -> ExportFile | None:
            raw = load_json(conversation.path.read_bytes(), display)
            if not isinstance(raw, Mapping):
                raise BrokenExportFile(display, "$", "expected a slackdump conversation object")
            channel_id, name = raw.get("channel_id"), raw.get("name")
            messages = raw.get("messages")
            if not isinstance(channel_id, str) or not channel_id:
                raise BrokenExportFile(display, "$.channel_id", "missing or not a string")
            if not isinstance(messages, list):
                raise BrokenExportFile(display, "$.messages", "expected a list of messages")
            private = channel_id.startswith("G")
            skip = (
                SKIP_DM
                if channel_id.startswith("D")
                else SKIP_PRIVATE
                if private and not self.include_private
                else None
            )
            if skip is not None:
                report.skip_file(skip, 1)  # never imported: counted, not read further
                return None
            flat = _flatten(messages, display)
            place = Place(
                community=self.community,
                channel_id=channel_id,
                channel_name=name if isinstance(name, str) and name else None,
                is_private=private,
            )
            events, counts = parse_day_file(
                json.dumps(flat).encode(), path=display, place=place, users=self.users
            )
            return ExportFile(
                path=display,
                size=conversation.size,
                community=self.community,
                channel_id=channel_id,
                counts=counts,
                replay=lambda: iter(events),
            )

        return display, conversation.size, load

    def close(self) -> None:
        """Nothing held open (files are read one at a time)."""


def _flatten(messages: list[object], path: str) -> list[object]:
    """Thread replies nested under their root become messages of their own, as in an export."""
    flat: list[object] = []
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping):
            flat.append(message)  # the day-file parser reports it with its position
            continue
        replies = message.get(THREAD_REPLIES)
        flat.append({k: v for k, v in message.items() if k != THREAD_REPLIES})
        if replies is None:
            continue
        if not isinstance(replies, list):
            raise BrokenExportFile(path, f"$.messages[{i}].{THREAD_REPLIES}", "expected a list")
        flat.extend(replies)
    return flat


def open_slackdump(
    path: str | Path, *, community_label: str | None = None, include_private: bool = False
) -> SlackdumpExport:
    return SlackdumpExport(
        Path(path), community_label=community_label, include_private=include_private
    )
