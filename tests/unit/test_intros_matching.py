from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime

import numpy as np
import pytest

from bot.interests.profiles import Evidence, EvidenceKind, build_profile
from bot.intros import matching
from bot.intros.explain import Nameable
from bot.intros.matching import (
    Candidate,
    Constraints,
    PairScorer,
    RoundHistory,
    RoundPlan,
    ScoreWeights,
    plan_round,
)

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def member(mid: int, *knows: str, wants: tuple[str, ...] = (), channel: str | None = None):
    return Candidate(mid, {t: 1.0 for t in knows}, {t: 1.0 for t in wants}, channel)


def groups_of(plan: RoundPlan) -> set[frozenset[int]]:
    return {frozenset(g) for g in plan.groups}


def assert_partition(plan: RoundPlan, ids: list[int]) -> None:
    placed = [m for g in plan.groups for m in g] + list(plan.unmatched)
    assert sorted(placed) == sorted(ids)


# Four members in two obvious pairs: 1+2 share rust, 3+4 share go.
FOUR = [member(1, "rust", "tokio"), member(2, "rust", "tokio"), member(3, "go"), member(4, "go")]


@pytest.mark.parametrize("threshold", [100, 0], ids=["exact", "pruned"])
def test_obvious_pairs_are_found_by_both_methods(threshold: int) -> None:
    plan = plan_round(FOUR, None, None, NOW, exact_threshold=threshold)
    assert groups_of(plan) == {frozenset({1, 2}), frozenset({3, 4})}
    assert plan.method == ("exact" if threshold else "pruned")
    assert plan.planned_at == NOW


def test_pruned_equals_exact_on_a_small_case_with_a_clear_optimum() -> None:
    topics = ["rust", "go", "zig", "haskell", "ocaml", "elixir", "kotlin", "swift"]
    members = []
    for i, topic in enumerate(topics):
        members += [member(2 * i + 1, topic, "common"), member(2 * i + 2, topic, "common")]
    exact = plan_round(members, exact_threshold=1000)
    pruned = plan_round(members, exact_threshold=0, candidates_k=3)
    assert exact.method == "exact" and pruned.method == "pruned"
    assert (
        groups_of(exact)
        == groups_of(pruned)
        == {frozenset({2 * i + 1, 2 * i + 2}) for i in range(len(topics))}
    )
    assert pruned.total_score == pytest.approx(exact.total_score)


@pytest.mark.parametrize("threshold", [100, 0], ids=["exact", "pruned"])
def test_no_repeat_within_window_allowed_after(threshold: int) -> None:
    # 1 and 2 met in round 5; with a 12-round window they may meet again from round 18.
    blocked = RoundHistory.from_rounds(17, [(5, [(1, 2), (3, 4)])])
    plan = plan_round(FOUR, blocked, Constraints(), NOW, exact_threshold=threshold)
    assert frozenset({1, 2}) not in groups_of(plan)
    assert frozenset({3, 4}) not in groups_of(plan)
    assert_partition(plan, [1, 2, 3, 4])
    assert not plan.unmatched

    allowed = RoundHistory.from_rounds(18, [(5, [(1, 2), (3, 4)])])
    plan = plan_round(FOUR, allowed, Constraints(), NOW, exact_threshold=threshold)
    assert groups_of(plan) == {frozenset({1, 2}), frozenset({3, 4})}

    shorter = plan_round(FOUR, blocked, Constraints(repeat_window=3), NOW, threshold)
    assert frozenset({1, 2}) in groups_of(shorter)


def test_history_counts_every_pair_of_a_trio_and_the_latest_round() -> None:
    history = RoundHistory.from_rounds(10, [(2, [(1, 2, 3)]), (7, [(2, 1)])])
    assert history.last_paired[frozenset({1, 3})] == 2
    assert history.last_paired[frozenset({2, 3})] == 2
    assert history.last_paired[frozenset({1, 2})] == 7


@pytest.mark.parametrize("threshold", [100, 0], ids=["exact", "pruned"])
def test_not_with_is_never_paired(threshold: int) -> None:
    constraints = Constraints(not_with={frozenset({1, 2})})
    plan = plan_round(FOUR, None, constraints, NOW, exact_threshold=threshold)
    assert frozenset({1, 2}) not in groups_of(plan)
    assert len(plan.groups) == 2


@pytest.mark.parametrize("threshold", [100, 0], ids=["exact", "pruned"])
def test_odd_count_makes_one_trio_with_the_best_pair(threshold: int) -> None:
    five = [*FOUR, member(5, "go", "grpc")]
    plan = plan_round(five, None, None, NOW, exact_threshold=threshold)
    assert_partition(plan, [1, 2, 3, 4, 5])
    assert sorted(len(g) for g in plan.groups) == [2, 3]
    trio = next(g for g in plan.groups if len(g) == 3)
    assert 5 in trio and {3, 4} & set(trio)
    assert not plan.unmatched
    # The trio's score is the sum of its three pairs.
    pair_totals = [plan.pair_scores[frozenset(p)].total for p in itertools.combinations(trio, 2)]
    assert plan.scores[trio] == pytest.approx(sum(pair_totals))


