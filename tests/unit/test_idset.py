"""The corpus's bitmap of counted resources behaves as a set of ids would."""

import random

import pytest

from bot.interests.idset import IdSet


def test_membership_and_length_match_a_python_set() -> None:
    rng = random.Random(7)
    values = [rng.randrange(0, 3_000_000) for _ in range(20_000)] + [0, 65_535, 65_536, 2**40]
    ids, expected = IdSet(), set()
    for value in values:
        ids.add(value)
        expected.add(value)
    assert len(ids) == len(expected)
    probes = values[:500] + [rng.randrange(0, 3_000_000) for _ in range(5_000)] + [2**40 + 1]
    for probe in probes:
        assert (probe in ids) == (probe in expected), probe


def test_adding_twice_counts_once_and_odd_probes_are_absent() -> None:
    ids = IdSet([5, 5, 70_000])
    ids.update([5, 70_000, 70_001])
    assert len(ids) == 3
    assert -1 not in ids
    assert "5" not in ids
    assert 6 not in ids


def test_negative_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="never negative"):
        IdSet().add(-3)
