"""What the interest store returns and is handed: facts as dataclasses."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.model import Member

TopicWeights = Sequence[tuple[str, float]]


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    # shared | replied | reacted | answered | thanked | introduced (resource_id 0 for the last
    # three: a reply to a question; someone else's message thanking the member by name; the
    # member's own introduction)
    kind: str
    resource_id: int
    message_id: int  # the share, the reply, the message reacted to, or the thanks

    CODES = {  # noqa: RUF012
        "shared": "s",
        "replied": "r",
        "reacted": "x",
        "answered": "a",
        "thanked": "t",
        "introduced": "i",
    }

    def code(self) -> str:
        return f"{self.CODES[self.kind]}:{self.resource_id}:{self.message_id}"

    @classmethod
    def parse_all(cls, text: str | None) -> tuple[EvidenceRef, ...]:
        return _parse_refs(text or "")


_KINDS = {code: kind for kind, code in EvidenceRef.CODES.items()}


@functools.lru_cache(maxsize=8192)
def _parse_refs(text: str) -> tuple[EvidenceRef, ...]:
    """A stored evidence column (`s:12:345,r:12:346`) as references. Cached: who-knows reads
    the same candidates' columns on every call (325 a query: 6.5 ms of its Python, 2026-12-04),
    and the references are immutable."""
    out = []
    for item in text.split(","):
        parts = item.split(":")
        if len(parts) == 3 and parts[0] in _KINDS and parts[1].isdigit() and parts[2].isdigit():
            out.append(EvidenceRef(_KINDS[parts[0]], int(parts[1]), int(parts[2])))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class TopicScore:
    """One of a member's known topics as stored: score, best evidence, counts."""

    topic: str
    log_score: float
    evidence: tuple[EvidenceRef, ...] = ()
    shared: int = 0
    discussed: int = 0


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """A stored evidence reference checked against current rows (it still exists)."""

    member_id: int
    ref: EvidenceRef
    at: datetime
    text: str | None
    channel: str | None
    title: str | None
    url: str
    # (channel row id, external id of the thread's root): the conversation it happened in
    conversation: tuple[int, str] | None = None


@dataclass(frozen=True, slots=True)
class State:
    community_id: int
    last_message_id: int
    last_reaction_id: int
    last_unfurl_resource_id: int
    resource_cursor: int
    member_cursor: int
    half_life_days: float | None
    derived_version: int | None = None


@dataclass(frozen=True, slots=True)
class ResourceDoc:
    """Everything stored that says what a resource is about (see `TopicExtractor`)."""

    resource_id: int
    title: str | None
    description: str | None
    url: str
    keywords: tuple[str, ...]
    site_name: str | None
    messages: tuple[str, ...]
    channel_name: str | None
    # As first shared, when it differs from `url`: its anchor names the section linked to.
    shared_url: str | None = None
    # A title kept out of `title` (a front page's site name, the sharer's sentence): read
    # only when nothing else names a subject ("Eloquent javascript", shared as a lone link).
    weak_title: str | None = None
    title_rank: int | None = None  # `bot.titles.TitleSource` of the stored title
    # The opening of the thread a share was posted in (a forum post's title and body), read
    # only when nothing else names a subject: a meeting link's "click to join, dial…".
    thread_opening: str | None = None


@dataclass(frozen=True, slots=True)
class Action:
    """One thing a member did: shared / replied (in a sharing thread) / reacted / said.

    `said` is any other message (only loaded when asked for: questions without a link)."""

    member_id: int
    kind: str
    at: datetime
    resource_id: int | None
    message_id: int | None
    text: str | None
    channel: str | None
    # A message inside a thread: its root and the root's author. A question in a thread
    # someone else started, from a member answering there, is a clarifying one, not a want.
    thread_root: int | None = None
    root_author: int | None = None
    owner_next: bool = False  # the thread's starter wrote the next message in it (replied)


@dataclass(frozen=True, slots=True)
class Reply:
    """A member's reply in someone else's thread (or Discord reply chain), with its root:
    answering is the strongest sign of knowing, when the root asks something."""

    member_id: int
    message_id: int
    at: datetime
    text: str
    root_id: int
    root_text: str
    channel: str | None
    root_shares: bool = False  # the root shared a link: replies there count as discussing it
    adjacent: bool = False  # the next message in a channel without threads, not a thread reply
    thanked: bool = False  # the asker reacted to it or thanked someone in the thread after it


@dataclass(frozen=True, slots=True)
class Posted:
    """A member's own top-level message in a channel (an introduction, where it is one)."""

    member_id: int
    message_id: int
    at: datetime
    text: str
    channel: str | None


@dataclass(frozen=True, slots=True)
class Mentioned:
    """Someone else's public message that @-mentions a member ("<@ana> for the WGLMakie
    fix"), with its conversation: whether it thanks her is decided in `bot.interests.thanks`."""

    member_id: int  # the member mentioned
    message_id: int
    at: datetime
    text: str
    author_id: int
    channel: str | None
    top_level: bool  # not a reply inside a thread (a post of its own, or a thread's root)
    mentions: int  # how many members the message mentions
    root_id: int | None = None  # the thread's root, when it is a reply
    root_text: str = ""
    root_author_id: int | None = None
    resource_ids: tuple[int, ...] = ()  # links the message or its thread's root shared
    member_external_id: str = ""  # as the message's markup names her (`<@U…>`, `<@id>`)


@dataclass(frozen=True, slots=True)
class Candidates:
    scores: dict[int, list[TopicScore]]  # member id -> the asked topics they know
    declared: dict[int, list[str]]  # member id -> declared topics among those asked
    members: dict[int, Member]  # the candidates who may be listed


@dataclass(frozen=True, slots=True)
class Declared:
    topic: str
    declared_at: datetime


@dataclass(frozen=True, slots=True)
class Unfurled:
    """What a fetch found (or why not), to record for one resource."""

    resource_id: int
    state: str  # ok | retry | refused | failed
    attempts: int
    next_attempt_at: datetime | None = None
    title: str | None = None
    description: str | None = None
    site_name: str | None = None
    keywords: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class UnfurlTodo:
    resource_id: int
    url: str
    attempts: int
