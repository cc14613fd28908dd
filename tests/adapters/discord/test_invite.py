"""The invite link asks for exactly the permissions the features need."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import discord

from adapters.discord.invite import PERMISSION_REASONS, REQUIRED_PERMISSIONS, invite_url


def test_invite_url_scopes_and_permissions() -> None:
    url = invite_url(1234567890)
    parts = urlsplit(url)
    assert parts.scheme == "https" and parts.netloc == "discord.com"
    q = parse_qs(parts.query)
    assert q["client_id"] == ["1234567890"]
    assert q["scope"] == ["bot applications.commands"]
    granted = discord.Permissions(int(q["permissions"][0]))
    assert granted.view_channel
    # discord.py iterates the canonical flag names; view_channel is an alias of read_messages
    assert {name for name, on in granted if on} == {
        "read_messages",
        "read_message_history",
        "send_messages",
        "send_messages_in_threads",
        "create_private_threads",
        "embed_links",
    }


def test_nothing_risky_is_requested() -> None:
    risky = discord.Permissions(
        administrator=True,
        manage_guild=True,
        manage_messages=True,
        manage_threads=True,
        mention_everyone=True,
        add_reactions=True,
        kick_members=True,
        ban_members=True,
    )
    assert REQUIRED_PERMISSIONS.value & risky.value == 0
    assert REQUIRED_PERMISSIONS.value == sum(
        getattr(discord.Permissions, name).flag for name in PERMISSION_REASONS
    )


def test_custom_permissions_are_passed_through() -> None:
    url = invite_url("42", discord.Permissions(send_messages=True))
    assert f"permissions={discord.Permissions(send_messages=True).value}" in url