@pytest.mark.parametrize("threshold", [1000, 0], ids=["exact", "pruned"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_everyone_placed_and_constraints_hold_on_random_rounds(threshold: int, seed: int) -> None:
    rng = random.Random(seed)
    topics = [f"topic{i}" for i in range(30)]
    n = rng.randint(40, 81)
    members = [
        member(
            i,
            *rng.sample(topics, rng.randint(1, 6)),
            wants=tuple(rng.sample(topics, rng.randint(0, 2))),
            channel=rng.choice(["a", "b", "c", None]),
        )
        for i in range(n)
    ]
    ids = [m.member_id for m in members]
    past = []
    for number in range(1, 13):
        rng.shuffle(ids)
        past.append((number, [tuple(ids[i : i + 2]) for i in range(0, n - 1, 2)]))
    history = RoundHistory.from_rounds(13, past)
    not_with = {frozenset(rng.sample(ids, 2)) for _ in range(30)}
    plan = plan_round(
        members, history, Constraints(not_with=not_with), NOW, exact_threshold=threshold
    )
    assert_partition(plan, ids)
    assert not plan.unmatched
    assert sum(len(g) == 3 for g in plan.groups) == n % 2
    assert all(len(g) in (2, 3) for g in plan.groups)
    for group in plan.groups:
        for a, b in itertools.combinations(group, 2):
            assert frozenset({a, b}) not in not_with
            assert frozenset({a, b}) not in history.last_paired


def test_pruned_is_close_to_exact_on_a_random_round() -> None:
    rng = random.Random(5)
    topics = [f"t{i}" for i in range(60)]
    members = [
        member(i, *rng.sample(topics, rng.randint(2, 8)), wants=tuple(rng.sample(topics, 1)))
        for i in range(120)
    ]
    exact = plan_round(members, exact_threshold=1000)
    pruned = plan_round(members, exact_threshold=0)
    assert pruned.total_score <= exact.total_score + 1e-6  # exact is the optimum
    assert pruned.total_score >= 0.9 * exact.total_score


def test_members_without_any_allowed_partner_are_reported_not_dropped() -> None:
    constraints = Constraints(not_with={frozenset({1, 2}), frozenset({1, 3}), frozenset({1, 4})})
    plan = plan_round(FOUR, None, constraints, NOW)
    assert plan.unmatched == (1,)
    assert_partition(plan, [1, 2, 3, 4])
    alone = plan_round(
        [member(1, "x"), member(2, "x")], None, Constraints(not_with={frozenset({1, 2})})
    )
    assert alone.groups == () and alone.unmatched == (1, 2)


def test_trivial_rounds() -> None:
    assert plan_round([], None, None, NOW).groups == ()
    one = plan_round([member(9, "x")], None, None, NOW)
    assert one.groups == () and one.unmatched == (9,) and one.method == "trivial"
    two = plan_round([member(1), member(2)], None, None, NOW)  # no topics at all
    assert two.groups == ((1, 2),)


def test_duplicate_member_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        plan_round([member(1, "x"), member(1, "y")])


# --- score components -------------------------------------------------------------------------


def scorer(*members: Candidate, **kw: object) -> PairScorer:
    return PairScorer(list(members), **kw)  # type: ignore[arg-type]


def test_overlap_is_a_weighted_cosine_of_knows() -> None:
    s = scorer(member(1, "rust"), member(2, "rust"), member(3, "go"), member(4, "rust", "go"))
    assert s.score_members(1, 2).overlap == pytest.approx(1.0)
    assert s.score_members(1, 3).overlap == 0.0
    assert 0.0 < s.score_members(1, 4).overlap < 1.0
    assert s.score_members(1, 2).complement == 0.0


def test_complementarity_counts_both_directions() -> None:
    w = ScoreWeights(complement=0.75)
    one_way = scorer(member(1, "rust"), member(2, "go", wants=("rust",)), weights=w)
    both = scorer(member(1, "rust", wants=("go",)), member(2, "go", wants=("rust",)), weights=w)
    assert one_way.score_members(1, 2).overlap == 0.0
    assert one_way.score_members(1, 2).complement == pytest.approx(0.75)
    assert both.score_members(1, 2).complement == pytest.approx(1.5)


def test_bridge_bonus_needs_different_channels_and_fades_with_talk() -> None:
    a, b = member(1, "x", channel="rust"), member(2, "x", channel="go")
    same = member(3, "x", channel="rust")
    unknown = member(4, "x")
    w = ScoreWeights(bridge=0.2)
    quiet = scorer(a, b, same, unknown, weights=w)
    assert quiet.score_members(1, 2).bridge == pytest.approx(0.2)
    assert quiet.score_members(1, 3).bridge == 0.0
    assert quiet.score_members(1, 4).bridge == pytest.approx(0.1)
    chatty = scorer(a, b, weights=w, constraints=Constraints(interactions={frozenset({1, 2}): 9}))
    assert chatty.score_members(1, 2).bridge == pytest.approx(0.02)


def test_penalty_is_subtracted_and_can_change_the_plan() -> None:
    penalties = {frozenset({1, 2}): 5.0, frozenset({3, 4}): 5.0}
    s = scorer(*FOUR, constraints=Constraints(penalties=penalties))
    parts = s.score_members(1, 2)
    assert parts.penalty == 5.0
    assert parts.total == pytest.approx(parts.overlap + parts.complement + parts.bridge - 5.0)
    plan = plan_round(FOUR, None, Constraints(penalties=penalties), NOW)
    assert frozenset({1, 2}) not in groups_of(plan)


def test_topics_everyone_holds_do_not_count_in_big_rounds() -> None:
    members = [member(i, "python", f"t{i // 2}") for i in range(40)]
    s = scorer(*members)
    assert "python" not in s.topic_names
    assert s.score_members(0, 2).overlap == 0.0  # only "python" in common
    assert s.score_members(0, 1).overlap == pytest.approx(1.0)


def test_vectorized_block_matches_scalar_scores() -> None:
    rng = random.Random(11)
    topics = [f"t{i}" for i in range(12)]
    members = [
        member(
            i,
            *rng.sample(topics, 3),
            wants=tuple(rng.sample(topics, rng.randint(0, 2))),
            channel=rng.choice(["a", "b", None]),
        )
        for i in range(25)
    ]
    constraints = Constraints(
        not_with={frozenset({0, 1})},
        interactions={frozenset({2, 3}): 4, frozenset({4, 5}): 1},
        penalties={frozenset({6, 7}): 0.3},
    )
    s = PairScorer(members, constraints, RoundHistory.from_rounds(3, [(2, [(8, 9)])]))
    block = s.block(np.arange(s.n))
    for i in range(s.n):
        for j in range(s.n):
            expected = s.score(i, j)
            if np.isinf(expected):
                assert np.isneginf(block[i, j]), (i, j)
            else:
                assert block[i, j] == pytest.approx(expected, abs=1e-9), (i, j)
    assert np.isneginf(block[0, 1]) and np.isneginf(block[8, 9]) and np.isneginf(block[3, 3])


def test_networkx_and_rustworkx_agree() -> None:
    rng = random.Random(3)
    edges = [(a, b, rng.randint(1, 100)) for a in range(12) for b in range(a + 1, 12)]
    weight = {(a, b): w for a, b, w in edges}

    def total(pairs: set[tuple[int, int]]) -> int:
        return sum(weight[(min(p), max(p))] for p in pairs)

    nx_pairs = matching._networkx_matching(12, edges)
    default_pairs = matching._max_weight_matching(12, edges)
    assert len(nx_pairs) == len(default_pairs) == 6
    assert total(nx_pairs) == total(default_pairs)


def test_profiles_can_be_planned_directly() -> None:
    def prof(mid: int, topic: str, channel: str):
        items = [Evidence(EvidenceKind.SHARED, ((topic, 1.0),), NOW, channel=channel)]
        return build_profile(mid, items, NOW)

    plan = plan_round([prof(1, "a", "x"), prof(2, "b", "y"), prof(3, "a", "y"), prof(4, "b", "x")])
    assert groups_of(plan) == {frozenset({1, 3}), frozenset({2, 4})}
    assert plan.pair_scores[frozenset({1, 3})].bridge > 0


@pytest.mark.parametrize("threshold", [100, 0], ids=["exact", "pruned"])
def test_pairs_who_already_talk_often_make_way_for_new_ties(threshold: int) -> None:
    # 1 and 2 share two topics but talk in the same threads all the time; 3 and 4 share one
    # each with them and have never talked: the round makes the two new ties.
    members = [
        member(1, "rust", "tokio"),
        member(2, "rust", "tokio"),
        member(3, "rust"),
        member(4, "tokio"),
    ]
    familiar = Constraints(interactions={frozenset({1, 2}): 12})
    plan = plan_round(members, None, familiar, NOW, exact_threshold=threshold)
    assert frozenset({1, 2}) not in groups_of(plan)
    scorer = PairScorer(members, familiar)
    assert scorer.score_members(1, 2).penalty > 0.5  # 12 conversations: nearly the full penalty
    assert scorer.score_members(3, 4).penalty == 0.0
    # The vectorized scores agree with the scalar ones.
    block = scorer.block(np.array([0]))
    assert block[0, 1] == pytest.approx(scorer.score(0, 1))


@pytest.mark.parametrize("threshold", [100, 0], ids=["exact", "pruned"])
def test_one_conversation_outweighs_a_closer_interest_match(threshold: int) -> None:
    # 1 and 2 know exactly the same things and talked once; 3 and 4 each share one of them
    # and nobody else talked: the round makes two new ties rather than one old one.
    members = [
        member(1, "flux", "zygote"),
        member(2, "flux", "zygote"),
        member(3, "flux", "makie", "plots"),
        member(4, "zygote", "pluto", "cuda"),
    ]
    once = Constraints(interactions={frozenset({1, 2}): 1})
    scorer = PairScorer(members, once)
    assert scorer.score_members(1, 2).penalty == pytest.approx(0.75)
    plan = plan_round(members, None, once, NOW, exact_threshold=threshold)
    assert frozenset({1, 2}) not in groups_of(plan)
    # The old weight (0.6) kept the familiar pair together.
    old = plan_round(
        members, None, once, NOW, exact_threshold=threshold, weights=ScoreWeights(familiar=0.6)
    )
    assert frozenset({1, 2}) in groups_of(old)


def test_members_with_nothing_nameable_are_paired_quickly() -> None:
    # Members whose profiles hold no nameable topic score only the channel bonus: equal
    # scores everywhere. Each still gets a partner (the time is measured in bench/intros.py
    # and by hand: 3,000 such members took 79 s before equal scores were spread, 4 s after).
    members = [Candidate(i, {}, {}, f"ch{i % 7}") for i in range(1200)]
    plan = plan_round(members, exact_threshold=0)
    assert_partition(plan, list(range(1200)))
    assert not plan.unmatched and all(len(g) == 2 for g in plan.groups)


def _named(mid: int, knows: dict[str, float], cares: str) -> Candidate:
    return Candidate(mid, knows, {}, None, Nameable(cares=frozenset({cares})))


# 1 and 2 overlap a little on a topic no intro may name; 1+3 (rust) and 2+4 (go) have a
# reason an intro can name, and nothing in their scores.
NAMED = [
    _named(1, {"rust notes": 1.0, "misc": 0.3}, "rust"),
    _named(2, {"go notes": 1.0, "misc": 0.3}, "go"),
    _named(3, {"rust docs": 1.0}, "rust"),
    _named(4, {"go docs": 1.0}, "go"),
]


@pytest.mark.parametrize("threshold", [100, 0], ids=["exact", "pruned"])
def test_a_round_prefers_more_pairs_with_a_reason_to_meet(threshold: int) -> None:
    scorer = PairScorer(NAMED)
    assert scorer.score_members(1, 3).named == scorer.weights.named > 0
    assert scorer.score_members(1, 2).named == 0.0
    assert 0 < scorer.score_members(1, 2).overlap < scorer.weights.named
    block = scorer.block(np.array([0, 1, 2, 3]))
    for i, j in itertools.permutations(range(4), 2):
        assert block[i, j] == pytest.approx(scorer.score(i, j))
    plan = plan_round(NAMED, exact_threshold=threshold)
    assert groups_of(plan) == {frozenset({1, 3}), frozenset({2, 4})}
    # On scores alone the small overlap wins: one pair, and a pair with nothing to say.
    unnamed = plan_round(NAMED, exact_threshold=threshold, weights=ScoreWeights(named=0.0))
    assert groups_of(unnamed) == {frozenset({1, 2}), frozenset({3, 4})}


@pytest.mark.parametrize("threshold", [100, 0], ids=["exact", "pruned"])
def test_a_pair_the_intro_cannot_name_loses_its_bonus_and_the_round_is_matched_again(
    threshold: int,
) -> None:
    asked: list[frozenset[int]] = []

    def explains(a: int, b: int) -> bool:  # they already discussed rust and go together
        asked.append(frozenset((a, b)))
        return False

    plan = plan_round(NAMED, exact_threshold=threshold, explains=explains)
    assert groups_of(plan) == {frozenset({1, 2}), frozenset({3, 4})}
    assert set(asked) == {frozenset({1, 3}), frozenset({2, 4})}  # each asked once
    assert len(asked) == 2
    assert all(score.named == 0.0 for score in plan.pair_scores.values())
    # A pair that can be named keeps it, and is asked about once.
    asked.clear()
    kept = plan_round(NAMED, exact_threshold=threshold, explains=lambda a, b: True)
    assert groups_of(kept) == {frozenset({1, 3}), frozenset({2, 4})}
    assert kept.pair_scores[frozenset({1, 3})].named > 0
