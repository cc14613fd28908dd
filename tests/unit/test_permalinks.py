"""Links to a chat message (`bot.permalinks`), as Slack and Discord write them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.permalinks import MessageLink, message_link


@pytest.mark.parametrize(
    ("url", "link"),
    [
        # real shapes from the shared exports (haskell-jp, julialang, the Infrahub forum)
        (
            "https://haskell-jp.slack.com/archives/C707P67R7/p1591512866004800",
            MessageLink(
                "slack",
                "C707P67R7",
                "1591512866.004800",
                datetime(2020, 6, 7, 6, 54, 26, 4800, UTC),
            ),
        ),
        (
            "https://julialang.slack.com/archives/C7E3LFG82/p1616797311131000?thread_ts=1616797071.130900&cid=C7E3LFG82",
            MessageLink(
                "slack",
                "C7E3LFG82",
                "1616797311.131000",
                datetime(2021, 3, 26, 22, 21, 51, 131000, UTC),
            ),
        ),
        (
            "https://discord.com/channels/1212332642801025064/1371204788699533353",
            MessageLink(
                "discord",
                "1371204788699533353",
                "1371204788699533353",
                datetime(2025, 5, 11, 19, 18, 17, 379000, UTC),  # the snowflake's time
            ),
        ),
        (
            "https://discordapp.com/channels/1212332642801025064/1212332643300000000/1371204788699533353",
            MessageLink(
                "discord",
                "1212332643300000000",
                "1371204788699533353",
                datetime(2025, 5, 11, 19, 18, 17, 379000, UTC),
            ),
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
