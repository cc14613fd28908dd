from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.documents import Document, Link, Mention
from bot.interests.profiles import Evidence, EvidenceKind, Profile, build_profile
from bot.intros.explain import (
    CENTRAL_TOPICS,
    _cares,
    explain_group,
    explain_pair,
    focus,
    nameable,
)

NOW = datetime(2025, 6, 1, tzinfo=UTC)
NAMES = {1: "Ana", 2: "Ben", 3: "Cy"}
TOKIO = "https://tokio.rs/tokio/tutorial"


def ev(kind: EvidenceKind, topic: str, title: str | None = None, url: str | None = None, **kw):
    return Evidence(
        kind=kind,
        topics=((topic, 1.0),),
        at=NOW - timedelta(days=1),
        resource_title=title,
        resource_url=url,
        **kw,
    )


ANA = build_profile(
    1,
    [
        ev(EvidenceKind.SHARED, "rust async", "Tokio tutorial", TOKIO),
        ev(EvidenceKind.SHARED, "gardening", "Compost 101", "https://example.org/compost"),
    ],
    NOW,
)
BEN = build_profile(
    2,
    [
        ev(
            EvidenceKind.REPLIED,
            "rust async",
            "Tokio tutorial",
            TOKIO,
            snippet="how do I cancel tasks?",
        ),
        ev(EvidenceKind.SHARED, "chess engine", "Endgame basics", "https://example.org/chess"),
    ],
    NOW,
)


def test_teaching_reason_quotes_real_titles_and_questions() -> None:
    explanation = explain_pair(ANA, BEN)
    text = explanation.text(NAMES)
    assert explanation.topics == ("rust async",)
    assert text.splitlines()[0] == (
        "Ben wants to learn about rust async and Ana knows it: Ana shared 'Tokio tutorial', "
        "Ben asked “how do I cancel tasks?”"
    )
    # Nothing that neither of them did is mentioned.
    assert "gardening" not in text and "chess" not in text
    assert explanation.starter is not None
    assert explanation.starter.url == TOKIO
    assert explanation.starter.member_id == 1
    assert text.splitlines()[-1] == f"To start: 'Tokio tutorial' <{TOKIO}> (shared by Ana)"


def test_shared_interest_reason_names_both_resources() -> None:
    cy = build_profile(
        3, [ev(EvidenceKind.SHARED, "rust async", "Async book", "https://x.org/ab")], NOW
    )
    explanation = explain_pair(ANA, cy)
    (line, starter_line) = explanation.lines(NAMES)
    assert (
        line
        == "You both shared about rust async: Ana shared 'Tokio tutorial', Cy shared 'Async book'"
    )
    # Each has something the other has not seen; the stronger reason's first holder starts.
    assert "To start:" in starter_line


def test_no_common_evidence_means_no_reasons_and_no_starter() -> None:
    stranger = build_profile(
        3, [ev(EvidenceKind.SHARED, "knitting", "Socks", "https://k.org")], NOW
    )
    explanation = explain_pair(ANA, stranger)
    assert explanation.reasons == ()
    assert explanation.starter is None
    assert explanation.text(NAMES) == ""


def test_reactions_declared_and_missing_titles_are_described_truthfully() -> None:
    a = build_profile(1, [Evidence.declared("zig")], NOW)
    b = build_profile(2, [ev(EvidenceKind.REACTED, "zig", None, "https://ziglang.org/learn")], NOW)
    (line, starter) = explain_pair(a, b).lines(NAMES)
    assert line == (
        "You both care about zig: Ana listed it as an interest, "
        "Ben reacted to 'https://ziglang.org/learn'"
    )
    assert (
        starter
        == "To start: 'https://ziglang.org/learn' <https://ziglang.org/learn> (reacted to by Ben)"
    )


def test_both_want_and_limits() -> None:
    a = build_profile(1, [ev(EvidenceKind.ASKED, "wasm", snippet="what is wasi " + "x" * 200)], NOW)
    b = build_profile(2, [ev(EvidenceKind.ASKED, "wasm", snippet="is wasm fast?")], NOW)
    explanation = explain_pair(a, b)
    (line,) = explanation.lines(NAMES)
    assert line.startswith("You both want to learn about wasm: Ana asked “what is wasi x")
    assert "…”" in line and len(line) < 200
    assert explanation.starter is None  # questions are not resources


