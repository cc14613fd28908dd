"""Parse gateway payloads with discord.py's own ConnectionState, without a connection.

Translation tests need real discord.py objects (Message, RawReactionActionEvent, Thread…) built
the way the library builds them; feeding frames to the state's parsers does exactly that.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import discord

from tests.fakes.discord_server import Snowflakes, member_payload, user_payload


def bot_intents() -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.message_content = True
    intents.guild_reactions = True
    return intents


class _Recorder(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=bot_intents())
        self.events: list[tuple[str, tuple[Any, ...]]] = []

    def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
        self.events.append((event, args))


class PayloadState:
    """Feed `d` bodies of gateway frames; get back what discord.py would dispatch."""

    def __init__(self) -> None:
        self.ids = Snowflakes()
        self.client = _Recorder()
        self.state = self.client._connection
        self.bot_user = user_payload(self.ids(), "Rhizome", bot=True)
        self.state.user = discord.ClientUser(state=self.state, data=self.bot_user)  # type: ignore[arg-type]

    @property
    def bot_member(self) -> dict[str, Any]:
        return member_payload(self.bot_user)

    def feed(self, event: str, data: Mapping[str, Any]) -> list[tuple[str, tuple[Any, ...]]]:
        before = len(self.client.events)
        self.state.parsers[event](dict(data))
        return self.client.events[before:]

    def one(self, event: str, data: Mapping[str, Any], wanted: str) -> Any:
        """Feed a frame and return the first argument of the `wanted` dispatch."""
        for name, args in self.feed(event, data):
            if name == wanted:
                return args[0]
        raise AssertionError(f"{event} did not dispatch {wanted}")
