"""One topic per subject however the community spaces it (`bot.interests.spellings`)."""

from __future__ import annotations

from bot.interests.resource_text import ResourceText
from bot.interests.spellings import Spellings, joined_key
from bot.interests.topics import TopicExtractor


def test_the_key_runs_letters_together_and_leaves_digits_and_marks_alone() -> None:
    assert joined_key("block chain") == "blockchain"
    assert joined_key("fast.ai") == "fastai"
    assert joined_key("node-js") == "nodejs"
    assert joined_key("blockchain") == "blockchain"
    # a version is no spacing (`julia 1.6`), `c++` is no `c`, Japanese has no spaces to drop
    assert joined_key("julia 1.6") is None
    assert joined_key("c++") is None
    assert joined_key("モナド") is None


def test_the_spelling_most_documents_use_wins_both_ways() -> None:
    df = {"blockchain": 66, "block chain": 5, "smart contract": 24, "smartcontract": 2}
    spellings = Spellings()
    spellings.rebuild(df)
    assert spellings.spelling("block chain", df) == "blockchain"
    assert spellings.spelling("blockchain", df) == "blockchain"
    assert spellings.spelling("smartcontract", df) == "smart contract"
    assert spellings.spelling("smart contract", df) == "smart contract"
    # a spelling nobody else uses stays as written
    assert spellings.spelling("notary node", df) == "notary node"


def test_a_tie_goes_to_the_spaced_spelling_from_either_side() -> None:
    df = {"data frame": 3, "dataframe": 3}
    spellings = Spellings()
    spellings.rebuild(df)
    assert spellings.spelling("dataframe", df) == "data frame"
    assert spellings.spelling("data frame", df) == "data frame"


def test_counts_since_the_last_rebuild_decide_too() -> None:
    spellings = Spellings()
    spellings.rebuild({"atomic swap": 2})
    later = {"atomic swap": 2, "atomicswap": 9}
    assert spellings.spelling("atomic swap", later) == "atomicswap"


def test_a_document_spelling_the_subject_apart_gets_the_communitys_topic() -> None:
    # Komodo: `atomicswap` in most documents, `atomic swap` in one; members who wrote either
    # must hold the same topic, or no introduction can say they share it
    ex = TopicExtractor()
    ex.observe(ResourceText(messages=(f"atomicswap between coins, round {i}",)) for i in range(6))
    ex.observe([ResourceText(messages=("the atomic swap failed",))])
    topics = dict(ex.topics(ResourceText(messages=("the atomic swap failed",)), k=8))
    assert "atomicswap" in topics, topics
    assert "atomic swap" not in topics, topics
