"""Neutral values shared by the core and every adapter.

Adapters translate platform payloads into these and nothing else crosses into the core,
so Slack, Discord, the console and the importers all go through one tracking path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Platform(StrEnum):
    """The built-in platforms' names. A platform added later uses its `AdapterSpec.name`;
    nothing in the core checks a community's platform against this list."""

    SLACK = "slack"
    DISCORD = "discord"
    CONSOLE = "console"


@dataclass(frozen=True, slots=True)
class CommunityRef:
    """A Slack workspace or Discord guild; every stored row belongs to exactly one."""

    platform: str
    external_id: str
    name: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.platform, self.external_id)


@dataclass(frozen=True, slots=True)
class Actor:
    """A person (or bot) as the platform identifies them."""

    external_id: str
    display_name: str | None = None
    is_bot: bool = False
    # Facts the adapter knows about the actor's platform role; the core decides what they allow.
    is_admin: bool = False


@dataclass(frozen=True, slots=True)
class Place:
    """Where something happened.

    `channel_id` is always the top-level channel (for a Discord thread: its parent channel) and
    `thread_id` the external id of the thread's root message (Slack `thread_ts`, Discord thread id,
    which equals its starter message id), so the root is found the same way on every platform.
    """

    community: CommunityRef
    channel_id: str
    channel_name: str | None = None
    thread_id: str | None = None
    is_private: bool = False
    is_dm: bool = False


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file shared with a message; tracked as a resource like a link."""

    url: str
    filename: str | None = None
    title: str | None = None
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class LinkPreview:
    """A link the platform unfurled and the title it showed under the message (Slack unfurl
    attachment, Discord embed): the most trusted title a resource can have."""

    url: str
    title: str | None = None
    # True when the title is the label a member wrote (Slack `<url|label>`), which adapters
    # resolve out of the text; trusted less than what the platform showed.
    is_label: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of every inbound event.

    `event_id` is the platform's delivery id when it has one (Slack `event_id`); redelivered
    events with a seen id are dropped before they touch anything else.
    """

    place: Place
    occurred_at: datetime
    event_id: str | None = None

    @property
    def community(self) -> CommunityRef:
        return self.place.community


@dataclass(frozen=True, slots=True, kw_only=True)
class MessagePosted(Event):
    message_id: str
    author: Actor
    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    # Links the platform already parsed out (e.g. embeds); merged with links found in the text.
    extra_urls: tuple[str, ...] = ()
    # Unfurls and embeds with their titles (their URLs count as links too).
    previews: tuple[LinkPreview, ...] = ()
    # The message this one replies to in the same channel, outside any thread (a Discord
    # reply): it joins that message's conversation, like a thread reply.
    reply_to: str | None = None
    # Slack thread_broadcast, Discord "also send to channel": still a reply in the thread.
    broadcast: bool = False
    # The members it @-mentions (`bot.mentions`; Discord's `mentions` list too): "thanks
    # @ana for the fix" is evidence that Ana knows what she fixed.
    mentions: tuple[Actor, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageEdited(Event):
    message_id: str
    text: str
    attachments: tuple[Attachment, ...] | None = None
    extra_urls: tuple[str, ...] = ()
    previews: tuple[LinkPreview, ...] = ()
    author: Actor | None = None
    # The members the new text mentions; None when the platform did not say (keep them).
    mentions: tuple[Actor, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageDeleted(Event):
    message_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionAdded(Event):
    message_id: str
    actor: Actor
    emoji: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionRemoved(Event):
    message_id: str
    actor: Actor
    emoji: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionsCleared(Event):
    """A moderator removed every reaction of a message, or every one of one emoji (Discord's
    "Remove All Reactions"): as many removals as there were reactions."""

    message_id: str
    emoji: str | None = None  # None: every emoji


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationDeleted(Event):
    """A channel, or one thread of it (`place.thread_id`), was deleted on the platform, and
    every message in it with it: everything stored from them goes here too. A forum post's
    starter message is inside its thread (`with_starter`); a thread opened on a channel's
    message leaves that message where it is."""

    with_starter: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberJoined(Event):
    actor: Actor


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelRenamed(Event):
    new_name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CommunityRemoved(Event):
    """The bot was uninstalled or removed from the guild: purge the whole community."""


InboundEvent = (
    MessagePosted
    | MessageEdited
    | MessageDeleted
    | ReactionAdded
    | ReactionRemoved
    | ReactionsCleared
    | ConversationDeleted
    | MemberJoined
    | ChannelRenamed
    | CommunityRemoved
)


# --- values the repositories return ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Community:
    id: int
    platform: str
    external_id: str
    name: str | None


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    community_id: int
    external_id: str
    display_name: str | None
    is_bot: bool = False

    @property
    def name(self) -> str:
        return self.display_name or self.external_id


@dataclass(frozen=True, slots=True)
class Channel:
    id: int
    community_id: int
    external_id: str
    name: str | None
    is_private: bool = False
    tracked: bool | None = None  # None: follow the config default

    @property
    def label(self) -> str:
        return self.name or self.external_id


@dataclass(frozen=True, slots=True)
class ResourceSummary:
    """One resource with its sharing credit and discussion counts."""

    id: int
    url: str
    title: str | None
    domain: str | None
    kind: str
    first_shared_by: Member | None
    first_shared_at: datetime | None
    first_channel: Channel | None
    first_message_external_id: str | None
    sharers: tuple[str, ...] = ()
    share_count: int = 0
    reply_count: int = 0
    reaction_count: int = 0
    reshare_count: int = 0
    discussants: int = 0
    snippet: str | None = None
    shared_url: str | None = None  # as first shared; `url` is the canonical form, for identity

    @property
    def label(self) -> str:
        return self.title or self.href

    @property
    def href(self) -> str:
        """What replies link to: the link as members shared it (http stays http, intranet
        hosts keep their name), not the rewritten canonical form."""
        return self.shared_url or self.url

    @property
    def discussion_count(self) -> int:
        return self.reply_count + self.reaction_count + self.reshare_count


@dataclass(frozen=True, slots=True)
class MemberSettings:
    tracking: bool = True
    intros: bool | None = None
    intros_paused_until: datetime | None = None
    profiling: bool | None = None  # consent to being named; None: the community's mode


@dataclass(frozen=True, slots=True)
class MemberActivity:
    """What a member shared and discussed, for `profile` and `my-data`."""

    member: Member
    shared: tuple[ResourceSummary, ...]
    discussed: tuple[ResourceSummary, ...]
    message_count: int
    reaction_count: int


NO_SUCH_REACTION = "no such reaction to remove"  # a skip reason: removing what was never there


@dataclass(slots=True)
class IngestStats:
    """Counts of what one batch (or an import) changed; importers add them up."""

    events: int = 0
    duplicates: int = 0
    skipped: int = 0
    messages: int = 0
    shares: int = 0
    reactions: int = 0
    resources: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped += 1
        self.skip_reasons[reason] = self.skip_reasons.get(reason, 0) + 1

    def add(self, other: IngestStats) -> None:
        self.events += other.events
        self.duplicates += other.duplicates
        self.skipped += other.skipped
        self.messages += other.messages
        self.shares += other.shares
        self.reactions += other.reactions
        self.resources += other.resources
        for reason, n in other.skip_reasons.items():
            self.skip_reasons[reason] = self.skip_reasons.get(reason, 0) + n
