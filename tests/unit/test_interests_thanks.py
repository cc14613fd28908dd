"""Mentions read from markup, and which mentions thank: pure rules on real message shapes
(the first examples are from the JuliaLang Slack's #appreciation and the Infrahub forum)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.interests.thanks import is_thanks_channel, thanked, thanks_someone, words_to
from bot.mentions import mentioned_ids, merge_mentions, without_mentions
from bot.model import Actor
from storage.interests import Mentioned

AT = datetime(2021, 1, 25, tzinfo=UTC)


def mention(text: str, channel: str = "general", **kw: object) -> Mentioned:
    fields: dict[str, object] = {
        "member_id": 1,
        "message_id": 10,
        "at": AT,
        "text": text,
        "author_id": 2,
        "channel": channel,
        "top_level": True,
        "mentions": 1,
    }
    fields.update(kw)
    return Mentioned(**fields)  # type: ignore[arg-type]


def test_mentions_in_slack_and_discord_markup() -> None:
    text = "<@U66SGEWAC> &amp; <@U67BJLYCS|chris> for helping me with Makie, cc <@U66SGEWAC>"
    assert mentioned_ids(text) == ("U66SGEWAC", "U67BJLYCS")
    assert mentioned_ids("Hello <@1268206427810435166> and <@!402535819904155659>") == (
        "1268206427810435166",
        "402535819904155659",
    )
    # Channels, groups, roles and special mentions name no member.
    assert mentioned_ids("<#C024BE7LR|general> <!here> <!subteam^S1|@team> <@&123456789>") == ()
    assert merge_mentions([Actor("1")], [Actor("1", "Ana"), Actor("2")]) == (
        Actor("1", "Ana"),
        Actor("2"),
    )


def test_without_mentions_keeps_the_words() -> None:
    assert without_mentions("<@U9MED583T> for WGLMakie.") == "for WGLMakie."
    assert without_mentions("@U074VRHQ11T thanks, that worked") == "thanks, that worked"
    assert without_mentions("Thanks <@370964598284746752>!") == "Thanks !"


def test_which_mentions_thank() -> None:
    # A post of its own in #appreciation thanks whoever it names, with or without the word.
    assert thanks_someone(mention("<@U66SGEWAC> for WGLMakie", channel="appreciation"))
    assert thanks_someone(mention("Thanks al lot <@227091130561331200>", top_level=False))
    assert thanks_someone(mention("this has been fixed thanks to <@370964598284746752>"))
    # A reply under a post in #appreciation is conversation, not thanks.
    assert not thanks_someone(
        mention(
            "<@UCD4Z3NJZ> sorry there is a flaw in the tutorial", "appreciation", top_level=False
        )
    )
    # A question naming someone, or a plain remark, thanks nobody.
    assert not thanks_someone(mention("<@U66SGEWAC> does that mean WGLMakie is interactive?"))
    assert not thanks_someone(mention("Hello <@1268206427810435166>, it is not possible yet"))
    # Thanked in her own thread: for asking or reporting it.
    assert not thanks_someone(
        mention(
            "Thx <@582311094438199328>, we're looking into this one",
            top_level=False,
            root_author_id=1,
            root_id=5,
        )
    )
    assert is_thanks_channel("kudos") and is_thanks_channel("shout-outs")
    assert not is_thanks_channel("general")


def test_what_a_thanks_is_for() -> None:
    def topics_of(question: str, reply: str, channel: str | None) -> list[tuple[str, float]]:
        words = {w.strip(".,!").lower(): 1.0 for w in f"{question} {reply}".split() if len(w) > 4}
        return list(words.items())

    post = mention("<@U1> <@U2> for helping with Makie layouts", "appreciation", mentions=2)
    in_thread = mention(
        "thanks <@U1>!", top_level=False, root_id=7, root_text="How do I cancel tokio tasks?"
    )
    replied = mention("thanks <@U1>!", top_level=False, root_id=8, root_text="Unrelated?")
    found = thanked([post, in_thread, replied], topics_of, {}, replied_in={(1, 8)})
    assert [t.thread for t in found] == [10, 7]  # the thread she answered in counts already
    assert {t for t, _ in found[0].topics} >= {"makie", "layouts", "helping"}
    assert abs(found[0].weight - 2**-0.5) < 1e-9  # two members share one thanks
    assert "tokio" in {t for t, _ in found[1].topics}  # for what the thread asked


def test_a_thanks_for_a_report_or_feedback_shows_nothing_known() -> None:
    # JuliaLang #appreciation: `bug report` and `excellent bug` had been nhdaly's "Knows about"
    def topics_of(question: str, reply: str, channel: str | None) -> list[tuple[str, float]]:
        words = {w.strip(".,!()`{}").lower(): 1.0 for w in reply.split() if len(w) > 4}
        return list(words.items())

    text = (
        "<@U89GY9W1J> for a truly excellent bug report (and also for showing me how to use "
        "`Vararg{}` which I've never been able to figure out...)"
    )
    (found,) = thanked([mention(text, "appreciation")], topics_of, {})
    topics = {t for t, _ in found.topics}
    assert "vararg" in topics and not {"report", "excellent"} & topics
    # thanked for nothing else: no evidence at all, in a thread or not
    assert not thanks_someone(mention("thanks <@U1> for the heads up!"))
    assert not thanks_someone(
        mention("thanks <@U1> for reporting this", top_level=False, root_id=7, root_text="Bug?")
    )
    assert thanks_someone(mention("thanks <@U1> for the report and the fix for Makie layouts"))


def test_a_thanks_to_several_gives_each_the_words_addressed_to_them() -> None:
    """houstondatavis: the opening thanks everyone for their feedback, then each member gets
    a word of their own; the advice to Dinesh is not what he is thanked for, and feedback is
    no subject (`feedback` had been javier's "Knows about")."""
    text = (
        "thanks for the feedback everyone! <@U061A3E0G>: great idea about the color scheme, "
        "i'll add that in next. <@U1GGRN36X>: try out [highcharter package]"
        "(<http://jkunst.com/highcharter/hchart.html>) coming from ggplot"
    )

    def topics_of(question: str, reply: str, channel: str | None) -> list[tuple[str, float]]:
        return [
            (w, 1.0) for w in ("feedback", "color scheme", "highcharter", "ggplot") if w in reply
        ]

    # the message's link (the advice to Dinesh) is resource 7
    link = {"resource_ids": (7,)}
    javier = mention(text, mentions=2, member_id=1, member_external_id="U061A3E0G", **link)
    dinesh = mention(text, mentions=2, member_id=3, member_external_id="U1GGRN36X", **link)
    found = {
        t.member_id: [w for w, _ in t.topics]
        for t in thanked([javier, dinesh], topics_of, {7: [("highcharts", 1.0)]})
    }
    # Everyone is thanked for their feedback, which names no subject they know: nothing counts,
    # nor does the link given to one of them.
    assert found == {}
    # A thanks inside one member's own part is for that part's words.
    text = "<@U061A3E0G>: thanks for the color scheme idea! <@U1GGRN36X>: try highcharter"
    javier = mention(text, mentions=2, member_id=1, member_external_id="U061A3E0G")
    dinesh = mention(text, mentions=2, member_id=3, member_external_id="U1GGRN36X")
    assert thanks_someone(javier) and not thanks_someone(dinesh)
    assert [w for t in thanked([javier], topics_of, {}) for w, _ in t.topics] == ["color scheme"]
    # Mentions in a row share what follows them.
    both = "<@U111AAA> and <@U222BBB>, thanks for the ggplot help!"
    assert thanks_someone(mention(both, mentions=2, member_external_id="U222BBB"))


def test_a_thanks_is_quoted_with_the_words_for_each_member() -> None:
    # houstondatavis: Dinesh was shown the whole message, javier's "color scheme" included
    text = (
        "thanks for the feedback everyone! <@U061A3E0G>: great idea about the color scheme. "
        "<@U1GGRN36X>: try the highcharter package"
    )
    assert words_to(text, "U061A3E0G") == (
        "thanks for the feedback everyone! … great idea about the color scheme."
    )
    assert (
        words_to(text, "U1GGRN36X")
        == "thanks for the feedback everyone! … try the highcharter package"
    )
    assert words_to("<@U064KUGRJ> thanks, that fixed it", "U064KUGRJ") == "thanks, that fixed it"
