"""One test per ranking rule of the weekly digest (see bot/digests/ranking.py's docstring)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.digests.ranking import (
    Candidate,
    RankingConfig,
    engagement,
    exclusion_reason,
    has_substantial_new_discussion,
    jaccard,
    score,
    select,
)

NOW = datetime(2026, 3, 30, 9, 0, tzinfo=UTC)


def cand(rid: int, **kw: Any) -> Candidate:
    base: dict[str, Any] = {
        "resource_id": rid,
        "url": f"https://blog.tokio.rs/r/{rid}",
        "title": f"Resource {rid}",
        "sharer_id": f"U{rid}",
        "sharer_name": f"member{rid}",
        "channel_id": f"C{rid}",
        "channel_name": f"chan{rid}",
        "first_shared_at": NOW - timedelta(days=2),
        "last_activity_at": NOW - timedelta(days=1),
        "discussants": 2,
        "replies": 2,
    }
    base.update(kw)
    return Candidate(**base)


def ids(ranked: list[Any]) -> list[int]:
    return [r.candidate.resource_id for r in ranked]


def test_distinct_discussants_outweigh_the_same_number_of_reactions() -> None:
    # Both drew four interactions; one from four people, the other from one person.
    broad = cand(1, discussants=4, replies=0, reactions=4)
    narrow = cand(2, discussants=1, replies=0, reactions=4)
    assert score(broad, NOW) > score(narrow, NOW)
    # And one discussant more beats two reactions more.
    assert score(cand(3, discussants=3, reactions=0), NOW) > score(
        cand(4, discussants=2, reactions=2), NOW
    )
    assert ids(select([narrow, broad], 2, NOW)) == [1, 2]


def test_replies_count_more_than_reactions() -> None:
    assert engagement(cand(1, replies=2, reactions=0)) > engagement(cand(2, replies=0, reactions=2))


def damped(c: Candidate) -> float:
    return float(engagement(c) ** RankingConfig().engagement_power)


def test_score_halves_every_half_life_since_last_activity() -> None:
    fresh = cand(1, last_activity_at=NOW)
    week_old = cand(1, last_activity_at=NOW - timedelta(days=7))
    assert score(fresh, NOW, half_life_days=7) == pytest.approx(damped(fresh))
    assert score(week_old, NOW, half_life_days=7) == pytest.approx(damped(fresh) / 2)
    assert score(week_old, NOW, half_life_days=3.5) == pytest.approx(damped(fresh) / 4)
    # Without activity the age counts from the first share; future stamps count as now.
    silent = cand(2, last_activity_at=None, first_shared_at=NOW - timedelta(days=14))
    assert score(silent, NOW) == pytest.approx(damped(silent) / 4)
    assert score(cand(3, last_activity_at=NOW + timedelta(hours=5)), NOW) == pytest.approx(
        damped(cand(3))
    )


def test_discussion_counts_but_does_not_swamp_what_is_shared() -> None:
    # Twelve judged weeks of real communities: replies and reactions told "learn" links from
    # the rest no better than chance, and a sharer who said why was right more often.
    lively = cand(1, discussants=4, replies=6, reactions=5)  # engagement 21.5
    quiet = cand(2, discussants=1, replies=1)  # 5
    assert score(lively, NOW) > score(quiet, NOW)  # discussion still counts ...
    assert score(lively, NOW) < 2 * score(quiet, NOW)  # ... at its fourth root
    explained = cand(3, discussants=0, replies=0, said=14)
    bare = cand(4, discussants=1, replies=1, said=0)
    assert score(explained, NOW) > score(bare, NOW)
    assert score(replace(explained, said=7), NOW) < score(bare, NOW)  # 8 words at least
    linear = RankingConfig(engagement_power=1.0, explained=1.0)
    assert ids(select([explained, bare], 1, NOW, config=linear)) == [4]
    assert ids(select([explained, bare], 1, NOW)) == [3]


def test_a_picture_or_a_placeholder_is_featured_after_pages_to_read() -> None:
    # houstondatavis: a week's digest led with screenshots (`screen_shot_….png`) and an xkcd
    # comic; julialang's with an `image.png` of another chat. None of the 23 pictures in six
    # judged weeks was judged something to learn from (bench/quality_digests.py).
    comic = cand(1, url="http://imgs.xkcd.com/comics/types.png", discussants=3, reactions=4)
    shot = cand(
        2,
        url="https://houstondatavis.slack.com/files/micahstubbs/F06AHBJ1M/sparklines.png",
        discussants=2,
    )
    local = cand(3, url="http://localhost:8888/notebooks/demo.ipynb", discussants=3)
    article = cand(4, url="http://www.randalolson.com/2014/06/28/beautiful-plots/")
    assert score(comic, NOW) < score(article, NOW) < score(replace(comic, url=article.url), NOW)
    assert ids(select([comic, shot, local, article], 4, NOW)) == [4, 1, 3, 2]
    # Pictures still fill a digest that has nothing else
    assert ids(select([shot], 1, NOW)) == [2]


def test_decay_lets_a_recent_discussion_beat_an_older_bigger_one() -> None:
    old = cand(1, discussants=4, last_activity_at=NOW - timedelta(days=14))
    recent = cand(2, discussants=3, last_activity_at=NOW)
    assert ids(select([old, recent], 2, NOW)) == [2, 1]


def test_sharer_cap_is_two_when_others_exist() -> None:
    prolific = [
        cand(i, sharer_id="UX", discussants=10 - i, channel_id=f"C{i}") for i in range(1, 5)
    ]
    others = [cand(10, discussants=1), cand(11, discussants=1, sharer_id="UY")]
    chosen = select([*prolific, *others], 4, NOW)
    assert [r.candidate.sharer_id for r in chosen].count("UX") == 2
    assert set(ids(chosen)) == {1, 2, 10, 11}
    assert not any(r.relaxed for r in chosen)


def test_sharer_cap_relaxes_when_the_sharer_is_alone() -> None:
    alone = [cand(i, sharer_id="UX", channel_id=f"C{i}", discussants=10 - i) for i in range(1, 5)]
    chosen = select(alone, 4, NOW)
    assert ids(chosen) == [1, 2, 3, 4]
    assert [r.relaxed for r in chosen] == [False, False, True, True]


def test_channel_cap_is_three_when_other_channels_exist() -> None:
    busy = [cand(i, channel_id="CA", discussants=10 - i) for i in range(1, 6)]
    quiet = [cand(10, channel_id="CB", discussants=1), cand(11, channel_id="CC", discussants=1)]
    chosen = select([*busy, *quiet], 5, NOW)
    assert [r.candidate.channel_id for r in chosen].count("CA") == 3
    assert set(ids(chosen)) == {1, 2, 3, 10, 11}
    # With no other channel the cap gives way so the digest is full.
    assert len(select(busy, 5, NOW)) == 5


def test_mmr_prefers_a_new_topic_over_a_near_duplicate() -> None:
    a = cand(1, discussants=10, topics=("python", "testing"))
    b = cand(2, discussants=9, topics=("python", "testing"))
    c = cand(3, discussants=7, topics=("design",))
    assert ids(select([a, b, c], 2, NOW)) == [1, 3]
    # Unknown topics: pure score order.
    plain = [replace(x, topics=()) for x in (a, b, c)]
    assert ids(select(plain, 2, NOW)) == [1, 2]
    # A much better item on the same topic still wins (relevance dominates with λ = 0.7).
    strong_b = replace(b, discussants=30)
    assert ids(select([a, strong_b, c], 2, NOW))[:1] == [2]


def test_jaccard() -> None:
    assert jaccard(("a", "b"), ("b", "c")) == pytest.approx(1 / 3)
    assert jaccard((), ("a",)) == 0.0
    assert jaccard(("a",), ("a",)) == 1.0


def test_previously_featured_item_is_excluded_without_new_discussion() -> None:
    featured_before = cand(1, discussants=1, replies=1, previously_featured_score=40.0)
    fresh = cand(2, discussants=0, replies=0)
    assert exclusion_reason(featured_before) == "already featured"
    assert ids(select([featured_before, fresh], 5, NOW)) == [2]


def test_three_new_discussants_bring_a_featured_item_back() -> None:
    back = cand(1, discussants=3, replies=0, previously_featured_score=1000.0)
    assert has_substantial_new_discussion(back)
    chosen = select([back], 5, NOW)
    assert ids(chosen) == [1]
    assert chosen[0].resurfaced
    assert not has_substantial_new_discussion(replace(back, discussants=2))


def test_new_discussion_worth_half_the_featured_score_brings_it_back() -> None:
    # 2 discussants, 4 replies: new discussion = 3·2 + 4 = 10.
    item = cand(1, discussants=2, replies=4)
    assert has_substantial_new_discussion(replace(item, previously_featured_score=20.0))
    assert not has_substantial_new_discussion(replace(item, previously_featured_score=20.5))
    stricter = RankingConfig(substantial_ratio=0.8)
    assert not has_substantial_new_discussion(
        replace(item, previously_featured_score=20.0), stricter
    )


def test_first_share_gets_a_small_boost() -> None:
    veteran = cand(1, discussants=2, replies=2)
    newcomer = cand(2, discussants=2, replies=2, is_first_share_of_member=True)
    assert score(newcomer, NOW) == pytest.approx(score(veteran, NOW) * 1.25)
    assert ids(select([veteran, newcomer], 2, NOW)) == [2, 1]
    # Small: two and a half times the discussion still outranks the boost.
    assert score(cand(3, discussants=6, replies=4), NOW) > score(newcomer, NOW)


def test_opted_out_sharer_still_counts_against_the_sharer_cap() -> None:
    hidden = [
        cand(i, sharer_id="UQ", sharer_opted_out=True, discussants=10 - i) for i in range(1, 4)
    ]
    chosen = select([*hidden, cand(9, discussants=0)], 3, NOW)
    assert ids(chosen) == [1, 2, 9]


def test_silenced_item_is_excluded() -> None:
    loud = cand(1, discussants=50, silenced=True)
    assert exclusion_reason(loud) == "silenced"
    assert ids(select([loud, cand(2)], 5, NOW)) == [2]


def test_private_channel_is_excluded_from_a_public_digest_only() -> None:
    secret = cand(1, discussants=9, channel_private=True)
    assert ids(select([secret, cand(2)], 5, NOW, is_public=True)) == [2]
    assert ids(select([secret, cand(2)], 5, NOW, is_public=False)) == [1, 2]


def test_include_and_exclude_channels() -> None:
    items = [cand(1, channel_id="CA"), cand(2, channel_id="CB"), cand(3, channel_id="CC")]
    assert set(ids(select(items, 5, NOW, include_channels={"CA", "CB"}))) == {1, 2}
    assert set(ids(select(items, 5, NOW, exclude_channels={"CB"}))) == {1, 3}


def test_selection_is_deterministic_and_bounded() -> None:
    twins = [cand(i, discussants=2, channel_id="C", sharer_id=f"U{i}") for i in (5, 3, 4)]
    assert ids(select(twins, 3, NOW)) == [3, 4, 5]  # equal scores: resource id breaks the tie
    assert select(twins, 0, NOW) == []
    assert [r.rank for r in select(twins, 2, NOW)] == [1, 2]
    dup = select([cand(1), cand(1, discussants=40)], 5, NOW)
    assert len(dup) == 1  # a repeated resource id is featured once


def test_bad_config_is_refused() -> None:
    with pytest.raises(ValueError, match="half_life"):
        RankingConfig(half_life_days=0)
    with pytest.raises(ValueError, match="mmr_lambda"):
        RankingConfig(mmr_lambda=1.5)


def test_the_preview_says_when_the_sharer_said_why() -> None:
    from bot.digests.commands import _score_line

    explained, bare = select([cand(1, said=12), cand(2, said=3)], 2, NOW)
    assert "the sharer said why" in _score_line(explained)
    assert "the sharer said why" not in _score_line(bare)