def test_overlapping_topics_are_not_repeated_and_reasons_are_capped() -> None:
    topics = ["rust", "rust async", "go", "zig", "ocaml", "elm"]
    a = build_profile(
        1, [ev(EvidenceKind.SHARED, t, f"A on {t}", f"https://a/{t}") for t in topics], NOW
    )
    b = build_profile(
        2, [ev(EvidenceKind.SHARED, t, f"B on {t}", f"https://b/{t}") for t in topics], NOW
    )
    explanation = explain_pair(a, b, max_reasons=3)
    assert len(explanation.reasons) == 3
    chosen = explanation.topics
    assert not ("rust" in chosen and "rust async" in chosen)


def test_trio_names_the_two_members_each_reason_is_about() -> None:
    cy = build_profile(
        3, [ev(EvidenceKind.SHARED, "chess engine", "Openings", "https://example.org/op")], NOW
    )
    explanation = explain_group([ANA, BEN, cy])
    lines = explanation.lines(NAMES)
    assert any(line.startswith("Ben and Cy both shared about chess engine") for line in lines)
    assert any(line.startswith("Ben wants to learn about rust async") for line in lines)


def test_blocks_use_mentions_and_a_link() -> None:
    mentions = {1: Mention("Ana", "U1"), 2: Mention("Ben", "U2")}
    blocks = explain_pair(ANA, BEN).blocks(mentions)
    first = blocks[0].content  # type: ignore[union-attr]
    assert Mention("Ben", "U2") in first and Mention("Ana", "U1") in first
    last = blocks[-1].content  # type: ignore[union-attr]
    assert Link(TOKIO, "Tokio tutorial") in last
    plain = Document(blocks).plain()
    assert "@Ben wants to learn about rust async" in plain


def test_no_reason_from_junk_topics_and_no_starter_from_placeholder_private_or_image_links() -> (
    None
):
    a = build_profile(
        1,
        [
            ev(EvidenceKind.SHARED, "image.png", None, "https://files.example.net/image.png"),
            ev(EvidenceKind.SHARED, "5x", None, "https://k.org/5x"),
            ev(EvidenceKind.SHARED, "terraform", "Config", "https://example.org/config"),
            ev(EvidenceKind.SHARED, "terraform", "Local", "https://172.17.0.1:5000/x"),
            ev(EvidenceKind.SHARED, "terraform", "Diagram", "https://cdn.site.io/diagram.png"),
        ],
        NOW,
    )
    b = build_profile(
        2,
        [
            ev(EvidenceKind.SHARED, "image.png", None, "https://files.example.net/image.png"),
            ev(EvidenceKind.SHARED, "5x", None, "https://k.org/5x"),
            ev(EvidenceKind.REPLIED, "terraform", "Modules", "https://developer.hashicorp.com/m"),
        ],
        NOW,
    )
    explanation = explain_pair(a, b)
    assert [r.topic for r in explanation.reasons] == ["terraform"]
    assert explanation.starter is not None
    assert explanation.starter.url == "https://developer.hashicorp.com/m"
    only_junk = explain_pair(
        build_profile(3, [ev(EvidenceKind.SHARED, "image.png", None, "https://x.io/a.png")], NOW),
        build_profile(4, [ev(EvidenceKind.SHARED, "image.png", None, "https://x.io/a.png")], NOW),
    )
    assert only_junk.reasons == () and only_junk.starter is None  # a "widen the circle" intro


def test_the_form_two_links_took_is_no_shared_interest() -> None:
    # "You both shared about slide": two speakers' decks say how each shared, not what about
    def decks(member: int) -> Profile:
        return build_profile(
            member,
            [
                ev(EvidenceKind.SHARED, "slide", "My talk", f"https://example.org/{member}/a"),
                ev(
                    EvidenceKind.SHARED, "slide", "My other talk", f"https://example.org/{member}/b"
                ),
            ],
            NOW,
        )

    assert explain_pair(decks(1), decks(2)).reasons == ()


# --- what may be named (issue #21: intros that name a real shared interest) --------------------


def shared(topics: dict[str, float], title: str, url: str, rid: int, **kw) -> Evidence:
    """One shared resource with several topics, as the topic pipeline attaches them."""
    return Evidence(
        kind=EvidenceKind.SHARED,
        topics=tuple(topics.items()),
        at=NOW - timedelta(days=1),
        resource_title=title,
        resource_url=url,
        resource_id=rid,
        **kw,
    )


