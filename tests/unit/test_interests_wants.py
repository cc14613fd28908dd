"""Wants come only from a member's own questions: what they ask while helping someone else
in that person's thread asks for the asker (`bot.interests.wants.action_evidence`)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.interests.profiles import EvidenceKind
from bot.interests.wants import action_evidence, helping_in, shown_as_want
from bot.questions import is_reaction, mostly_tells
from storage.interests import Action

AT = datetime(2022, 1, 9, tzinfo=UTC)
ASKER, HELPER = 1, 2
ROOT = 100


def topics_of(text: str) -> list[tuple[str, float]]:
    return [("stack", 1.0)] if "stack" in text else []


def test_a_link_given_in_someone_elses_thread_is_helping_not_asking() -> None:
    # haskell-jp: the helper's reply guesses at the cause and links a known stack bug; it
    # is phrased as a question, and the asker answers next.
    helper_link = Action(
        HELPER,
        "shared",
        AT,
        7,
        101,
        "Intel版のMacでstackを使用されている状況ですね。これとは違うでしょうか？ <https://github.com/commercialhaskell/stack/issues/5005>",
        "beginners",
        thread_root=ROOT,
        root_author=ASKER,
        owner_next=True,
    )
    own_question = Action(
        ASKER, "said", AT, None, ROOT, "stack build fails unpacking GHC, how do I fix it?",
        "beginners", thread_root=ROOT, root_author=ASKER,
    )  # fmt: skip
    assert (HELPER, ROOT) in helping_in([helper_link, own_question])
    found = action_evidence([helper_link, own_question], {7: [("stack", 1.0)]}, {}, topics_of)
    assert all(e.kind is not EvidenceKind.ASKED for e in found.get(HELPER, []))
    asked = [e for e in found[ASKER] if e.kind is EvidenceKind.ASKED]
    assert [t for e in asked for t, _ in e.topics] == ["stack"]


def test_the_same_link_question_in_ones_own_thread_is_asking() -> None:
    mine = Action(
        HELPER, "shared", AT, 7, 101, "is this the bug I hit? <https://github.com/x/y/issues/1>",
        "beginners", thread_root=ROOT, root_author=HELPER,
    )  # fmt: skip
    found = action_evidence([mine], {7: [("stack", 1.0)]}, {}, topics_of)
    assert [e.kind for e in found[HELPER]] == [EvidenceKind.ASKED]


def test_a_question_put_to_you_asks_about_them_not_for_the_asker() -> None:
    # Real questions from the Infrahub forum and the Houston Slack that a profile had shown
    # as "wants to learn" (`stuck`, `database`); outside any thread, so `helping_in` does
    # not see them. Asking for advice with "you" still asks for the asker.
    said = [
        (HELPER, "Where are you getting stuck? I use the stack template here."),
        (HELPER, "<@U061A5N1G>: have you seen this stack database before?"),
        (ASKER, "How do you set up a stack project with two packages?"),
        (ASKER, "You connected Infrahub to a private GitLab repo with stack. Do you have any advice?"),
    ]  # fmt: skip
    actions = [
        Action(member, "said", AT, None, 200 + i, text, "general")
        for i, (member, text) in enumerate(said)
    ]
    found = action_evidence(actions, {}, {}, topics_of)
    assert HELPER not in found
    assert [e.snippet for e in found[ASKER]] == [said[2][1], said[3][1]]


def test_an_answer_ending_in_a_check_helps_a_short_follow_up_asks() -> None:
    # Infrahub: the helper explains at length, then checks ("…could you confirm that?");
    # a member who only asks back in another's thread still asks.
    answer = (
        "It is not possible with attributes today. If you think about it, it basically implies "
        "having a relationship between the values of the two attributes. We do support this kind "
        "of filtering for objects in certain scenarios, for example with a stack of switches. "
        "Are you saying that is not working?"
    )
    helper = Action(
        HELPER, "said", AT, None, 101, answer, "forum", thread_root=ROOT, root_author=ASKER
    )
    follow_up = Action(
        3, "said", AT, None, 102, "Does this work with a stack too?", "forum",
        thread_root=ROOT, root_author=ASKER,
    )  # fmt: skip
    assert mostly_tells(answer) and not mostly_tells(follow_up.text)
    assert helping_in([helper, follow_up]) == {(HELPER, ROOT)}
    found = action_evidence([helper, follow_up], {}, {}, topics_of)
    assert HELPER not in found
    assert [e.kind for e in found[3]] == [EvidenceKind.ASKED]


def test_one_kanji_is_no_want() -> None:
    assert not shown_as_want("元") and shown_as_want("型クラス") and shown_as_want("stack")


def test_a_question_of_three_words_reacts_and_wants_nothing() -> None:
    # julialang and Houston: "Revise?", "Was it recorded?", "<@U…>: shareLaTeX?", and a
    # helper's "Maybe <PR> changed something?" under someone's link
    said = ["Revise?", "Was it recorded?", "<@U061A5N1G>: shareLaTeX?", "why?"]
    assert all(is_reaction(t) for t in said)
    assert not is_reaction("How do I set up a stack project with two packages?")
    actions = [
        Action(ASKER, "said", AT, None, 300 + i, text, "general") for i, text in enumerate(said)
    ]
    guess = Action(
        ASKER, "replied", AT, 7, 310,
        "Maybe <https://github.com/JuliaLang/julia/pull/38775> changed something?", "general",
    )  # fmt: skip
    found = action_evidence([*actions, guess], {7: [("stack", 1.0)]}, {}, topics_of)
    assert [e.kind for e in found[ASKER]] == [EvidenceKind.REPLIED]  # discussing the link


def test_the_form_a_thing_takes_is_no_want() -> None:
    # houstondatavis: "is there a link for the slides?" had shown as a wish to learn `slide`
    assert not shown_as_want("slide") and not shown_as_want("video")
    assert shown_as_want("talk") and shown_as_want("slide deck design")


def test_a_reply_under_a_link_asking_about_something_else_asks_that() -> None:
    # Real replies from the Infrahub forum and julialang: under a post on Julia in Rust's chat
    # room, "how many computers have more than 16 cores?" is no wish to learn `rust`; a reply
    # naming a subject of its own (`colab`) asks about that one. A reply naming none of its own
    # ("Can you please advise?") and a share that asks stay about the link.
    def own_topics(text: str) -> list[tuple[str, float]]:
        found = {"colab": [("colab", 1.0)], "advise": [("advance", 1.0)]}
        return next((t for word, t in found.items() if word in text), [])

    rust = {7: [("rust", 1.0), ("zig", 0.6)]}
    replies = [
        Action(ASKER, "replied", AT, 7, 301, "how do I get the latest Julia onto colab?", "ml"),
        Action(HELPER, "replied", AT, 7, 302, "Can you please advise? Thanks in advance.", "ml"),
        Action(ASKER, "shared", AT, 7, 303, "does colab run this? <https://x.example/rust>", "ml"),
    ]
    found = action_evidence(replies, rust, {7: ("Rust's chat room", "https://x")}, own_topics)
    asked = {e.message_id: (e.resource_id, [t for t, _ in e.topics]) for e in found[ASKER]}
    assert asked[301] == (None, ["colab"])  # its own question, the link not its subject
    assert asked[303] == (7, ["rust", "zig"])  # the member's own share: the link is context
    # "advance" is everyday English: no subject of its own, so the question is about the link
    assert [(e.resource_id, [t for t, _ in e.topics]) for e in found[HELPER]] == [
        (7, ["rust", "zig"])
    ]
