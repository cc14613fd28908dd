"""Wordings that mean one subject meet (bot/interests/related.py): pure, no database."""

from __future__ import annotations

from bot.interests.related import (
    ABBREVIATION,
    ACRONYM,
    ACRONYM_GUESS,
    FAMILY,
    PART,
    SAME,
    TRANSLATION,
    TYPO,
    TopicIndex,
    distinct_subjects,
    phrase_parts,
    related_topics,
)


def _related(query: str, known: list[str]) -> dict[str, tuple[float, str]]:
    return {r.topic: (r.weight, r.why) for r in related_topics(query, TopicIndex(known))}


def test_spaces_hyphens_and_dots_do_not_make_another_subject() -> None:
    known = ["graphql", "debug.trace", "haskell gi", "makie"]
    assert _related("graph ql", known)["graphql"] == (SAME, "graphql = graph ql")
    # Haskell's module `Debug.Trace` is what members call "debug trace" (haskell-jp).
    assert _related("debug trace", known)["debug.trace"] == (SAME, "debug.trace = debug trace")
    assert _related("haskell-gi", known)["haskell gi"] == (SAME, "haskell gi = haskell-gi")
    assert "makie" not in _related("debug trace", known)


def test_a_near_spelling_is_a_typo_only_when_no_spelling_of_the_words_is_known() -> None:
    # Komodo: `pirate chain` asked, `piratechain` known; `private chain` (88% alike) had been
    # counted as its misspelling, and two members of another subject came second and third.
    typo = _related("postgrs", ["postgres", "python"])
    assert typo["postgres"] == (TYPO, "spelled postgres")
    known = ["piratechain", "private chain"]
    assert _related("pirate chain", known)["piratechain"][0] == SAME
    assert "private chain" not in _related("pirate chain", known)
    assert "private chain" in _related("pirate chain", ["private chain"])  # nothing else known


def test_abbreviations_and_acronyms_say_how_they_relate() -> None:
    known = ["machine learning", "visualization"]
    assert _related("viz", known)["visualization"] == (ABBREVIATION, "viz = visualization")
    assert _related("ml", known)["machine learning"][1] == "ml = machine learning"


def test_a_phrases_acronym_is_a_guess_unless_the_community_uses_it() -> None:
    # Resources name `ml`: a known acronym. Nobody's resources name `ad`, but members write
    # it in answers: asked for `automatic differentiation`, it is counted at half weight.
    assert _related("machine learning", ["ml"])["ml"] == (ACRONYM, "ml = machine learning")
    guess = _related("automatic differentiation", ["zygote"])["ad"]
    assert guess == (ACRONYM_GUESS, "ad, if it stands for automatic differentiation")
    assert ACRONYM_GUESS < ACRONYM
    # a community's own `ca` (TLS certificate authorities) is still only a guess for
    # `computed attribute`: it fills an answer, never outranks who knows the phrase
    found = {r.topic: r for r in related_topics("computed attribute", TopicIndex(["ca"]))}
    assert found["ca"].guess and found["ca"].why == "ca, if it stands for computed attribute"
    assert list(_related("zygote", [])) == ["zygote"]  # one word has no acronym


def test_one_word_family_fills_an_answer() -> None:
    known = ["optimization", "visualization", "article", "art", "sketch"]
    found = {r.topic: r for r in related_topics("optimizer", TopicIndex(known))}
    assert (found["optimization"].weight, found["optimization"].guess) == (FAMILY, True)
    assert found["optimization"].why == "optimization ~ optimizer"
    assert _related("sketches", known)["sketch"][0] == FAMILY
    assert "art" not in _related("article", known)  # a short stem joins too much
    assert "モナド変換子" not in _related("モナド", ["モナド変換子"])  # Snowball is English


def test_a_phrase_nobody_used_is_filled_through_its_telling_words() -> None:
    # houstondatavis: `reproducible research` is written "reproducibility" in #sci
    index = TopicIndex(["reproducibility", "research", "python sdk", "sdk"])
    parts = {r.topic: r for r in phrase_parts("reproducible research", index)}
    assert list(parts) == ["reproducibility"]  # not the everyday `research`
    assert parts["reproducibility"].weight == PART and parts["reproducibility"].guess
    assert phrase_parts("python sdk", index) == []  # the head word is the caller's
    assert phrase_parts("reproducibility", index) == []  # one word is no phrase


def test_a_loanword_and_its_english_word_meet_both_ways() -> None:
    # haskell-jp writes both `パーサ` and `parser` (parsec, megaparsec threads)
    assert _related("パーサ", ["parser"])["parser"] == (TRANSLATION, "パーサ = parser")
    assert _related("parser", ["パーサ"])["パーサ"] == (TRANSLATION, "パーサ = parser")
    assert "monad" not in _related("パーサ", ["monad"])


def test_a_list_names_each_subject_once() -> None:
    # real profiles showed `datajam` and `data jam`, `csv` and `csv file`, `backport` and
    # `backporting`, `パーサ` and `モナドパーサ` side by side
    shown = ["datajam", "csv", "data jam", "backport", "csv file", "backporting", "pca"]
    assert distinct_subjects(shown) == ["datajam", "csv", "backport", "pca"]
    assert distinct_subjects(["パーサ", "モナドパーサ", "型クラス"]) == ["パーサ", "型クラス"]
    # different subjects that share letters or a word's start stay apart
    assert distinct_subjects(["stack", "stackage", "art", "article"]) == [
        "stack",
        "stackage",
        "art",
        "article",
    ]
    assert distinct_subjects(["data visualization", "visualization meetup"]) == [
        "data visualization",
        "visualization meetup",
    ]


def test_jargon_in_katakana_meets_the_english_word_by_reading() -> None:
    # haskell-jp: `アプリカティブ` (unknown to UniDic) and `applicative` are one subject
    known = ["アプリカティブ", "applicative", "monad"]
    assert _related("アプリカティブ", known)["applicative"] == (
        TRANSLATION,
        "アプリカティブ = applicative",
    )
    assert _related("applicative", known)["アプリカティブ"] == (
        TRANSLATION,
        "アプリカティブ = applicative",
    )
    # the usual spelling is looked for even where no resource named it (answers only)
    assert "コンビネータ" in _related("combinator", ["モナド", "combinator"])
    # a community that writes no katakana reads nothing aloud
    assert TopicIndex(["applicative", "monad"]).written_as("applicative") == []
    assert "フィ" not in _related("ffi", known)