def test_community_wide_topics_are_never_reasons() -> None:
    # Julia people both sharing about "julia" (and about flux): only flux connects them.
    a = build_profile(
        1,
        [
            shared({"julia": 1.0}, "JuliaLang/julia", "https://github.com/JuliaLang/julia", 1),
            shared({"julia": 1.0}, "Julia docs", "https://docs.julialang.org/", 5),
            shared({"flux": 0.8}, "FluxML/Flux.jl", "https://github.com/FluxML/Flux.jl", 2),
        ],
        NOW,
    )
    b = build_profile(
        2,
        [
            shared({"julia": 1.0}, "Julia 1.6 highlights", "https://julialang.org/blog/x", 3),
            shared({"julia": 1.0}, "Julia 1.7 highlights", "https://julialang.org/blog/y", 6),
            shared({"flux": 0.5}, "Flux docs", "https://fluxml.ai/Flux.jl/stable/", 4),
        ],
        NOW,
    )
    assert set(explain_pair(a, b).topics) == {"julia", "flux"}  # nobody said what is common
    explanation = explain_pair(a, b, common={"julia": 0.6, "flux": 0.05})
    assert explanation.topics == ("flux",)
    assert explanation.starter is not None and "flux" in explanation.starter.url.lower()


def test_only_a_members_strongest_topics_are_named() -> None:
    # Ana shared a dozen things about observability; once she joined a thread that also
    # mentioned "emacs". Ben loves emacs. Emacs is not what Ana cares about.
    subjects = ["tracing", "metrics", "prometheus", "grafana", "jaeger", "opentelemetry",
                "loki", "alerting", "dashboards", "kubernetes", "kafka", "profiling"]  # fmt: skip
    assert len(subjects) == CENTRAL_TOPICS
    obs = [
        shared({t: 1.0}, f"About {t}", f"https://o.dev/{t}", 10 + i) for i, t in enumerate(subjects)
    ]
    ana = build_profile(1, [*obs, shared({"emacs": 0.1}, "Thread", "https://x.dev/t", 99)], NOW)
    ben = build_profile(2, [shared({"emacs": 1.0}, "Emacs tips", "https://e.org/t", 50)], NOW)
    assert "emacs" not in _cares(focus(ana))
    assert explain_pair(ana, ben).reasons == ()  # an honest "widen the circle" intro


def test_one_conversation_gives_one_reason_and_is_no_reason_to_meet_if_it_is_all() -> None:
    # Both argued in the same thread about the code of conduct, whose topics are many
    # words: that is one conversation they already had, not three shared interests.
    thread = {"politics": 1.0, "opinion": 0.9, "belief": 0.8}
    url = "https://julialang.slack.com/archives/C1/p1"
    a = build_profile(1, [shared(thread, "RMS open letter thread", url, 7)], NOW)
    a2 = build_profile(
        1,
        [
            shared(thread, "RMS open letter thread", url, 7),
            shared({"politics": 1.0}, "Politics in OSS", "https://lwn.net/Articles/1/", 9),
        ],
        NOW,
    )
    b = build_profile(
        2,
        [ev(EvidenceKind.REPLIED, t, "RMS open letter thread", url, resource_id=7) for t in thread],
        NOW,
    )
    assert explain_pair(a, b).reasons == ()
    # Each with a resource of their own about politics: one reason, said once.
    b2 = build_profile(
        2,
        [
            *[
                ev(EvidenceKind.REPLIED, t, "RMS open letter thread", url, resource_id=7)
                for t in thread
            ],
            shared(thread, "Why no politics here", "https://discourse.example.net/t/9", 8),
        ],
        NOW,
    )
    assert explain_pair(a, b2).reasons == ()  # a knows it only from that conversation
    assert explain_pair(a2, b2).topics == ("politics",)


def test_a_prolific_askers_one_off_word_is_no_wish_to_learn() -> None:
    teacher = build_profile(
        1, [shared({"docker": 1.0}, "Docker logs", "https://docs.docker.com/logs", 1)], NOW
    )
    questions = [
        ev(EvidenceKind.ASKED, t, snippet=f"how do I {t}? ({i})")
        for i, t in enumerate(["stack", "stack", "lens", "lens", "cabal", "cabal", "hoogle"])
    ]
    asker = build_profile(
        2, [*questions, ev(EvidenceKind.ASKED, "docker", snippet="did you use docker?")], NOW
    )
    assert explain_pair(teacher, asker, min_questions=2).reasons == ()
    # Asked twice, it is a wish; and someone who asks little may ask once.
    twice = build_profile(
        2,
        [*questions, *(ev(EvidenceKind.ASKED, "docker", snippet=f"docker {i}?") for i in range(2))],
        NOW,
    )
    assert explain_pair(teacher, twice, min_questions=2).topics == ("docker",)
    once = build_profile(3, [ev(EvidenceKind.ASKED, "docker", snippet="docker logs?")], NOW)
    assert explain_pair(teacher, once, min_questions=2).topics == ("docker",)
    # What matching is told each side could be named for follows the same rules.
    assert "docker" in nameable(teacher, min_questions=2).knows
    assert "docker" not in nameable(asker, min_questions=2).wants
    assert "docker" in nameable(twice, min_questions=2).wants
    assert "docker" in nameable(once, min_questions=2).wants
    assert nameable(asker, min_questions=2).knows == frozenset()  # asking is not knowing


