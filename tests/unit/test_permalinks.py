"""Links to a chat message (`bot.permalinks`), as Slack and Discord write them."""

from __future__ import annotations

import pytest

from bot.permalinks import MessageLink, message_link


@pytest.mark.parametrize(
    ("url", "link"),
    [
        # real shapes from the shared exports (haskell-jp, julialang, the Infrahub forum)
        (
            "https://haskell-jp.slack.com/archives/C707P67R7/p1591512866004800",
            MessageLink("slack", "C707P67R7", "1591512866.004800"),
        ),
        (
            "https://julialang.slack.com/archives/C7E3LFG82/p1616797311131000?thread_ts=1616797071.130900&cid=C7E3LFG82",
            MessageLink("slack", "C7E3LFG82", "1616797311.131000"),
        ),
        (
            "https://discord.com/channels/1212332642801025064/1371204788699533353",
            MessageLink("discord", "1371204788699533353", "1371204788699533353"),
        ),
        (
            "https://discordapp.com/channels/1212332642801025064/1212332643300000000/1371204788699533353",
            MessageLink("discord", "1212332643300000000", "1371204788699533353"),
        ),
    ],
)
def test_permalinks_point_at_their_message(url: str, link: MessageLink) -> None:
    assert message_link(url) == link


@pytest.mark.parametrize(
    "url",
    [
        "https://discord.com/channels/@me/1212332643300000000/1371204788699533353",  # a DM
        "https://haskell-jp.slack.com/archives/C707P67R7",  # a channel, not a message
        "https://haskell-jp.slack.com/files/U1/F1/notes.txt",
        "https://slack.com/archives/C707P67R7/p1591512866004800x",
        "https://example.org/archives/C707P67R7/p1591512866004800",
        "http://[::1",  # malformed
    ],
)
def test_other_links_are_not_permalinks(url: str) -> None:
    assert message_link(url) is None
