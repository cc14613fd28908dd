"""Quoting a member's words (`bot.mentions.readable`): names, never ids, never a ping."""

from __future__ import annotations

import pytest

from bot.interests.wants import snippet
from bot.mentions import mentioned_ids, readable, split_quoted, without_mentions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The Infrahub forum's answers quoted by who-knows: "Hello <@1268206427810435166> …"
        (
            "Hello <@1268206427810435166> It doesn't seem possible",
            "Hello @Roger It doesn't seem possible",
        ),
        ("I think you mean other <@1221732604806692884>", "I think you mean other"),
        # Slack, with an export's label; a member who may not be named is left out
        ("<@U061A5N1G|micah>: have you seen vispy?", "@Micah: have you seen vispy?"),
        ("<@U0OPTEDOUT> and <@!1268206427810435166> know", "and @Roger know"),
        ("see <#C0123ABC|general> and <#1234567890>", "see #general and #channel"),
        ("<!here> anyone? <:party_blob:123456> <a:spin:999>", "@here anyone? :party_blob: :spin:"),
        ("<!subteam^S012AB|@infra> please look", "@infra please look"),
        ("read <https://docs.python.org/3/|the asyncio docs> first", "read the asyncio docs first"),
        ("plain text stays <as it is>", "plain text stays <as it is>"),
        # haskell-jp: a mention pasted from Slack's client is a link to the member's profile
        (
            "*<https://app.slack.com/team/U061A5N1G|Nagatatz>* さんのコードでいうと",
            "*@Micah* さんのコードでいうと",
        ),
        ("thanks <https://julialang.slack.com/team/U0OPTEDOUT|mose>!", "thanks !"),
    ],
)
def test_readable_names_members_and_drops_ids(text: str, expected: str) -> None:
    names = {"1268206427810435166": "Roger", "U061A5N1G": "Micah", "U0OPTEDOUT": None}
    assert readable(text, names) == expected


def test_a_quote_shown_as_evidence_shows_no_member_ids() -> None:
    quoted = snippet(
        "Hello <@1268206427810435166> try `infrahubctl sync` <https://docs.infrahub.app/sync>"
    )
    assert quoted == "Hello try `infrahubctl sync`"
    assert readable("no markup here") == "no markup here"


def test_an_escape_at_the_start_is_kept_whole() -> None:
    # julialang: "&gt; attaching scientific machine learning…" (Slack's escaped quote mark)
    # had read "gt; attaching…": the `&` went with the punctuation a removed mention leaves
    assert readable("&gt; quoted <@U1234567>") == "&gt; quoted"
    assert readable("<@U1234567> &amp; <@U2345678>: look") == "look"


def test_quoted_lines_are_told_from_a_messages_own_words() -> None:
    own, quoted = split_quoted("&gt; how do I cancel a task?\nkeep the JoinHandle, abort it")
    assert (own, quoted) == ("keep the JoinHandle, abort it", "how do I cancel a task?\n")
    assert split_quoted("> a Discord quote\nmine") == ("mine", "a Discord quote\n")
    # a shell or REPL prompt in a code block is code, not a quote (haskell-jp's `> stack …`)
    code = "From my console:\n```\n&gt; stack exec ghc -- --version\n8.2.2\n```"
    assert split_quoted(code) == (code, "")
    assert split_quoted("a > b, and a&gt;b") == ("a > b, and a&gt;b", "")


def test_a_mention_written_as_a_profile_link_names_the_member() -> None:
    """Slack's client pastes a mention as the member's profile link (haskell-jp's export): it
    names that member like `<@U…>` does, and is no words of the message."""
    text = "*<https://app.slack.com/team/U0121PJA7BN|Nagatatz>* さん、<@U5B3EGEFQ> も"
    assert mentioned_ids(text) == ("U0121PJA7BN", "U5B3EGEFQ")
    assert without_mentions(text) == "* * さん、 も"
    # a link to a Slack help page or a message names nobody
    assert mentioned_ids("<https://slack.com/help/articles/201259356|help>") == ()
    assert mentioned_ids("<https://x.slack.com/archives/C1/p1500870616095473>") == ()