def test_what_a_member_could_be_named_for_leaves_out_junk_and_common_topics() -> None:
    member = build_profile(
        1,
        [
            shared({"kubernetes": 1.0}, "Kubernetes operators", "https://k8s.io/ops", 1),
            shared({"image.png": 1.0}, "image.png", "https://files.example/image.png", 2),
            shared({"julia": 1.0}, "Julia 1.10", "https://julialang.org/blog/1.10", 3),
        ],
        NOW,
    )
    named = nameable(member, {"julia": 0.8})
    assert named.cares == named.knows == frozenset({"kubernetes"})
    assert named.wants == frozenset()


def test_strengths_compare_a_long_ago_member_with_a_fresh_one_fairly() -> None:
    # A member whose evidence decayed for years still has strongest topics of their own.
    old = build_profile(
        1,
        [
            Evidence(
                EvidenceKind.SHARED,
                (("parsec", 1.0),),
                at=NOW - timedelta(days=2000),
                resource_title="Parsec tutorial",
                resource_url="https://hackage.haskell.org/package/parsec",
                resource_id=1,
            )
        ],
        NOW,
    )
    new = build_profile(
        2, [shared({"parsec": 1.0}, "Megaparsec", "https://markkarpov.com/megaparsec", 2)], NOW
    )
    (reason,) = explain_pair(old, new).reasons
    assert reason.topic == "parsec" and reason.strength == 1.0


def test_a_topic_they_already_discussed_together_is_no_news() -> None:
    # Shabear answered in hl's thread about ipfabric sync; each has more of their own on it.
    thread = "https://discord.com/channels/1/2/3"
    answerer = build_profile(
        1,
        [
            ev(EvidenceKind.REPLIED, "ipfabric", "hl's sync config", thread, resource_id=3),
            shared({"ipfabric": 1.0}, "Sync adapters", "https://docs.infrahub.app/sync", 4),
        ],
        NOW,
    )
    asker = build_profile(
        2,
        [
            shared({"ipfabric": 1.0}, "hl's sync config", thread, 3),
            shared({"ipfabric": 1.0}, "IP Fabric API", "https://docs.ipfabric.io/api", 5),
        ],
        NOW,
    )
    assert explain_pair(answerer, asker).topics == ("ipfabric",)  # true, and shown by both
    assert explain_pair(answerer, asker, not_met=True).reasons == ()  # but they met over it


def test_a_second_reason_must_bring_new_evidence_of_both_members() -> None:
    # Damien's one thread is about artifact definitions and, in passing, a button: after the
    # artifact reason, "button" from the same thread of his only says a weaker word twice.
    damien_thread = "https://discord.example.net/forum/artifacts"
    a = build_profile(
        1,
        [
            shared(
                {"artifact definition": 1.0, "button": 0.6}, "My artifact works", damien_thread, 7
            ),
        ],
        NOW,
    )
    b = build_profile(
        2,
        [
            shared(
                {"artifact definition": 1.0}, "Artifact guide fails", "https://x.example.net/a", 8
            ),
            shared({"button": 1.0}, "Merge button greyed out", "https://x.example.net/b", 9),
        ],
        NOW,
    )
    assert explain_pair(a, b).topics == ("artifact definition",)


def test_a_members_central_topics_are_subjects_before_everyday_words() -> None:
    # One thread each, about as strong: "artifact definition" says what Wim works on,
    # "click" (an everyday word) does not; with room for one central topic, the subject stays.
    wim = build_profile(
        1,
        [
            shared({"click": 1.0}, "Where do I click?", "https://f.example.net/1", 1),
            shared({"artifact definition": 0.9}, "Artifacts", "https://f.example.net/2", 2),
        ],
        NOW,
    )
    assert set(_cares(focus(wim, central=1))) == {"artifact definition"}


