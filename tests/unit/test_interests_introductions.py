"""Introductions: which channels are where members introduce themselves, and which clauses of
a message state its author's subjects (shapes of julialang's #introduction and Komodo's
Discord `introductions`, reworded)."""

from __future__ import annotations

import pytest

from bot.interests.introductions import is_introductions_channel, named_fields, stated_subjects


@pytest.mark.parametrize(
    "name",
    [
        "introduction",
        "introductions",
        "#intros",
        "01-introductions",
        "introduce-yourself",
        "welcome",
        "say-hello",
        "newcomers",
        "自己紹介",
    ],
)
def test_introduction_channels_by_their_usual_names(name: str) -> None:
    assert is_introductions_channel(name)


@pytest.mark.parametrize("name", ["general", "random", "machine-learning", "", None])
def test_other_channels_are_not(name: str | None) -> None:
    assert not is_introductions_channel(name)


def test_a_moderators_patterns_replace_the_usual_names() -> None:
    assert is_introductions_channel("hello-world", ["hello-*"])
    assert not is_introductions_channel("introductions", ["hello-*"])
    assert not is_introductions_channel("introductions", [])


@pytest.mark.parametrize(
    ("text", "stated"),
    [
        (
            "Hello everyone, I am a PhD student with interests in robust statistics, "
            "microsimulation, and health economic evaluation.",
            ["robust statistics, microsimulation, and health economic evaluation"],
        ),
        (
            "I'm Ben, I've loved using it since v0.3. My interests are in MCMC and Bayesian "
            "data analysis. I also love studying languages.",
            ["MCMC and Bayesian data analysis"],
        ),
        (  # an aside does not hide the subject
            "My main focus (and passion) is probabilistic languages and Bayesian statistics.",
            ["probabilistic languages and Bayesian statistics"],
        ),
        (  # a clause ends where the sentence turns to the author's plans
            "I am interested in ML and data science work and looking to contribute here.",
            ["ML and data science work"],
        ),
        (  # the field before a role, not the role
            "Hi, I'm a bioinformatics undergrad from far away.",
            ["bioinformatics"],
        ),
        (
            "I work in computer science and applied algebra, and I am working on 3d modelling.",
            ["computer science and applied algebra", "3d modelling"],
        ),
        ("圏論に興味があります。よろしくお願いします。", ["圏論"]),
        (  # a degree names its field
            "I have a bachelor of science in Mechatronics Engineering from SPSU.",
            ["Mechatronics Engineering"],
        ),
        (  # where one studies or does research: a candidate's field, research on something
            "I am Domenico, a PhD candidate in mathematical finance at SNS Pisa, doing research "
            "on statistical models for time varying graphs.",
            ["mathematical finance", "statistical models for time varying graphs"],
        ),
        ("I'm Rachitt, an undergrad studying electronics.", ["electronics"]),
        ("I'm a Software Engineering Graduate and I'm new here", ["Software Engineering"]),
        # a role says its work with its field: `electronic` alone named no subject
        (
            "Hi! I'm an electronic engineer turned software engineer / IT guy.",
            ["electronic engineering"],
        ),
        ("Hey, I'm a data scientist and I'm taking Julia for a ride.", ["data science"]),
    ],
)
def test_the_clauses_that_state_the_authors_subjects(text: str, stated: list[str]) -> None:
    assert stated_subjects(text) == stated


@pytest.mark.parametrize(
    "text",
    [
        "Welcome! The #turing channel is very helpful if you have questions.",
        "@Joey hello, please send your inquiry to the partners address.",
        "Spam bots who can't prove they are human get kicked automatically.",
        "What is kicks, how does it work?",
        "Hey everyone, excited to be here!",
        "",
        None,
    ],
)
def test_welcomes_notes_and_questions_state_nothing(text: str | None) -> None:
    assert stated_subjects(text) == []


@pytest.mark.parametrize(
    ("stated", "fields"),
    [
        # julialang: each word everyday English, together a field the chat extractor leaves
        # out (it would read `good point` too); said of oneself, the name is the subject
        (["intelligent systems"], ["intelligent system"]),
        (
            ["stochastic processes, dynamical systems and machine learning"],
            ["stochastic process", "dynamical system", "machine learning"],
        ),
        (["my Master's in business administration"], ["business administration"]),
        (["R/Big Data specialist"], ["big data"]),  # the field before a role
        # a verb's object, a preposition, one word, a role's situation: no field's name
        (["developing packages in R", "bioinformatics"], []),
        (["a retired Swedish software"], []),
        (["undergraduate student"], []),
    ],
)
def test_the_fields_a_clause_names_whole(stated: list[str], fields: list[str]) -> None:
    assert named_fields(stated) == fields


def test_a_huge_message_is_read_in_bounded_pieces() -> None:
    text = "I'm interested in " + "category theory " * 5000
    stated = stated_subjects(text)
    assert len(stated) == 1 and len(stated[0]) <= 160


def test_what_an_introduction_is_evidence_for() -> None:
    """Its stated subjects, without the community's own subject or the author's situation."""
    from datetime import UTC, datetime

    from bot.interests.introductions import introduced
    from storage.interests import Posted

    seen: list[list[str]] = []

    def topics_of(stated: list[str]) -> list[tuple[str, float]]:
        seen.append(list(stated))
        return [("cuda", 1.0), ("basic knowledge", 0.9), ("julia language", 0.8), ("stan", 0.7)]

    at = datetime(2021, 3, 1, tzinfo=UTC)
    posts = [
        Posted(
            1,
            10,
            at,
            "Hi! I have research experience with Stan, basic knowledge with CUDA.",
            "intro",
        ),
        Posted(2, 11, at, "Welcome, glad you are here!", "intro"),
    ]
    (found,) = introduced(posts, topics_of, community_wide={"julia"}, community="JuliaLang")
    assert (found.member_id, found.message_id) == (1, 10)
    assert [t for t, _ in found.topics] == ["cuda", "stan"]
    assert len(seen) == 1 and "CUDA" in seen[0][-1]  # the welcome was never read


def test_a_roles_work_is_taken_with_its_field_not_alone() -> None:
    """julialang: "I'm an aerospace engineer specializing in modeling/simulations" had given
    nothing; now its field, and never the bare `engineering` a field's last word also is."""
    from bot.interests.pipeline import Corpus
    from bot.interests.topics import TopicExtractor

    corpus = Corpus(TopicExtractor())
    text = "Hi. I'm an aerospace engineer specializing in modeling/simulations."
    topics = [t for t, _ in corpus.introduction_topics(stated_subjects(text))]
    assert "aerospace engineering" in topics and "engineering" not in topics
    said = stated_subjects("I'm a sophomore majoring in electrical engineering.")
    assert "engineering" not in [t for t, _ in corpus.introduction_topics(said)]
