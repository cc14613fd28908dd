"""The console adapter: a local chat where you speak as any member in any channel.

It translates typed lines into the same neutral events and invocations Slack and Discord
produce, so everything the bot does can be tried — and tested — without a token.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.app import Rhizome
from bot.commands.registry import GROUPS, Invocation
from bot.documents import Document
from bot.emojis import label as emoji_label
from bot.model import (
    NO_SUCH_REACTION,
    Actor,
    CommunityRef,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    Place,
    Platform,
    ReactionAdded,
    ReactionRemoved,
)

HELP = """\
Console commands:
  TEXT                 post TEXT as the current member in the current channel; prints its id [m12]
  :as NAME             speak as NAME            :in #CHANNEL     move to CHANNEL
  :reply REF TEXT      reply in REF's thread    :edit REF TEXT   replace REF's text
  :react REF EMOJI     react to REF             :unreact REF EMOJI
  :delete REF          delete REF               :mod on|off      moderator rights for the speaker
  /rhizome …           run a member command     /rhizome-admin … run a moderator command
  :help                this help                :quit            leave
REF is a message id like m12, or ^ for the latest message posted in this session (^2, ^3 … before it)."""

_REF = re.compile(r"^(?:m(\d+)|\^(\d*))$")
_NAME = re.compile(r"^[\w.\-]{1,40}$")
SEQ_KEY = "console:{community}:seq"


@dataclass
class ConsoleSession:
    rhizome: Rhizome
    community_name: str = "local"
    # Another community to speak in (e.g. an imported Slack workspace), instead of the local one.
    target: CommunityRef | None = None
    speaker: str = "you"
    # The display name of a known member spoken as (`:as Peter` finds "Peter Deffebach").
    speaker_name: str | None = None
    channel: str = "general"
    moderators: set[str] = field(default_factory=set)
    posted: list[str] = field(default_factory=list)  # message ids posted in this session
    # Where a reply's files (a data export) are written; None: the current directory.
    files_dir: Path | None = None
    _seq: int = 0
    quit: bool = False

    @property
    def community(self) -> CommunityRef:
        if self.target is not None:
            return self.target
        return CommunityRef(Platform.CONSOLE.value, self.community_name, self.community_name)

    def _actor(self) -> Actor:
        # Ids keep their case: imported Slack members are U6AFQSEKZ, not u6afqsekz.
        return Actor(
            self.speaker,
            self.speaker_name or self.speaker,
            is_admin=self.speaker in self.moderators,
        )

    def _place(self, thread: str | None = None, channel: str | None = None) -> Place:
        name = channel or self.channel
        return Place(self.community, name, name, thread_id=thread)

    async def _next_id(self) -> str:
        """The database allocates ids, so two sessions on one community never share one."""
        state = self.rhizome.services.repos.state
        key = SEQ_KEY.format(community=f"{self.community.platform}:{self.community.external_id}")
        self._seq = await state.next_number(key, self.rhizome.services.clock.now())
        return f"m{self._seq}"

    def _now(self) -> datetime:
        # Console messages in one session arrive faster than a clock tick; keep them ordered.
        return self.rhizome.services.clock.now() + timedelta(microseconds=self._seq)

    async def handle(self, line: str) -> str:
        """Run one typed line; returns what a user would see (may be empty)."""
        line = line.rstrip("\n")
        stripped = line.strip()
        if not stripped or stripped.startswith("#!"):
            return ""
        if stripped.startswith("/"):
            return await self._command(stripped)
        if stripped.startswith(":"):
            return await self._directive(stripped)
        return await self._post(stripped, thread=None)

    async def _command(self, line: str) -> str:
        name, _, rest = line[1:].partition(" ")
        if name not in GROUPS:
            return f"Unknown slash command /{name[:40]}. Try /rhizome help."
        reply = await self.rhizome.run_command(
            Invocation(self.community, self._actor(), name, text=rest, place=self._place())
        )
        shown = render(reply.document)
        for filename, content in reply.files:
            shown += "\n" + self._save(filename, content)
        return shown

    def _save(self, filename: str, content: str) -> str:
        """Write a reply's file whole (the reply shows only a preview); never overwrite."""
        folder = self.files_dir if self.files_dir is not None else Path.cwd()
        stem, suffix = Path(Path(filename).name).stem, Path(filename).suffix
        who = re.sub(r"[^\w.\-]", "_", self.speaker)[:40]
        path = folder / f"{stem}-{who}{suffix}"
        n = 1
        while path.exists():
            n += 1
            path = folder / f"{stem}-{who}-{n}{suffix}"
        data = content.encode("utf-8")
        try:
            path.write_bytes(data)
        except OSError as e:
            return f"(could not write {path}: {e.strerror})"
        return f"(the complete file, {len(data):,} bytes, is in {path.resolve()})"

    async def _directive(self, line: str) -> str:
        word, _, rest = line[1:].partition(" ")
        word = word.lower()
        rest = rest.strip()
        if word in ("quit", "q", "exit"):
            self.quit = True
            return ""
        if word == "help":
            return HELP
        if word == "as":
            return await self._speak_as(rest.lstrip("@"))
        if word == "in":
            name = rest.lstrip("#").lower()
            if not _NAME.match(name):
                return "Usage: :in #CHANNEL"
            self.channel = name
            return f"(now in #{name})"
        if word == "mod":
            if rest not in ("on", "off"):
                return "Usage: :mod on|off"
            (self.moderators.add if rest == "on" else self.moderators.discard)(self.speaker)
            who = "you are" if self.speaker == "you" else f"{self.speaker} is"
            return f"({who} {'now' if rest == 'on' else 'no longer'} a moderator)"
        if word in ("reply", "react", "unreact", "edit", "delete"):
            ref, _, arg = rest.partition(" ")
            target = await self._resolve(ref)
            if isinstance(target, str):
                return target
            channel, thread, message_id = target
            if word == "reply":
                if not arg.strip():
                    return "Usage: :reply REF TEXT"
                return await self._post(arg.strip(), thread=thread or message_id, channel=channel)
            if word in ("react", "unreact"):
                emoji = arg.strip().strip(":")
                if not emoji or " " in emoji:
                    return f"Usage: :{word} REF EMOJI"
                cls = ReactionAdded if word == "react" else ReactionRemoved
                stats = await self.rhizome.ingest(
                    cls(
                        place=self._place(thread, channel),
                        occurred_at=self._now(),
                        message_id=message_id,
                        actor=self._actor(),
                        emoji=emoji,
                    )
                )
                if NO_SUCH_REACTION in stats.skip_reasons:
                    return (
                        f"(there was no {emoji_label(emoji)} from {self.speaker} "
                        f"on {message_id} to remove)"
                    )
                return (
                    _skipped(stats.skip_reasons)
                    or f"({word}ed {emoji_label(emoji)} on {message_id})"
                )
            if word == "edit":
                if not arg.strip():
                    return "Usage: :edit REF TEXT"
                stats = await self.rhizome.ingest(
                    MessageEdited(
                        place=self._place(thread, channel),
                        occurred_at=self._now(),
                        message_id=message_id,
                        text=arg.strip(),
                        author=self._actor(),
                    )
                )
                return _skipped(stats.skip_reasons) or f"(edited {message_id})"
            await self.rhizome.ingest(
                MessageDeleted(
                    place=self._place(thread, channel),
                    occurred_at=self._now(),
                    message_id=message_id,
                )
            )
            return f"(deleted {message_id})"
        return f"Unknown console command :{word[:40]}. Type :help for the list."

    async def _speak_as(self, name: str) -> str:
        """Speak as a member: by exact id, else a known member whose id or display name
        matches whatever the case (an imported member's display name may have spaces:
        `:as Micah Stubbs`); else a new member with the id exactly as typed."""
        name = " ".join(name.split())
        if not name or len(name) > 80:
            return "Usage: :as NAME (letters, digits, . - _; up to 40)"
        community = await self.rhizome.services.repos.communities.ensure(self.community)
        members = self.rhizome.services.repos.members
        known = await members.by_external_id(community.id, name) or await members.by_name(
            community.id, name
        )
        if known is None and not _NAME.match(name):
            return "Usage: :as NAME (letters, digits, . - _; up to 40)"
        self.speaker = known.external_id if known else name
        self.speaker_name = known.name if known else None
        shown = self.speaker if not known or known.name == known.external_id else known.name
        if known and shown != self.speaker:
            return f"(you are now {shown}, {self.speaker})"
        return f"(you are now {shown})"

    async def _resolve(self, ref: str) -> tuple[str, str | None, str] | str:
        match = _REF.match(ref.strip())
        if not match:
            return (
                f"“{ref[:40]}” is not a message reference; use an id like m12, or ^ for the latest."
            )
        if match.group(1) is not None:
            message_id = f"m{int(match.group(1))}"
        else:
            back = int(match.group(2) or 1)
            if back < 1 or back > len(self.posted):
                return "There is no such recent message in this session."
            message_id = self.posted[-back]
        community = await self.rhizome.services.repos.communities.ensure(self.community)
        found = await self.rhizome.services.repos.messages.locate(community.id, message_id)
        if found is None:
            return f"I have no message {message_id} (it may be deleted, or was never tracked)."
        return found[0], found[1], message_id

    async def _post(self, text: str, *, thread: str | None, channel: str | None = None) -> str:
        message_id = await self._next_id()
        stats = await self.rhizome.ingest(
            MessagePosted(
                place=self._place(thread, channel),
                occurred_at=self._now(),
                message_id=message_id,
                author=self._actor(),
                text=text,
            )
        )
        self.posted.append(message_id)
        note = _skipped(stats.skip_reasons)
        return f"[{message_id}]" + (f" {note}" if note else "")


def _skipped(reasons: dict[str, int]) -> str:
    return f"(not tracked: {', '.join(reasons)})" if reasons else ""


def render(document: Document) -> str:
    return document.plain()


class ConsoleOutlet:
    """Posts (digests, intros) from the core, printed where the console user sees them."""

    platform = Platform.CONSOLE.value

    def __init__(self, write: Callable[[str], object] = print) -> None:
        self._write = write
        self.posts: list[tuple[str, Document]] = []

    async def post(self, community: CommunityRef, channel_id: str, document: Document) -> str:
        self.posts.append((channel_id, document))
        self._write(f"--- Rhizome posted in #{channel_id} ---\n{render(document)}")
        return f"post{len(self.posts)}"

    async def open_conversation(
        self, community: CommunityRef, member_external_ids: Sequence[str], topic: str
    ) -> str:
        return "intro-" + "-".join(sorted(member_external_ids))
