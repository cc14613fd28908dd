from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.interests.profiles import (
    BARE_SHARE,
    Evidence,
    EvidenceKind,
    ExpertIndex,
    build_profile,
    is_question,
    shown_wants,
    suggest_topics,
    who_knows,
)

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
RUST = (("rust", 1.0), ("async", 0.5))


def ev(kind: EvidenceKind, days_ago: float, topics=RUST, **kw: object) -> Evidence:
    if kind is EvidenceKind.SHARED:
        kw.setdefault("snippet", "worth a read")  # a bare link counts half (see below)
    return Evidence(kind=kind, topics=topics, at=NOW - timedelta(days=days_ago), **kw)  # type: ignore[arg-type]


def test_a_bare_link_counts_half_a_share() -> None:
    said = build_profile(1, [ev(EvidenceKind.SHARED, 0)], NOW)
    bare_texts = (None, "", "https://example.org/rust", "<https://x.org/a|https://x.org/a>")
    for bare in bare_texts:
        alone = build_profile(1, [ev(EvidenceKind.SHARED, 0, snippet=bare)], NOW)
        assert alone.knows["rust"] == pytest.approx(said.knows["rust"] * BARE_SHARE), bare
    labelled = ev(EvidenceKind.SHARED, 0, snippet="<https://x.org|Rust book>")
    # a label the sharer wrote is words of their own
    assert build_profile(1, [labelled], NOW).knows["rust"] == said.knows["rust"]


@pytest.mark.parametrize(
    "text",
    [
        "How do I cancel tokio tasks",
        "does anyone know a good borrow checker guide",
        "Anyone tried axum with sqlx",
        "is this still maintained?",
        "is this still maintained? I saw no commits",
        "これは何ですか？",
        "¿Alguien sabe cómo usar tokio",
        "هل هذا جيد؟",
        "what's the best way to learn rust",
        "Has anyone used this in production",
        "I'm trying to get async closures working",
        # Help requests without a question mark (Discord forum posts often read like this).
        "I am unable to get an IPAddress resource pool working for a node",
        "I'm getting a strange error when loading the schema",
        "i can't figure out the nornir inventory",
        "We need some help with generators",
    ],
)
def test_questions_are_detected(text: str) -> None:
    assert is_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "Here is the tokio tutorial https://tokio.rs/tokio/tutorial?lang=en",
        "I wrote about async cancellation",
        "use `x?.y` in the code",
        "> does anyone know this?\nyes, it's in the docs",
        "Great article, thanks!",
        "You need help from the docs for that",  # advice to someone else
        "It was unable to connect, so I restarted the worker",
    ],
)
def test_statements_are_not_questions(text: str | None) -> None:
    assert not is_question(text)


def test_weights_by_kind_and_declared_interests() -> None:
    profile = build_profile(
        7,
        [
            ev(EvidenceKind.SHARED, 0, topics=(("rust", 1.0),)),
            ev(EvidenceKind.REPLIED, 0, topics=(("go", 1.0),)),
            ev(EvidenceKind.REACTED, 0, topics=(("zig", 1.0),)),
            Evidence.declared("haskell"),
        ],
        NOW,
    )
    assert profile.member_id == 7
    assert profile.knows == pytest.approx({"rust": 3.0, "go": 2.0, "haskell": 2.5})
    assert profile.interested == pytest.approx({"zig": 1.0})  # reacting is interest
    assert profile.wants == {}


def test_decay_halves_weight_every_half_life_but_not_declared() -> None:
    old = [ev(EvidenceKind.SHARED, 90, topics=(("rust", 1.0),)), Evidence.declared("go", NOW)]
    profile = build_profile(1, old, NOW, half_life=90)
    assert profile.knows["rust"] == pytest.approx(1.5)
    assert profile.knows["go"] == pytest.approx(2.5)
    # A year later the share has nearly faded; the declared interest has not.
    later = build_profile(1, old, NOW + timedelta(days=270), half_life=timedelta(days=90))
    assert later.knows["rust"] == pytest.approx(3.0 / 16)
    assert later.knows["go"] == pytest.approx(2.5)
    # A shorter half-life fades faster; future timestamps (clock skew) count as new.
    assert build_profile(1, old, NOW, half_life=30).knows["rust"] == pytest.approx(3.0 / 8)
    future = build_profile(1, [ev(EvidenceKind.SHARED, -5, topics=(("x", 1.0),))], NOW)
    assert future.knows["x"] == pytest.approx(3.0)
    with pytest.raises(ValueError):
        build_profile(1, old, NOW, half_life=0)


def test_questions_go_to_wants_not_knows() -> None:
    profile = build_profile(
        2,
        [
            ev(EvidenceKind.SHARED, 0, topics=(("python", 1.0),)),
            ev(EvidenceKind.REPLIED, 0, topics=(("tokio", 1.0),), snippet="how do I cancel tasks?"),
            ev(EvidenceKind.ASKED, 0, topics=(("wasm", 1.0),), snippet="what is wasi"),
        ],
        NOW,
    )
    assert set(profile.knows) == {"python"}
    assert profile.wants == pytest.approx({"tokio": 2.0, "wasm": 2.0})
    (asked,) = profile.evidence("tokio", wants=True)
    assert asked.kind is EvidenceKind.ASKED
    assert asked.snippet == "how do I cancel tasks?"
    assert profile.evidence("tokio", wants=False) == ()


