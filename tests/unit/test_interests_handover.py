"""A reply that points elsewhere is no answer: to another member ("I think you mean other
@Wim") or to another conversation ("I replied to the same question in this thread <link>").
Real Infrahub forum and julialang replies; who-knows had quoted both as answers."""

from datetime import UTC, datetime

import pytest

from bot.interests.answers import answered, hands_over
from bot.interests.pipeline import knowledge_scores
from storage.interests.values import Action, Reply

AT = datetime(2025, 6, 1, tzinfo=UTC)
QUESTION = "Are there any known issues with the IP Address Resource Pool and the Netbox schema?"


@pytest.mark.parametrize(
    "text",
    [
        "I think you mean other <@1221732604806692884>",
        "Hey Roger \n\nI replied to the same question in this thread "
        "https://discord.com/channels/1212332642801025064/1337506131970494485/1342393572145758268",
        "but I suspect <@U679VPJ8L> might be better equiped to answer these questions",
        "<https://julialang.slack.com/archives/C674ELDNX/p1613019854422800>",
        # to another channel: a Pluto question was "answered" by a pointer to #mlj
        "Also the <#CC57ZE7EY|mlj>  channel is very helpful",
        "ask in <#1212332642801025067> instead",  # Discord's channel mention
        "<#C5666B6BB|questions> というチャネルがあるので質問系はそちらで！",
    ],
)
def test_a_reply_pointing_elsewhere_hands_over(text: str) -> None:
    assert hands_over(text)


@pytest.mark.parametrize(
    "text",
    [
        # the mention opening a reply addresses it (Slack's old "@tim:" replies)
        "<@U065ETZEC>: i guess they don't host any webcams :disappointed: c'mon texas!",
        # a file share opens with the sharer's own mention
        "<@U064KUGRJ|timabram> uploaded a file: <https://houstondatavis.slack.com/files/x|R.r>",
        "Here is the code <@U9MED583T> posted: ```contour(data)```",  # code answers
        "<@U1> you need identifiers on the node kind; the sync then matches each object by its "
        "hfid, as <@U2> found, and the error goes away after a restart of the task worker",
        "You could have a look at the schema we load in the sandbox: https://github.com/o/s",
        # Japanese runs words together: a full answer that names a member is still an answer
        # (haskell-jp: 15 of 18 such replies had been read as a dozen words or fewer)
        "<@U4LGTMTMK> 型クラスのインスタンスは、そのモジュールをimportしただけで全部見えて"
        "しまうので、orphan instanceを避けるために型か型クラスと同じモジュールに書くのが普通です",
    ],
)
def test_answers_and_addressed_replies_do_not(text: str) -> None:
    assert not hands_over(text)


def test_a_handover_is_neither_an_answer_nor_discussion() -> None:
    replies = [
        Reply(2, 20, AT, "I think you mean other <@3>", 10, QUESTION, "infrahub-qa"),
        Reply(3, 21, AT, "You could load the schema we use in the sandbox", 10, QUESTION, None),
    ]
    found = answered(replies, lambda q, r, c: [("netbox", 1.0)])
    assert [a.member_id for a in found] == [3]
    discussed = Action(2, "replied", AT, 7, 20, "I think you mean other <@3>", "infrahub-qa")
    assert knowledge_scores([discussed], {7: [("netbox", 1.0)]}, 90.0) == {}
