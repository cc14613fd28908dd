"""The pure parts of the interests feature: decay-normalized scores, vocabulary lookups,
topic parsing, the channel topic, snippets and the who-knows document."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.documents import Actions
from bot.interests.answers import (
    ADJACENT_WEIGHT,
    DISCUSSION_WEIGHT,
    THANKED_FACTOR,
    WORDLESS_FACTOR,
    answered,
)
from bot.interests.commands import convincing, evidence_spans, parse_topics, who_knows_document
from bot.interests.pipeline import (
    EPOCH,
    KNOWLEDGE_WEIGHTS,
    TOPICS_PER_MEMBER,
    Corpus,
    conversation_topics,
    epoch_days,
    knowledge_scores,
    log_add,
)
from bot.interests.profiles import Evidence, EvidenceKind, build_profile
from bot.interests.resource_text import is_weak_label, titled_by_site, without_owner
from bot.interests.service import Expert, WhoKnowsAnswer, _snippet
from bot.interests.topics import ResourceText, TopicExtractor, normalize_topic
from bot.interests.vocabulary import Vocabulary
from bot.model import Member
from bot.titles import TitleSource
from storage.interests import Action, Reply, ResourceDoc

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TOPICS = {
    1: [("rust", 1.0), ("async", 0.5)],
    2: [("postgres", 1.0), ("index", 0.8)],
    3: [("rust", 0.3)],
}


def _actions(seed: int) -> list[Action]:
    rng = random.Random(seed)
    out = []
    for _ in range(40):
        kind = rng.choice(["shared", "replied", "reacted"])
        at = NOW - timedelta(days=rng.uniform(0, 400))
        text = rng.choice(["nice one", "we use this in production", None])
        message = len(out) + 1
        out.append(
            Action(rng.choice([10, 11]), kind, at, rng.choice([1, 2, 3]), message, text, "c")
        )
    return out


@pytest.mark.parametrize("seed", range(5))
def test_stored_scores_rank_and_decay_exactly_like_profiles(seed: int) -> None:
    half_life = 30.0
    actions = _actions(seed)
    scores = knowledge_scores(actions, TOPICS, half_life)
    shift = epoch_days(NOW) / half_life
    kinds = {"shared": EvidenceKind.SHARED, "replied": EvidenceKind.REPLIED}
    for member in (10, 11):
        evidence = [
            Evidence(
                kinds.get(a.kind, EvidenceKind.REACTED),
                tuple(TOPICS[a.resource_id or 0]),
                a.at,
                snippet=a.text,
            )
            for a in actions
            if a.member_id == member
        ]
        # The same sum with the weights of knowing (discussion counts less than in a profile)
        profile = build_profile(member, evidence, NOW, half_life, weights=KNOWLEDGE_WEIGHTS)
        live = {ts.topic: 2.0 ** (ts.log_score - shift) for ts in scores[member]}
        assert live == pytest.approx(dict(profile.knows), rel=1e-6)


def test_questions_are_not_knowledge_and_the_strongest_topics_are_kept() -> None:
    asked = Action(1, "replied", NOW, 1, 100, "How do I cancel a tokio task?", "c")
    said = Action(1, "replied", NOW, 2, 101, "We do it with a token.", "c")
    scores = {ts.topic: ts for ts in knowledge_scores([asked, said], TOPICS, 90.0)[1]}
    assert set(scores) == {"postgres", "index"}
    many = {2: [(f"t{n}", 1 / (n + 1)) for n in range(TOPICS_PER_MEMBER + 20)]}
    capped = knowledge_scores([said], many, 90.0)
    assert [ts.topic for ts in capped[1]][:3] == ["t0", "t1", "t2"]
    assert len(capped[1]) == TOPICS_PER_MEMBER


def test_each_topic_keeps_its_strongest_evidence_and_counts() -> None:
    old = NOW - timedelta(days=300)
    actions = [
        Action(1, "reacted", NOW, 1, 10, None, "c"),
        Action(1, "shared", old, 1, 11, "an old share of the same link", "c"),
        Action(1, "replied", NOW, 3, 12, "we use it", "c"),
        Action(1, "shared", NOW, 2, 13, "postgres notes", "c"),
    ]
    [rust] = [ts for ts in knowledge_scores(actions, TOPICS, 30.0)[1] if ts.topic == "rust"]
    # One item per resource, the strongest first; a reaction is interest, not evidence of
    # knowing, so the old share of resource 1 stands for it.
    assert [(r.kind, r.resource_id, r.message_id) for r in rust.evidence] == [
        ("replied", 3, 12),
        ("shared", 1, 11),
    ]
    assert (rust.shared, rust.discussed) == (1, 1)  # resource 1 shared, 3 replied


@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))
def test_log_add_never_overflows(a: float, b: float) -> None:
    total = log_add(a, b)
    assert max(a, b) <= total <= max(a, b) + 1.0
    assert log_add(-math.inf, a) == a


def test_epoch_days() -> None:
    assert epoch_days(EPOCH + timedelta(days=2)) == 2.0


def test_vocabulary_completes_and_finds_longer_topics() -> None:
    vocab = Vocabulary({"postgres": 5, "postgis": 1, "async rust": 3, "rust": 9, "rustls": 2})
    assert vocab.complete("Post", 5) == ["postgres", "postgis"]
    assert vocab.complete("#rust", 5) == ["rust", "rustls", "async rust"]
    assert vocab.complete("", 2) == ["rust", "postgres"]
    assert vocab.complete("%_(", 5) == []
    assert vocab.containing("rust", 5) == ["async rust"]


def test_a_phrase_nobody_holds_leads_to_the_topics_with_its_words() -> None:
    vocab = Vocabulary(
        {"progress bar": 2, "progress": 1, "split training": 3, "pinn training": 1, "rust": 9}
    )
    # each word in turn, most popular first, the word itself where it is a topic
    assert vocab.sharing_words("training progress", 5) == [
        "split training",
        "progress bar",
        "pinn training",
        "progress",
    ]
    assert vocab.sharing_words("training progress", 2) == ["split training", "progress bar"]
    assert vocab.sharing_words("the progress", 5, skip={"the"}) == []  # one word left: no phrase
    assert vocab.sharing_words("rust", 5) == []


def test_a_japanese_compound_contains_its_words_without_spaces() -> None:
    # haskell-jp: `パーサーコンビネータ` and `モナドパーサ` are about parsers, though no
    # space marks the word; `パーサ` itself is not "longer", and Latin words keep to phrases.
    vocab = Vocabulary(
        {
            "パーサーコンビネータ": 3,
            "モナドパーサ": 5,
            "パーサ": 9,
            "型クラス": 4,
            "parser combinator": 2,
        }
    )
    assert vocab.containing("パーサ", 5) == ["モナドパーサ", "パーサーコンビネータ"]
    assert vocab.containing("型", 5) == ["型クラス"]
    assert vocab.containing("parser", 5) == ["parser combinator"]
    assert vocab.containing("pars", 5) == []


def test_parse_topics_splits_on_commas_and_hashtags_and_applies_aliases() -> None:
    aliases = {"k8s": "kubernetes"}

    def normalize(text: str) -> str | None:
        return normalize_topic(text, aliases)

    wanted, bad = parse_topics(normalize, "Machine Learning, K8s; APIs\n!!!")
    assert wanted == [
        ("Machine Learning", "machine learning"),
        ("K8s", "kubernetes"),
        ("APIs", "api"),
    ]
    assert bad == ["!!!"]
    assert parse_topics(normalize, "#rust #async-io") == (
        [("rust", "rust"), ("async-io", "async io")],
        [],
    )
    # Hashtags inside a sentence do not split it: the sentence is read as one topic.
    wanted, bad = parse_topics(normalize, "i like #rust and #go a lot")
    assert [raw for raw, _ in wanted] + bad == ["i like #rust and #go a lot"]
    assert parse_topics(normalize, "rust, Rust, RUST") == ([("rust", "rust")], [])


def test_the_channel_topic_survives_a_crowded_top_k() -> None:
    corpus = Corpus(TopicExtractor())
    chatty = ResourceText(
        messages=("postgres index planner vacuum autovacuum bloat replica wal checkpoint tuning",),
        channel_name="#databases",
    )
    found = corpus.with_channel([("postgres", 1.0)], chatty)
    assert ("database", 0.3) in found
    assert corpus.with_channel([("database", 1.0)], chatty) == [("database", 1.0)]
    assert corpus.with_channel([("x", 1.0)], ResourceText(channel_name="general")) == [("x", 1.0)]


def test_snippets_drop_links_and_markup() -> None:
    assert _snippet("Use a token: https://docs.rs/x/y") == "Use a token"
    assert _snippet("See <https://a.b/c|the guide> and <https://x.y>") == "See the guide and"
    assert _snippet("https://only.a/link") is None
    assert _snippet("x" * 500) is not None and len(_snippet("x" * 500) or "") == 300


def test_snippets_keep_a_link_the_sentence_needs_in_short() -> None:
    # the Infrahub forum: "is there a way to use <link> ?" was quoted as "is there a way to use ?"
    asked = "is there a way to use https://github.com/opsmill/infrahub-sync/blob/main/x/client.py ?"
    assert _snippet(asked) == "is there a way to use github.com/…/client.py ?"
    assert _snippet("<https://www.rust-lang.org/> is where I started") == (
        "rust-lang.org is where I started"
    )
    assert _snippet("any ideas? https://x.io/y") == "any ideas?"


def test_a_quote_leaves_out_the_lines_quoting_someone_else() -> None:
    # julialang: a member's reply opening with the message it answers ("&gt; attaching
    # scientific machine learning to gradient-based approach…") was shown as their words
    reply = (
        "&gt; attaching scientific machine learning to gradient-based approach\n"
        "&gt; will miss other approaches\n"
        "I'm already working on some SVM based approaches"
    )
    assert _snippet(reply) == "I'm already working on some SVM based approaches"
    assert _snippet("> a Discord quote\n\nmy answer: use Makie") == "my answer: use Makie"
    assert _snippet("&gt; only someone else's words") is None
    assert _snippet("julia&gt; x = 1") == "julia> x = 1"  # a prompt, not a quote


def test_an_answers_quote_keeps_the_link_that_is_the_answer() -> None:
    # julialang: "there's also <link to a PR>", answering a question, was quoted "there's
    # also": an answer shows no resource beside it, so its links stay (shortened)
    answer = "there's also <https://github.com/JuliaLang/julia/pull/37916>"
    assert _snippet(answer, link_shown=False) == "there's also github.com/…/37916"
    assert _snippet(answer) == "there's also"  # a share: the link is shown as the resource
    assert _snippet("<https://x.io/a/b|the guide>", link_shown=False) == "the guide"
    assert _snippet("https://only.a/link", link_shown=False) == "only.a/link"


def test_snippets_show_a_markdown_links_label() -> None:
    text = "try out [highcharter package](<http://jkunst.com/highcharter/hchart.html>) now"
    assert _snippet(text) == "try out highcharter package now"
    assert _snippet("see [the docs](https://docs.rs/x) first") == "see the docs first"


def test_snippets_read_slacks_escapes() -> None:
    # haskell-jp: "モナドでの `<-` の挙動" was quoted as "モナドでの `&lt;-` の挙動"
    assert _snippet("モナドでの `&lt;-` の挙動 &amp;&gt;") == "モナドでの `<-` の挙動 &>"


def test_a_profile_line_shows_the_evidence_that_names_its_topic() -> None:
    # julialang: `machine learning` rested first on "Thanks! It works!" in #machine-learning;
    # the member's answer about ML models says what the topic is
    thanks = Evidence(
        EvidenceKind.THANKED, (), NOW, resource_title="VarLad", snippet="Thanks! It works!"
    )
    answer = Evidence(
        EvidenceKind.ANSWERED,
        (),
        NOW,
        resource_title="Which machine learning library for tabular data?",
        snippet="MLJ wraps most of them",
    )
    assert convincing([thanks, answer], "machine learning") is answer
    assert convincing([thanks, answer], "gpu") is thanks  # none names it: the strongest
    assert convincing([answer, thanks], "machine learning") is answer
    # who-knows shows both, the one naming the topic first
    member = Member(1, 1, "U1", "Ana")
    expert = Expert(member, 2.0, ("machine learning",), (thanks, answer), 0, 1, False)
    text = who_knows_document(WhoKnowsAnswer("ml", "machine learning", (expert,))).plain()
    assert text.index("MLJ wraps") < text.index("Thanks! It works!")


def test_evidence_lines_name_what_was_done_where_and_when() -> None:
    ev = Evidence(
        EvidenceKind.REPLIED,
        (("rust", 1.0),),
        NOW,
        resource_title="<b>Tokio</b> tutorial " + "x" * 200,
        resource_url="https://tokio.rs/tutorial",
        snippet="we cancel with a token",
        channel="async",
    )
    from bot.documents import plain_text

    line = plain_text(evidence_spans(ev))
    assert line.startswith("discussed <b>Tokio</b> tutorial")
    assert "…" in line  # long titles are clipped
    assert "“we cancel with a token” in #async on 2026-11-02" in line
    declared = plain_text(evidence_spans(Evidence.declared("rust")))
    assert declared == "listed it with /rhizome interests add"


def test_a_reply_to_a_statement_is_no_answer_in_words_either() -> None:
    from bot.documents import plain_text

    def line(root: str) -> str:
        ev = Evidence(EvidenceKind.ANSWERED, (), NOW, resource_title=root, snippet="Welcome!")
        return plain_text(evidence_spans(ev))

    assert line("How do I cancel a tokio task?").startswith("answered “How do I cancel")
    assert line("Hi all, I'm Ada, I work on microsimulation.").startswith("replied to “Hi all")


def test_who_knows_document_offers_suggestions_as_buttons() -> None:
    doc = who_knows_document(WhoKnowsAnswer("postgrs", "postgr", (), ("postgres", "postgis")))
    text = doc.plain()
    assert "Nobody here has shared or discussed “postgrs” yet" in text
    [actions] = [b for b in doc.blocks if isinstance(b, Actions)]
    assert [b.command for b in actions.buttons] == [
        "rhizome who-knows postgres",
        "rhizome who-knows postgis",
    ]
    member = Member(1, 1, "U1", "Ana")
    found = WhoKnowsAnswer(
        "rust",
        "rust",
        (Expert(member, 2.0, ("rust", "async rust"), (Evidence.declared("rust"),), 0, 0, True),),
    )
    text = who_knows_document(found).plain()
    assert "@Ana — listed it as an interest" in text and "on rust, async rust" in text


@pytest.mark.parametrize(
    ("title", "url", "expected"),
    [
        ("JuliaGPU/CUDA.jl", "https://github.com/JuliaGPU/CUDA.jl", "CUDA.jl"),
        (
            "GitHub - lancamat1/poc-infrahub",
            "https://github.com/lancamat1/poc-infrahub",
            "GitHub - poc-infrahub",
        ),
        ("TCP/IP explained", "https://example.org/tcp", "TCP/IP explained"),  # not a code host
        ("input/output in Julia", "https://github.com/JuliaLang/julia", "input/output in Julia"),
        (None, "https://github.com/a/b", None),
        (  # a repository name alone reads as words
            "LeiG/Applied-Predictive-Modeling-with-Python",
            "https://github.com/LeiG/Applied-Predictive-Modeling-with-Python",
            "Applied Predictive Modeling with Python",
        ),
        (
            "opsmill/nornir_infrahub",
            "https://github.com/opsmill/nornir_infrahub",
            "nornir infrahub",
        ),
        ("JuliaLang/julia#33526", "https://github.com/JuliaLang/julia/pull/33526", "julia"),
        (  # a pull request's opening imperative and its (cut) author say no subject
            "Fix payload for transform webhook to align with other webhooks by o...",
            "https://github.com/opsmill/infrahub/pull/5201",
            "payload for transform webhook to align with other webhooks",
        ),
        (
            "Improve Routing by BeArchiTek",
            "https://github.com/opsmill/schema-library/pull/32",
            "Routing",
        ),
        (  # an issue keeps its words: only pull requests open with a verb
            "Fix payload docs",
            "https://github.com/opsmill/infrahub/issues/7",
            "Fix payload docs",
        ),
    ],
)
def test_a_repository_owner_is_not_what_it_is_about(
    title: str | None, url: str, expected: str | None
) -> None:
    assert without_owner(title, url) == expected


def test_a_reply_is_about_its_own_words_first_and_the_question_second() -> None:
    ex = TopicExtractor()
    got = dict(
        conversation_topics(
            lambda text: ex.topics(ResourceText(messages=(text,))),
            "How do I cancel a running tokio task?",
            "Keep the JoinHandle and call abort on it",
        )
    )
    assert "joinhandle" in got and "tokio" in got  # the subject may only be in the question
    assert got["joinhandle"] > got["tokio"]


def _reply(text: str, root: str, *, adjacent: bool, root_shares: bool = False) -> Reply:
    return Reply(7, 2, NOW, text, 1, root, "rust", root_shares, adjacent)


def test_answers_weigh_by_what_they_reply_to() -> None:
    def topics_of(question: str, reply: str, channel: str | None) -> list[tuple[str, float]]:
        return [("tokio", 1.0)]

    explain = "Tokio tasks are cancelled when the JoinHandle is aborted or the runtime stops"
    cases = [
        (_reply(explain, "How do I cancel a tokio task?", adjacent=False), 1.0),
        (_reply(explain, "How do I cancel a tokio task?", adjacent=True), ADJACENT_WEIGHT),
        (_reply(explain, "I cancel tokio tasks all day", adjacent=False), DISCUSSION_WEIGHT),
    ]
    for reply, weight in cases:
        (found,) = answered([reply], topics_of)
        assert found.weight == weight
    thanked = replace(cases[0][0], thanked=True)
    assert answered([thanked], topics_of)[0].weight == THANKED_FACTOR
    # The next message after a statement is conversation, not an answer.
    chat = _reply(explain, "I cancel tokio tasks all day", adjacent=True)
    assert answered([chat], topics_of) == []
    # A reply to a shared link that asked nothing is counted as discussing the link instead,
    # and "thanks!" is no evidence at all.
    link = _reply(explain, "Read this https://tokio.rs", adjacent=False, root_shares=True)
    assert answered([link, _reply("thanks!", "How?", adjacent=False)], topics_of) == []
    # An invitation asks for a yes, not for knowledge: its replies are discussion (Houston:
    # "and some have bug issues :wink" had answered "want to do a lightning talk on this?").
    invited = _reply(explain, "Cool! want to do a quick lightning talk on tokio?", adjacent=False)
    assert answered([invited], topics_of)[0].weight == DISCUSSION_WEIGHT


def test_a_reply_naming_no_subject_of_its_own_weighs_half() -> None:
    # julialang #releases: "No onslaught of new issues after a new RC?" - "man, I spent 3-4
    # hours on this" made the replier know `onslaught`, as much as a real answer would.
    def topics_of(question: str, reply: str, channel: str | None) -> list[tuple[str, float]]:
        return [("rc", 1.0)]

    def own(text: str) -> list[tuple[str, float]]:
        return [("backport", 1.0)] if "backport" in text else []

    question = "No onslaught of new issues after a new RC?"
    chat = _reply("man, I spent 3-4 hours on this", question, adjacent=False)
    answer = _reply("the backport branch has the fix for the RC issues", question, adjacent=False)
    found = answered([chat, answer], topics_of, own)
    assert [a.weight for a in found] == [WORDLESS_FACTOR, 1.0]
    # an answer its asker thanked for counts fully however few words it has
    thanked = answered([replace(chat, thanked=True)], topics_of, own)
    assert thanked[0].weight == THANKED_FACTOR


def test_an_everyday_last_word_of_a_url_is_named_with_its_site() -> None:
    # houstondatavis: `https://datanitro.com/trial?edx=1` was titled "Trial" and its only topic
    # was `trial`; the site's name is what the page is about.
    slug = TitleSource.SLUG
    found = titled_by_site(("Trial", slug), "https://datanitro.com/trial?edx=1")
    assert found == ("Trial | Data nitro", slug)
    assert titled_by_site(("Basics", slug), "https://www.yesodweb.com/book/basics") == (
        "Basics | Yesodweb",
        slug,
    )
    # A telling word, a phrase, another source or no site of its own: as it was.
    for kept, url in [
        (("Multiindex", slug), "https://pandas.pydata.org/docs/multiindex"),
        (("Tableau 10 houston", slug), "https://www.meetup.com/x/events/tableau-10-houston/"),
        (("Welcome all", TitleSource.SENTENCE), "https://capellasolutions.com/welcome"),
        (("Trial", slug), "https://example.org/trial"),
    ]:
        assert titled_by_site(kept, url) == kept
    assert titled_by_site(None, "https://datanitro.com/trial") is None


def test_the_communitys_own_subjects_never_include_a_members_name() -> None:
    from bot.interests.pipeline import Corpus
    from bot.interests.topics import ResourceText, TopicExtractor

    # `julia` in every document is the community's subject; `gerardo`, a member who thanks
    # everyone in every message, is a name: it is saved in the database, and forget-me must
    # leave no name behind.
    extractor = TopicExtractor(names=["Gerardo Ruiz"])
    corpus = Corpus(extractor)
    extractor.observe(
        ResourceText(title=f"Julia notes {i}", messages=(f"thanks gerardo, julia part {i}",))
        for i in range(40)
    )
    wide = corpus.community_wide()
    assert "julia" in wide and "gerardo" not in wide
    assert Corpus(TopicExtractor()).community_wide() == frozenset()  # before min_docs


@pytest.mark.parametrize(
    ("label", "url", "weak"),
    [
        # how the sentence referred to the link: the URL names it better
        ("code", "https://github.com/netket/netket/blob/2abc/netket/sr/sr_onthefly_logic.py", True),
        ("check", "https://github.com/o/poc/blob/main/checks/NetautoApplicationCheck.py", True),
        ("issue", "https://github.com/JuliaLang/julia/issues/37045", True),
        ("関数", "https://hackage.haskell.org/package/base-4.16.0.0/docs/GHC-Exts.html", True),
        ("こちらのドキュメント", "https://hackage.haskell.org/package/vector", True),
        ("[1]", "https://github.com/mschauer/GaussianDistributions.jl/issues/30", True),
        ("GitHub", "https://github.com/Lemmih/reanimate", True),  # the site's own name
        # names: kept
        ("Pluto.jl", "https://github.com/fonsp/Pluto.jl", False),
        ("megaparsec", "https://hackage.haskell.org/package/megaparsec", False),
        ("choropleth", "https://example.com/map.png", False),
        ("モナド変換子", "https://hackage.haskell.org/package/transformers", False),
        ("Async IO in Python", "https://realpython.com/async-io-python/", False),
    ],
)
def test_a_label_that_only_refers_to_the_link_is_weak(label: str, url: str, weak: bool) -> None:
    assert is_weak_label(label, url) is weak


def test_a_question_wants_the_phrase_before_its_own_words() -> None:
    # Every word of a lone question weighs the same: alphabetical order had put `collection`
    # before `garbage collection` (julialang's `sig` for "What's a sig fig?").
    corpus = Corpus(TopicExtractor())
    weighed = corpus.question_topics("How do I tune garbage collection?")
    found = [t for t, _ in weighed]
    assert found[0] == "garbage collection" and "collection" in found
    # …and the order holds where a profile sums them: each later topic weighs a little less
    weights = [w for _, w in weighed]
    assert weights == sorted(weights, reverse=True) and weights[0] > weights[-1]
    # resources keep their order: a phrase first there cost who-knows (0.83 -> 0.82)
    first, _ = corpus.extractor.topics("How do I tune garbage collection?")[0]
    assert first == "collection"


def test_a_question_about_the_communitys_common_subject_names_it() -> None:
    # Infrahub: "When do Generators run? … at creation of an object?" had wanted `creation`,
    # a word no page uses, over `generator`, on a fifth of its pages. A question weighs the
    # community's rarity by its square root, so a common subject still comes through.
    corpus = Corpus(TopicExtractor(doc_count=100, df={"generator": 20}))
    asked = "When do generators run? Can I run one at creation of an object?"
    plain = dict(corpus.extractor.topics(asked))
    wanted = dict(corpus.question_topics(asked))
    assert plain["generator"] < plain["creation"]
    assert wanted["generator"] / wanted["creation"] > plain["generator"] / plain["creation"]


def test_a_questions_headline_names_what_it_asks_about() -> None:
    # Infrahub's forum: a post's first line is its title. "Can I run one at creation of an
    # object?" had made `creation` the wish, over the `generator` the title asks about.
    corpus = Corpus(TopicExtractor())
    post = (
        "When are webhooks triggered?\n"
        "Can I get one at the creation of an object, or only in the change pipeline?"
    )
    assert corpus.question_topics(post)[0][0] == "webhook"
    # a thanks on the first line is no headline (haskell-jp: 返信ありがとうございます)
    thanks = "Thanks for the reply!\nBut the creation of an object fails again, why?"
    assert "thanks" not in dict(corpus.question_topics(thanks))
    assert corpus.question_topics(thanks)[0][0] != "reply"


def test_a_question_wants_a_subject_before_the_everyday_words_around_it() -> None:
    # haskell-jp and Houston: `プロジェクト` (project), `copy`, `device` had been wants where
    # the question named its subject beside them; an everyday word weighs less.
    corpus = Corpus(TopicExtractor())
    asked = "Where do I change the default of zygote?"
    plain = dict(corpus.extractor.topics(asked))
    assert plain["default"] == plain["zygote"]  # the words alone tie
    wanted = dict(corpus.question_topics(asked))
    assert wanted["zygote"] > wanted["default"] > 0


def test_a_wish_said_in_a_question_is_what_it_wants_not_the_background_beside_it() -> None:
    # julialang #introduction: "Originally an R and Python [user], would like to learn julia,
    # any resources or courses anyone knows of?" had made `r` a wish to learn.
    corpus = Corpus(TopicExtractor())
    asked = "Originally an R and Python user, would like to learn julia, any courses anyone knows?"
    assert [t for t, _ in corpus.question_topics(asked)] == ["julia"]
    plain = "Originally an R and Python user, any courses on julia anyone knows?"
    assert "r" in dict(corpus.question_topics(plain))  # without the wish, every topic stays


def test_a_reply_to_an_introduction_is_about_its_own_words() -> None:
    """A welcome under a newcomer's introduction does not make the welcomer know the
    newcomer's subjects (julialang: "majoring in Electrical Engineering…" welcomed with a
    first issue to try had made the welcomer known for electrical engineering)."""

    def topics_of(question: str, reply: str, channel: str | None) -> list[tuple[str, float]]:
        return [("electrical engineering", 1.0), ("first issue", 0.8)]

    def own_topics(text: str) -> list[tuple[str, float]]:
        return [("first issue", 1.0)] if "first issue" in text else []

    intro = "Hi, I'm majoring in electrical engineering, any tips on where to start?"
    welcome = _reply("This might be a good first issue to start with", intro, adjacent=False)
    (found,) = answered([welcome], topics_of, own_topics, introduces=lambda r: True)
    assert [t for t, _ in found.topics] == ["first issue"]
    (usual,) = answered([welcome], topics_of, own_topics, introduces=lambda r: False)
    assert "electrical engineering" in [t for t, _ in usual.topics]


def test_a_persons_page_is_not_about_the_site_it_is_on() -> None:
    """julialang's #introduction: "Connect with me on LinkedIn - <linkedin.com/in/…>" twice,
    and two newcomers were introduced as "You both shared about linkedin"."""
    corpus = Corpus(TopicExtractor())

    def doc(rid: int, url: str, text: str) -> ResourceDoc:
        return ResourceDoc(rid, None, None, url, (), None, (text,), "introduction")

    found = corpus.topics(
        [
            doc(1, "https://linkedin.com/in/someone-b6955a1a9", "Connect with me on LinkedIn -"),
            doc(2, "https://linkedin.com/company/acme", "Our company page on LinkedIn"),
        ]
    )
    assert "linkedin" not in dict(found[1])
    assert "linkedin" in dict(found[2])  # a company's page is not a person's
