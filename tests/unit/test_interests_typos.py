"""Misspelled everyday words are no subjects; coinages, tools and titled names are."""

from __future__ import annotations

import pytest

from bot.interests.topics import ResourceText, TopicExtractor
from bot.interests.typos import is_misspelling


@pytest.mark.parametrize(
    "word",
    # every one a topic of the Infrahub forum or julialang exports before this rule
    [
        *("equivilent", "servrer", "attribtue", "enironment", "loction", "documentaton", "juila"),
        *("reponse", "appology", "manditory", "specfic"),  # misspellings wordfreq lists
    ],
)
def test_misspelled_common_words_are_found(word: str) -> None:
    assert is_misspelling(word)


@pytest.mark.parametrize(
    "word",
    [
        "schema",  # one edit from `scheme`, but English knows it
        "jupyter",  # rare in English, but `jupiter` is not common enough to be what was meant
        "tensor",
        "monad",
        "makie",  # `make` plus a letter: a name built on a word, not a slip
        "graphql",
        "docstring",  # two known words run together: a coinage
        "backtick",
        "pydantic",
        "kubectl",
        "numpy",
        "aswell",  # not one edit from a word with its first letter: left to other rules
        "tls",  # too short to tell
    ],
)
def test_real_words_coinages_and_tools_are_not(word: str) -> None:
    assert not is_misspelling(word)


def test_a_misspelling_is_no_topic_nor_any_phrase_it_is_in() -> None:
    ex = TopicExtractor()
    text = (
        "Set the enironment variable INFRAHUB_ADDRESS and the servrer will pick up "
        "the equivilent setting for the resource manager"
    )
    topics = dict(ex.topics(ResourceText(messages=(text,)), k=12))
    assert "resource manager" in topics
    assert not [t for t in topics if {"enironment", "servrer", "equivilent"} & set(t.split())]


def test_a_word_the_community_or_the_title_uses_is_its_own() -> None:
    # `upsert` is one edit from `upset`, and in 15 Infrahub messages; `Retrie` is a tool
    text = "you can upsert the node, or read the retrie docs"
    fresh = TopicExtractor()
    assert "upsert" not in dict(fresh.topics(ResourceText(messages=(text,)), k=12))
    used = TopicExtractor()
    used.observe(ResourceText(messages=(f"upsert example {i}",)) for i in range(3))
    assert "upsert" in dict(used.topics(ResourceText(messages=(text,)), k=12))
    titled = dict(fresh.topics(ResourceText(title="Retrie", messages=(text,)), k=12))
    assert "retrie" in titled


def test_a_community_word_misspelt_is_read_as_the_word() -> None:
    # Infrahub's forum: `grahql`, `inrahub`, `anisble` beside dozens of `graphql`, `infrahub`
    # and `ansible`; GraphiQL is a tool a page's title names, and `userr` (useR!) is one edit
    # from `user`, an everyday word, not the community's own
    ex = TopicExtractor()
    ex.observe(
        ResourceText(messages=("graphql mutation with ansible on infrahub",)) for _ in range(30)
    )
    ex.observe([ResourceText(title="GraphiQL", messages=("graphiql sandbox",))])
    ex.observe(ResourceText(messages=("every user here",)) for _ in range(30))
    text = "the grahql mutation from anisble fails on inrahub; graphiql at userr"
    topics = dict(ex.topics(ResourceText(messages=(text,)), k=12))
    assert {"graphql mutation", "ansible"} <= set(topics), topics
    assert not {"grahql", "grahql mutation", "anisble", "inrahub"} & set(topics), topics
    assert "graphiql" in topics
    assert ex.respelled("userr") == "userr"
    assert ex.respelled("grahql mutation") == "graphql mutation"