def test_evidence_is_strongest_first_and_capped() -> None:
    items = [
        ev(EvidenceKind.REACTED, 1, resource_title="weak"),
        ev(EvidenceKind.SHARED, 1, resource_title="strong"),
        *[ev(EvidenceKind.REACTED, 400 + i, resource_title=f"old{i}") for i in range(10)],
    ]
    profile = build_profile(3, items, NOW, evidence_per_topic=3)
    titles = [e.resource_title for e in profile.evidence("rust")]
    assert titles == ["strong", "weak", "old0"]


def test_main_channel_is_where_most_weight_is() -> None:
    items = [
        ev(EvidenceKind.SHARED, 0, channel="rust"),
        ev(EvidenceKind.REACTED, 0, channel="general"),
        ev(EvidenceKind.REACTED, 0, channel="general"),
    ]
    assert build_profile(4, items, NOW).main_channel == "rust"
    assert build_profile(4, [Evidence.declared("x")], NOW).main_channel is None


def _profiles() -> list:
    ana = build_profile(
        1,
        [
            ev(EvidenceKind.SHARED, 1, topics=(("rust", 1.0),), resource_title="Tokio tutorial"),
            ev(EvidenceKind.SHARED, 2, topics=(("async rust", 1.0),), resource_title="Async book"),
        ],
        NOW,
    )
    ben = build_profile(
        2,
        [ev(EvidenceKind.REPLIED, 1, topics=(("rust", 1.0),), resource_title="Rustonomicon")],
        NOW,
    )
    cy = build_profile(3, [ev(EvidenceKind.SHARED, 1, topics=(("kubernetes", 1.0),))], NOW)
    dee = build_profile(
        4, [ev(EvidenceKind.ASKED, 1, topics=(("rust", 1.0),), snippet="how?")], NOW
    )
    eve = build_profile(5, [ev(EvidenceKind.REACTED, 1, topics=(("rust", 1.0),))], NOW)
    return [ana, ben, cy, dee, eve]


def test_who_knows_ranks_members_with_their_evidence() -> None:
    experts = who_knows("Rust", _profiles(), limit=5)
    # Dee only asked and Eve only reacted: neither knows rust.
    assert [e.member_id for e in experts] == [1, 2]
    ana = experts[0]
    assert ana.topics[0] == "rust" and "async rust" in ana.topics
    assert [e.resource_title for e in ana.evidence] == ["Tokio tutorial", "Async book"]
    assert experts[1].evidence[0].resource_title == "Rustonomicon"
    assert ana.score > experts[1].score


def test_who_knows_limit_exclude_aliases_and_unknown() -> None:
    index = ExpertIndex(_profiles())
    assert [e.member_id for e in index.who_knows("rust", limit=1)] == [1]
    assert [e.member_id for e in index.who_knows("rust", exclude={1})] == [2]
    assert [e.member_id for e in index.who_knows("k8s", aliases={"k8s": "kubernetes"})] == [3]
    assert index.who_knows("cobol") == []
    assert index.who_knows("the") == []
    assert index.who_knows("rust", limit=0) == []


def test_suggestions_for_a_misspelled_topic() -> None:
    index = ExpertIndex(_profiles())
    assert suggest_topics("kubernets", index.topics())[0] == "kubernetes"
    assert suggest_topics("rsut", ["rust", "ruby", "go"])[0] == "rust"
    assert suggest_topics("zzzzqqq", index.topics()) == []
    assert suggest_topics("", index.topics()) == []


def test_a_profile_shows_each_question_once() -> None:
    # houstondatavis: "have you seen this medical pathways database before?" gave three lines
    # of "Wants to learn", each quoting it.
    def asked(mid: int, text: str) -> Evidence:
        return ev(EvidenceKind.ASKED, 1, (), message_id=mid, snippet=text)

    pathways = asked(1, "have you seen this medical pathways database before?")
    slides = asked(2, "is there a link for the slides?")
    shown = shown_wants(
        [
            ("medical pathway", [pathways]),
            ("pathway", [pathways]),
            ("slide", [slides]),
            ("pathways database", [pathways]),
        ],
        3,
    )
    assert [(t, e.message_id) for t, e in shown] == [("medical pathway", 1), ("slide", 2)]
    # A topic asked about in a question already quoted shows with another question of its own.
    shown = shown_wants([("slide", [slides]), ("talk", [slides, pathways])], 3)
    assert [(t, e.message_id) for t, e in shown] == [("slide", 2), ("talk", 1)]
    assert len(shown_wants([(f"topic{i}", [asked(i, "?")]) for i in range(10, 20)], 3)) == 3
    # One subject is one line, whichever question quotes it: `fig` adds nothing to `sig fig`.
    sig_fig, fig_again = asked(3, "What's a sig fig?"), asked(4, "and a fig?")
    shown = shown_wants([("sig fig", [sig_fig]), ("fig", [fig_again]), ("slide", [slides])], 3)
    assert [t for t, _ in shown] == ["sig fig", "slide"]
