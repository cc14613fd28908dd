"""A wish voiced in a reply is no answer: it says what the member lacks, not what they know
(real Infrahub forum, julialang and houstondatavis replies)."""

from bot.interests.answers import is_substantive, is_wish

WISHES = [
    "Damn; anyway to more easily create devices from device types would be huge. It’s the last "
    "remaining blocker for me migration from netbox",
    "Yep this has been a long awaited feature for me",
    "Would be nice if there was an easy way to recover the last temp env, I forgot multiple "
    "times that everything will be gone after a Julia restart",
    "Yeah Something like EDA and/or internal task system would be awesome..",
    "a graph vis datajam would be cool ",
    "and they have no intention of getting rid of JS - but I wish they would.",
]
NOT_WISHES = [
    # An answer that explains, and wishes only at its end: long, so it stays an answer.
    "Usual builds on a commit have assertions enabled by default, which is why I explicitly "
    "trigger non-assert builds, but all builds for a single commit always get put in the same "
    "bucket and prefix with the commit hash, so it would be nice to tell them apart somehow",
    # Code or a link carries something of its own.
    "This would be nice to get in there, it fixes a regression: <https://github.com/x/y/pull/1>",
    "It would be nice to call `Pkg.gc()` after that",
    "Use the armv7l binaries, they work on Raspbian",
    "Would you like the nightly build?",  # no wish of one's own
]


def test_a_short_reply_voicing_a_wish_is_no_answer() -> None:
    for text in WISHES:
        assert is_wish(text), text
        assert not is_substantive(text), text


def test_answers_that_also_wish_and_plain_answers_stay_answers() -> None:
    for text in NOT_WISHES:
        assert not is_wish(text), text
    assert is_substantive(NOT_WISHES[0]) and is_substantive(NOT_WISHES[3])
    assert not is_wish(None) and not is_wish("")