def test_a_wish_to_learn_an_everyday_word_needs_two_questions() -> None:
    """One question that said `server` is no wish to learn about servers; two are (to a
    member who shared about servers in #servers). Sharing about an everyday subject in a
    channel named for it (`database` in #databases) counts once each."""
    teacher = build_profile(
        1,
        [
            ev(
                EvidenceKind.SHARED,
                "server",
                "Running a server",
                "https://example.org/srv",
                channel="servers",
            ),
            ev(
                EvidenceKind.SHARED,
                "database",
                "Indexing 101",
                "https://example.org/idx",
                channel="databases",
            ),
        ],
        NOW,
    )

    def learner(questions: int) -> object:
        return build_profile(
            2,
            [
                ev(EvidenceKind.ASKED, "server", snippet=f"how do I log in to the server ({i})?")
                for i in range(questions)
            ]
            + [ev(EvidenceKind.SHARED, "database", "WAL mode", "https://example.org/wal")],
            NOW,
        )

    once = explain_pair(teacher, learner(1))  # type: ignore[arg-type]
    assert once.topics == ("database",)
    twice = explain_pair(teacher, learner(2))  # type: ignore[arg-type]
    assert "server" in twice.topics and twice.reasons[0].kind == "teaches"
    # A rarer word is wished for after one question.
    zygote = [
        build_profile(1, [ev(EvidenceKind.SHARED, "zygote", "Z", "https://example.org/z")], NOW),
        build_profile(2, [ev(EvidenceKind.ASKED, "zygote", snippet="zygote or enzyme?")], NOW),
    ]
    assert explain_pair(*zygote).topics == ("zygote",)


def test_an_everyday_word_used_in_passing_is_no_reason() -> None:
    """`server`, `定義` (definition), `profile`: over every pair of the judged candidates each
    such reason was irrelevant. Two links each, or a channel named for it, make it a shared
    subject; teaching one takes the channel."""

    def member(mid: int, topic: str, times: int, channel: str = "general") -> object:
        return build_profile(
            mid,
            [
                ev(
                    EvidenceKind.SHARED,
                    topic,
                    f"Page {mid}.{i}",
                    f"https://example.org/{mid}/{i}",
                    channel=channel,
                    resource_id=100 * mid + i,
                )
                for i in range(times)
            ],
            NOW,
        )

    def reasons(one: object, other: object) -> tuple[str, ...]:
        return explain_pair(one, other).topics  # type: ignore[arg-type]

    assert reasons(member(1, "定義", 1), member(2, "定義", 1)) == ()
    assert reasons(member(1, "server", 1), member(2, "server", 1)) == ()
    # about 6 per million words is everyday too: `documentation`, `ping`, `ドキュメント`
    # (haskell-jp: one link each had made "you both shared about ドキュメント")
    for word in ("documentation", "ping", "ドキュメント"):
        assert reasons(member(1, word, 1), member(2, word, 1)) == ()
        assert reasons(member(1, word, 2), member(2, word, 2)) == (word,)
    assert reasons(member(1, "server", 2), member(2, "server", 2)) == ("server",)
    assert reasons(member(1, "server", 1, "servers"), member(2, "server", 1)) == ("server",)
    # a rarer word is a subject after one link each
    assert reasons(member(1, "zygote", 1), member(2, "zygote", 1)) == ("zygote",)
    # teaching an everyday word: the learner's two questions are not enough without the channel
    asked = [
        ev(EvidenceKind.ASKED, "profile", snippet=f"how do I set a profile ({i})?")
        for i in range(2)
    ]
    learner = build_profile(2, asked, NOW)
    assert reasons(member(1, "profile", 3), learner) == ()
    assert reasons(member(1, "profile", 1, "profiles"), learner) == ("profile",)


def test_the_evidence_quoted_says_the_topic_by_itself_not_only_by_its_channel() -> None:
    # A link with little text of its own in #machine-learning is about machine learning by
    # its channel alone; the reason quotes what said it (it was "Sukera shared
    # 'Killedbygoogle'").
    ml = "machine learning"
    channel_only = Evidence(
        kind=EvidenceKind.SHARED,
        topics=((ml, 1.0),),
        at=NOW,
        resource_title="Killedbygoogle",
        resource_url="https://killedbygoogle.com/",
        channel="machine-learning",
        resource_id=7,
    )
    said = Evidence(
        kind=EvidenceKind.SHARED,
        topics=((ml, 0.8),),
        at=NOW - timedelta(days=30),
        resource_title="Julia for Machine Learning",
        resource_url="https://juliacomputing.com/ml",
        channel="community",
        resource_id=8,
    )
    sukera = build_profile(1, [channel_only, said], NOW)
    chris = build_profile(2, [ev(EvidenceKind.SHARED, ml, "SciML", "https://sciml.ai/")], NOW)
    explanation = explain_pair(sukera, chris)
    text = explanation.text(NAMES)
    assert "Julia for Machine Learning" in text and "Killedbygoogle" not in text
    # with nothing else to quote, the channel's own link still serves
    alone = build_profile(1, [channel_only], NOW)
    assert "Killedbygoogle" in explain_pair(alone, chris).text(NAMES)
