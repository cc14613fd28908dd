"""Small builders for neutral events, so tests read like conversations."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from adapters.slack.translate import translate_envelope
from bot.commands.registry import Invocation
from bot.model import (
    Actor,
    Attachment,
    CommunityRef,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    Place,
    ReactionAdded,
    ReactionRemoved,
)


@dataclass
class Chat:
    """A community where tests post, reply, react, edit and delete."""

    community: CommunityRef
    start: datetime
    channel: str = "general"
    _n: int = field(default=0)

    def at(self, minutes: float) -> datetime:
        return self.start + timedelta(minutes=minutes)

    def place(self, channel: str | None = None, thread: str | None = None, **kw: object) -> Place:
        ch = channel or self.channel
        return Place(self.community, f"C-{ch}", ch, thread_id=thread, **kw)  # type: ignore[arg-type]

    def post(
        self,
        who: str,
        text: str,
        *,
        mid: str | None = None,
        channel: str | None = None,
        thread: str | None = None,
        minutes: float = 0,
        event_id: str | None = None,
        bot: bool = False,
        attachments: tuple[Attachment, ...] = (),
        **place_kw: object,
    ) -> MessagePosted:
        self._n += 1
        return MessagePosted(
            place=self.place(channel, thread, **place_kw),
            occurred_at=self.at(minutes),
            message_id=mid or f"{self._n}.000",
            author=Actor(f"U-{who}", who.capitalize(), is_bot=bot),
            text=text,
            attachments=attachments,
            event_id=event_id,
        )

    def react(
        self,
        who: str,
        mid: str,
        emoji: str = "thumbsup",
        *,
        channel: str | None = None,
        minutes: float = 0,
        event_id: str | None = None,
    ) -> ReactionAdded:
        return ReactionAdded(
            place=self.place(channel),
            occurred_at=self.at(minutes),
            message_id=mid,
            actor=Actor(f"U-{who}", who.capitalize()),
            emoji=emoji,
            event_id=event_id,
        )

    def unreact(
        self,
        who: str,
        mid: str,
        emoji: str = "thumbsup",
        *,
        channel: str | None = None,
        minutes: float = 0,
    ) -> ReactionRemoved:
        return ReactionRemoved(
            place=self.place(channel),
            occurred_at=self.at(minutes),
            message_id=mid,
            actor=Actor(f"U-{who}", who.capitalize()),
            emoji=emoji,
        )

    def edit(
        self, mid: str, text: str, *, channel: str | None = None, minutes: float = 0
    ) -> MessageEdited:
        return MessageEdited(
            place=self.place(channel), occurred_at=self.at(minutes), message_id=mid, text=text
        )

    def delete(self, mid: str, *, channel: str | None = None, minutes: float = 0) -> MessageDeleted:
        return MessageDeleted(
            place=self.place(channel), occurred_at=self.at(minutes), message_id=mid
        )

    def command(
        self, who: str, text: str, *, admin: bool = False, group: str = "rhizome"
    ) -> Invocation:
        return Invocation(
            self.community,
            Actor(f"U-{who}", who.capitalize(), is_admin=admin),
            group,
            text=text,
            place=self.place(),
        )


def slack_post(
    community: CommunityRef, text: str, user: str, ts: str, channel: str, name: str
) -> MessagePosted:
    """A channel message as the live Slack adapter translates it (its `<@U…>` markup and
    all), in a channel of this name."""
    event = translate_envelope(
        {
            "type": "event_callback",
            "team_id": community.external_id,
            "event": {
                "type": "message",
                "channel": channel,
                "channel_type": "channel",
                "user": user,
                "text": text,
                "ts": ts,
            },
        }
    )
    assert isinstance(event, MessagePosted)
    return replace(event, place=replace(event.place, channel_name=name))
