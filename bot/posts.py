"""How a forum post reads: its title over its body.

A Discord forum post is a thread whose name is the post's title, shown above its opening
message; the title is often all that says what the post asks about ("Syncing with a Git repo
crashed the prefect worker" over "hi, in the newest version the command … works"). Both the
live adapter and the DiscordChatExporter importer store the opening message so, as one text:
search, topics, questions and quotes read what members read. The title goes with the message
when it is deleted, like the rest of its text.
"""

from __future__ import annotations

__all__ = ["post_text"]

MAX_TITLE = 200  # Discord allows 100 characters in a thread name


def post_text(title: str | None, body: str) -> str:
    """The opening message of a forum post as members see it: title, line break, body."""
    title = " ".join((title or "").split())[:MAX_TITLE]
    if not title:
        return body
    return f"{title}\n{body}" if body else title
