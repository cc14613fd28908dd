"""Nearby wording from the embedding model shipped in the `wordllama` wheel."""

from __future__ import annotations

import socket

import pytest

from bot.interests import embeddings
from bot.interests.embeddings import NearbyIndex, build_index, load_model


def test_the_model_loads_from_the_wheel_without_the_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model tried to use the network")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    load_model.cache_clear()
    try:
        model = load_model()
    finally:
        load_model.cache_clear()
    assert model is not None
    vectors = model.embed(["backport", "backporting", ""])
    assert vectors.shape == (3, 256)
    assert abs(float((vectors[0] ** 2).sum()) - 1.0) < 1e-4  # unit vectors
    assert float((vectors[2] ** 2).sum()) == 0.0  # nothing to embed: no direction


def test_nearest_finds_other_wordings_not_unrelated_topics() -> None:
    index = build_index(["backporting", "makie", "gitlab", "tokio", "schema"])
    assert index is not None
    near = index.nearest("backports", limit=3, floor=0.75)
    assert [t for t, _ in near] == ["backporting"]
    assert index.nearest("git repository", limit=3, floor=0.6)[0][0] == "gitlab"
    assert index.nearest("makie", limit=3, floor=0.75) == []  # itself is not its neighbour


def test_without_the_package_nearby_wording_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings.importlib.util, "find_spec", lambda name: None)
    load_model.cache_clear()
    try:
        assert load_model() is None
        assert build_index(["makie"]) is None
    finally:
        load_model.cache_clear()


def test_an_empty_index_answers_nothing() -> None:
    model = load_model()
    assert model is not None
    assert NearbyIndex(model, []).nearest("makie", 5, 0.0) == []
