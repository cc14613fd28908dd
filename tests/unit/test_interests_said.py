"""Who-knows' very last resort: members who said the query's words in their own statements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.interests.said import phrases, saying, speakers
from storage.interests.said import Statement

T0 = datetime(2016, 7, 20, tzinfo=UTC)


def said(member: int, text: str, minutes: int = 0, message: int | None = None) -> Statement:
    mid = message if message is not None else member * 100 + minutes
    return Statement(member, mid, text, T0 + timedelta(minutes=minutes), "general", (1, str(mid)))


def matches(query: str, text: str) -> bool:
    return any(p.search(text) for p in phrases([query]))


def test_a_word_matches_with_its_endings_but_not_inside_another_word() -> None:
    assert matches("sketch", "when sketching visualizations")
    assert matches("dashboard", "five linked charts in two Dashboards")
    assert not matches("sketch", "a new sketchbookish app")  # more than an ending
    assert matches("elections", "an ensemble caller for election results")  # the singular
    assert not matches("sketch", "resketching")  # inside another word
    # a short word is matched whole: as a prefix `r` is any word starting with r
    assert matches("r", "I do that in R, with ggplot")
    assert not matches("r", "rust and ruby")
    assert matches("d3", "a d3 map")
    assert not matches("d3", "d3js")


def test_a_phrase_is_its_words_in_order_with_any_separator() -> None:
    assert matches("time series", "time-series forecasting")
    assert matches("time series", "a Time_Series of prices")
    assert not matches("time series", "series of time")
    assert not matches("time series", "time to look at the series")
    # the pieces the database's LIKE is given, one wording each, plurals as their stem
    assert [p.pieces for p in phrases(["Time Series", "time series", "ml"])] == [
        ("time", "serie"),
        ("ml",),
    ]


def test_a_nul_asked_for_is_a_space() -> None:
    # PostgreSQL refuses a NUL in a query's text: `who-knows postgres\x00` had failed there
    assert [p.pieces for p in phrases(["rust\x00lang", "\x00"])] == [("rust", "lang")]


def test_japanese_words_match_anywhere() -> None:
    assert matches("テスト", "QuickCheckでテストを書くと楽です")
    assert not matches("テスト", "型クラスの話です")
    # Japanese writes no space around a Latin word: kana and kanji end it
    assert matches("cabal", "Cabalドキュメンテーションの7.2.9節")
    assert matches("lens", "Lensはgetterとsetterの組です")
    assert not matches("lens", "lensesque")


def test_only_the_members_own_statements_count() -> None:
    wanted = phrases(["sketching"])
    found = speakers(
        saying(
            [
                said(1, "Some advice: when sketching visualizations, throw them away easily"),
                said(2, "How do you go about sketching a chart first?"),  # a question
                said(3, "> when sketching visualizations\nI go straight to code myself"),  # a quote
                said(4, "sketching!"),  # nothing said
                said(5, "/rhizome who-knows sketching please"),  # a command
                said(6, "thanks @colin for the sketching tips, they helped"),  # his, not hers
                said(7, "my sketching attempt so far, attached as a picture"),  # while asking
                said(8, "Paper sketching beats every tool, and it is quicker too"),
            ],
            wanted,
        ),
        set_aside=lambda s: s.member_id == 7,
    )
    assert [s.member_id for s in found] == [1, 8]


def test_who_said_it_most_then_most_recently_comes_first() -> None:
    wanted = phrases(["elections"])
    found = speakers(
        saying(
            [  # newest first, as the store gives them
                said(3, "the election maps from the Times were lovely to read", minutes=30),
                said(1, "an ensemble caller for election results, from the polls", minutes=20),
                said(2, "election night coverage is where charts get their test", minutes=10),
                said(1, "county election results as a choropleth, by precinct", minutes=5),
            ],
            wanted,
        )
    )
    assert [s.member_id for s in found] == [1, 3, 2]
    assert [s.message_id for s in found[0].statements] == [120, 105]  # newest first
