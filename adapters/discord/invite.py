"""The bot's invite link, asking for exactly the permissions Rhizome uses and no more.

Each permission is listed with the feature that needs it, so a moderator reading the consent
screen (or the README) can check the request against what the bot does.
"""

from __future__ import annotations

import discord

SCOPES = ("bot", "applications.commands")

# permission flag name -> why Rhizome needs it
PERMISSION_REASONS: dict[str, str] = {
    "view_channel": "see the channels it tracks and receive their messages",
    "read_message_history": "catch up on messages posted while it was offline (backfill)",
    "send_messages": "post the weekly digest and introductions",
    "send_messages_in_threads": "post inside the private threads it opens for introductions",
    "create_private_threads": "open a private thread for each introduction",
    "embed_links": "show digests and answers as embeds (they are stripped without it)",
}
# Deliberately absent: add_reactions (Rhizome reads reactions, it never reacts), attach_files
# (exports go out as interaction responses, which need no bot permission), manage_threads,
# manage_messages, mention_everyone and every administrative permission.

REQUIRED_PERMISSIONS = discord.Permissions(**dict.fromkeys(PERMISSION_REASONS, True))


def invite_url(
    application_id: int | str, permissions: discord.Permissions = REQUIRED_PERMISSIONS
) -> str:
    """The OAuth2 URL that adds the bot with its slash commands to a server."""
    return discord.utils.oauth_url(int(application_id), permissions=permissions, scopes=SCOPES)
