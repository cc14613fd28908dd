"""A "same here" reply is no answer: the replier has the problem too (real Infrahub forum and
julialang replies)."""

from datetime import UTC, datetime

import pytest

from bot.interests.answers import is_acknowledgement, is_me_too, is_substantive
from bot.interests.pipeline import knowledge_scores
from storage.interests.values import Action

ME_TOO = [
    "Same error",
    "No luck , same issue",
    "Yes same issue even after a reboot , but it sounds like something on our end anyway",
    "Just to add I encountered exactly the same issue I installed a clean 1.0.9 and infrahubctl "
    "was unable to connect to server - rolled back to 1.0.8 all working",
    "I got the same 2 issues in 1.3.2, I am creating the issues in github this afternoon",
    "Interesting. I just tested it with infrahubctl as well, and getting the same error",
]
NOT_ME_TOO = [
    "the problem of course is that the third order in this chain is the exact same problem as "
    "the second order, so there's no benefit to going further",
    "I thought you meant simply writing `x[begin:end]` would have the same behaviour :)",
    "You will get the same result if you call it twice, the function is pure",
    "Use the armv7l binaries, they work on Raspbian",
    # Long: it goes on to the cause, which is an answer.
    "Okay - I tracked this down. I think it's because I'm using a self-signed certificate on "
    "Infrahub. I tested using the Python SDK and was getting the same error until I set "
    "INFRAHUB_TLS_INSECURE, and then infrahubctl worked too; the git agent needs the CA bundle "
    "mounted as well, see the TLS page of the docs for the variables and where to put the file.",
]


@pytest.mark.parametrize("text", ME_TOO)
def test_a_same_here_reply_is_a_me_too_and_no_answer(text: str) -> None:
    assert is_me_too(text)
    assert not is_substantive(text)


@pytest.mark.parametrize("text", NOT_ME_TOO)
def test_other_replies_that_say_same_are_not(text: str) -> None:
    assert not is_me_too(text)


def test_a_me_too_reply_in_a_sharing_thread_is_no_evidence_of_knowing() -> None:
    at = datetime(2024, 12, 17, tzinfo=UTC)
    topics = {7: [("venv", 1.0)]}
    me_too = Action(1, "replied", at, 7, 70, ME_TOO[3], "infrahub-qa")
    helped = Action(
        2, "replied", at, 7, 71, "Activate the venv first, then pip install it there", "infrahub-qa"
    )
    scores = knowledge_scores([me_too, helped], topics, 90.0)
    assert 1 not in scores
    assert [t.topic for t in scores[2]] == ["venv"]


@pytest.mark.parametrize(
    "text",
    [
        "Keep up the good work",  # Infrahub: had answered a question about generators
        "Great post!",
        "nice work <@867799355921268767>",
        "Congratulations :tada:",
        "素晴らしいです:+1:",
    ],
)
def test_praise_is_no_answer(text: str) -> None:
    assert is_acknowledgement(text) and not is_substantive(text)


@pytest.mark.parametrize(
    "text",
    [
        # praise that goes on to say something, and a book's name ("すごいH本")
        "Great work! One thing: the JoinHandle has to be kept, or abort has nothing to cancel",
        "すごいH本をやっているのですがflipの実装で上のようなコードが示されていました。これは関数に"
        "対してパターンマッチを行っているということでしょうか?",
    ],
)
def test_praise_that_goes_on_is_no_acknowledgement(text: str) -> None:
    assert not is_acknowledgement(text)


@pytest.mark.parametrize(
    ("text", "substantive"),
    [
        # julialang #appreciation: three words and an emoji had counted as six words
        ("Awesome first tweet :slightly_smiling_face:", False),
        ("<@U01ABCDEF> <@U02ABCDEF> nice one :tada:", False),
        ("Uhh makie needs that, too.", True),
        ("works with :ok_hand: and the `--project` flag", True),
    ],
)
def test_emoji_and_mentions_are_no_words(text: str, substantive: bool) -> None:
    assert is_substantive(text) is substantive
