from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.interests.terms import load_lexicons
from bot.interests.topics import (
    HOST_CONTAINER,
    ResourceText,
    TopicExtractor,
    extract_hashtags,
    normalize_topic,
    prepare_aliases,
    singularize,
)

ALIASES = {"k8s": "Kubernetes", "JS": "JavaScript", "ML": "machine learning"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Python 3", "python"),
        ("python", "python"),
        ("Python 3.12", "python"),
        ("Rust's", "rust"),
        ("Rust’s", "rust"),
        ("rust", "rust"),
        ("APIs", "api"),
        ("API", "api"),
        ("libraries", "library"),
        ("classes", "class"),
        ("caches", "cache"),
        ("databases", "database"),
        ("Kubernetes", "kubernetes"),  # looks plural, is a name
        ("Texas", "texas"),  # names in -as are not plurals (Houston: `texa`, julialang:
        ("Christmas", "christmas"),  # `christma`) ...
        ("schemas", "schema"),  # ... words in -a have them
        ("lambdas", "lambda"),
        ("timeseries", "timeseries"),  # julialang: `timesery`
        ("subspecies", "subspecies"),
        ("analysis", "analysis"),
        ("the Rust book", "rust book"),
        ("Async Rust!", "async rust"),
        ("Machine-Learning", "machine learning"),
        ("node.js", "node"),  # package spellings name their subject
        ("Flux.jl", "flux"),
        ("DataFrames.jl", "dataframe"),
        ("d3.js", "d3"),
        ("serde-rs", "serde"),
        ("py-yaml", "yaml"),
        ("C++", "c++"),
        ("C#", "c#"),
        ("#rust", "rust"),
        ("Python 3.12 tutorials", "python tutorial"),
        ("データ", "データ"),
        ("object files", "object file"),  # `file` ends a subject's name...
        ("YAML files", "yaml file"),
    ],
)
def test_normalize_topic_folds_case_plurals_punctuation(text: str, expected: str) -> None:
    assert normalize_topic(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        *("", "   ", "the", "3.11", "thanks", "and the", "!!!", "a" * 100, "idk", "fwiw", "lmk"),
        *("files", "the file", "uploaded a file"),  # ...but names nothing alone
    ],
)
def test_normalize_topic_rejects_non_topics(text: str) -> None:
    assert normalize_topic(text) is None


def test_aliases_map_to_the_moderators_topic() -> None:
    assert normalize_topic("k8s", ALIASES) == "kubernetes"
    assert normalize_topic("K8S", ALIASES) == "kubernetes"
    assert normalize_topic("#k8s", ALIASES) == "kubernetes"
    assert normalize_topic("ML", ALIASES) == "machine learning"
    assert normalize_topic("js", ALIASES) == "javascript"
    # Without aliases the same words stay themselves.
    assert normalize_topic("k8s") == "k8s"


def test_prepare_aliases_ignores_empty_targets_and_is_idempotent() -> None:
    prepared = prepare_aliases({"k8s": "kubernetes", "junk": "the"})
    assert prepared["k8s"] == "kubernetes"
    assert "junk" not in prepared
    assert prepare_aliases(prepared) is prepared


def test_singular_and_plural_meet() -> None:
    for singular, plural in [("api", "apis"), ("library", "libraries"), ("match", "matches")]:
        assert singularize(plural) == singularize(singular) == singular
    # a plural in -ses: whichever singular English uses (haskell-jp: `lenses` had been `lense`,
    # apart from `lens`; Infrahub: `repository statuses`)
    for singular, plural in [
        ("lens", "lenses"),
        ("status", "statuses"),
        ("alias", "aliases"),
        ("bus", "buses"),
        ("cause", "causes"),
        ("database", "databases"),
        ("release", "releases"),
    ]:
        assert singularize(plural) == singularize(singular) == singular
    assert singularize("iops") == "iops"  # a rate's acronym (Infrahub: "5000 IOPS")
    # "meetup topics" and "meetup topic" are one subject; "physics" is no plural of "physic".
    assert normalize_topic("meetup topics") == normalize_topic("meetup topic") == "meetup topic"
    assert singularize("physics") == "physics" and singularize("comics") == "comic"
    # a plural in -us of a word in -u (julialang and Komodo had members known for `gpus` apart
    # from `gpu`); a Latin singular in -us stays whole
    for singular, plural in [
        ("gpu", "gpus"),
        ("cpu", "cpus"),
        ("menu", "menus"),
        ("guru", "gurus"),
    ]:
        assert singularize(plural) == singularize(singular) == singular
    for word in ("status", "campus", "virus", "genus", "opus", "corpus", "terminalmenus"):
        assert singularize(word) == word


def test_a_name_in_s_is_no_plural() -> None:
    # Komodo's members had been known for `tezo`, `jame`, `goldman sach`: a word English uses ten
    # times as much as its stem, or whose stem it does not know at all, is a name
    for name in ("tezos", "james", "jenkins", "wikileaks", "emacs", "ddos", "iptables"):
        assert singularize(name) == name
    assert normalize_topic("Goldman Sachs") == "goldman sachs"
    # ...while plurals of words English knows, or rarely lists, still meet their singular
    for singular, plural in [
        ("repo", "repos"),
        ("tool", "tools"),
        ("plot", "plots"),
        ("nft", "nfts"),
        ("webhook", "webhooks"),  # `webhooks` is listed, too rarely to be a name
        ("dataframe", "dataframes"),
    ]:
        assert singularize(plural) == singularize(singular) == singular


def test_an_unknown_word_in_os_is_a_system_not_a_plural() -> None:
    # Komodo: "postmarketOS", "copperheadOS" had been `postmarketo`, `copperheado`
    for name in ("postmarketos", "copperheados", "grapheneos", "nixos"):
        assert singularize(name) == name
    for singular, plural in [("repo", "repos"), ("demo", "demos"), ("macro", "macros")]:
        assert singularize(plural) == singularize(singular) == singular


def test_hashtags_skip_languages_numbers_and_channel_links() -> None:
    text = "loving #rust and #async-io in C# (see #123, <#C01|general>, a&#39;b)"
    assert extract_hashtags(text) == ["rust", "async-io"]


def test_a_hashtag_is_read_like_a_channels_name() -> None:
    # DiscordChatExporter writes a channel's mention as `#talk-trading` (Komodo: a member had
    # been known for `talk trading`); a label for anything names no subject
    topics = [t for t, _ in TopicExtractor().topics("price talk belongs in #talk-trading")]
    assert "trading" in topics and "talk trading" not in topics
    assert "general" not in [t for t, _ in TopicExtractor().topics("see #general")]


def test_hashtags_in_code_are_code() -> None:
    # haskell-gi labels in a real haskell-jp answer: `#label := "Run"` names no subject.
    text = "Entryから値を取り出せました\n```set msg [ #sensitive := False, #label := x ]```\n#gtk `#add`"
    assert extract_hashtags(text) == ["gtk"]


@pytest.fixture(scope="module")
def lexicons() -> None:
    load_lexicons()  # as the running bot does first: loading is not what the deadline measures


@given(st.text(max_size=200))
def test_normalize_topic_never_raises_and_is_idempotent(lexicons: None, text: str) -> None:
    topic = normalize_topic(text, ALIASES)
    if topic is not None:
        assert topic == topic.strip()
        # Two characters at least, but for R, C and a single kanji (`型`, type).
        assert 2 <= len(topic) <= 60 or topic in ("r", "c") or "\u3400" <= topic <= "\u9fff"
        assert normalize_topic(topic, ALIASES) == topic


TOKIO = ResourceText(
    title="Tokio tutorial | An asynchronous Rust runtime",
    description="Tokio is a runtime for writing reliable asynchronous applications with Rust.",
    keywords=("rust", "async"),
    site_name="Tokio",
    messages=("great intro to async rust #tokio https://tokio.rs/tokio/tutorial",),
    channel_name="rust-async",
)


def test_topics_come_from_metadata_messages_hashtags_and_channel() -> None:
    topics = dict(TopicExtractor().topics(TOKIO, k=12))
    assert "rust" in topics
    assert "tokio" in topics  # hashtag, site and title agree
    assert "async" in topics  # keyword and channel name
    assert max(topics.values()) == 1.0
    assert all(0.0 < w <= 1.0 for w in topics.values())
    assert "http" not in topics and "tokio.rs" not in topics  # links are not words


def test_topics_apply_aliases() -> None:
    doc = ResourceText(title="Running k8s on a laptop", messages=("k8s is fun",))
    topics = dict(TopicExtractor(aliases=ALIASES).topics(doc))
    assert "kubernetes" in topics
    assert "k8s" not in topics


def test_words_every_document_uses_are_not_topics() -> None:
    extractor = TopicExtractor(max_df_ratio=0.3, min_docs=10)
    community = [
        ResourceText(messages=(f"rhizomecon update: notes about subject{i} tooling",))
        for i in range(40)
    ]
    extractor.observe(community)
    assert extractor.doc_count == 40
    doc = ResourceText(messages=("rhizomecon update: notes about wasm tooling",))
    topics = dict(extractor.topics(doc))
    assert "wasm" in topics
    assert "rhizomecon" not in topics  # in every document
    assert "tooling" not in topics
    # A fresh community has no statistics yet, so the same word still counts there.
    assert "rhizomecon" in dict(TopicExtractor().topics(doc))


def test_forget_undoes_observe() -> None:
    extractor = TopicExtractor()
    docs = [ResourceText(messages=("wasm compiler",)), "rust compiler"]
    extractor.observe(docs)
    assert extractor.df["compiler"] == 2
    extractor.forget(docs)
    assert extractor.doc_count == 0
    assert not extractor.df


def test_empty_and_garbage_documents_have_no_topics() -> None:
    extractor = TopicExtractor()
    assert extractor.topics(ResourceText()) == []
    assert extractor.topics("!!! ??? ...") == []
    assert extractor.topics(ResourceText(title="🙂🙂🙂", messages=("<@U123> :tada:",))) == []
    with pytest.raises(ValueError):
        TopicExtractor(max_df_ratio=0)


def test_a_descriptions_links_are_not_its_words() -> None:
    # houstondatavis: GitLab's unfurl describes "GitLab vs. <http://GitHub.com|GitHub.com>"
    doc = ResourceText(
        title="GitLab compared to other tools",
        description="GitLab vs. <http://GitHub.com|GitHub.com> and https://bitbucket.org/x",
    )
    topics = dict(TopicExtractor().topics(doc, k=12))
    assert "gitlab" in topics
    assert not {t for t in topics if "http" in t or "bitbucket.org" in t}, topics


# --- real data ------------------------------------------------------------------------------

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
HOUSTON = DATASETS / "slack-export-houstondatavis"


def _houston_link_documents() -> list[ResourceText]:
    """Link unfurls of a real 2016 Slack export (MIT): title, description, site, message."""
    docs = []
    for channel in sorted(p for p in HOUSTON.iterdir() if p.is_dir()):
        for day in sorted(channel.glob("*.json")):
            for message in json.loads(day.read_text(encoding="utf-8")):
                for att in message.get("attachments") or []:
                    if att.get("title") or att.get("text"):
                        docs.append(
                            ResourceText(
                                title=att.get("title"),
                                description=att.get("text"),
                                site_name=att.get("service_name"),
                                messages=(message.get("text", ""),),
                                channel_name=channel.name,
                            )
                        )
    return docs


@pytest.mark.shared_data
@pytest.mark.skipif(not HOUSTON.is_dir(), reason=f"needs the shared datasets at {HOUSTON}")
def test_topics_of_a_real_community() -> None:
    docs = _houston_link_documents()
    assert len(docs) > 100
    extractor = TopicExtractor()
    extractor.observe(docs)
    all_topics = [extractor.topics(d, 5) for d in docs]
    assert all(all_topics), "every page with metadata gets topics"
    flat = {t for topics in all_topics for t, _ in topics}
    # No chat noise, no markup or URL residue.
    assert not flat & {"http", "https", "www", "com", "thanks", "btw", "pinned", "message"}
    assert not [t for t in flat if any(c in t for c in "<>|@/\\")]
    # "data" is in almost half of this data-visualization community's links, and too common a
    # word to name a subject on its own: not a topic.
    assert "data" not in flat
    # A name that looks plural is not cut ("houstondatavis", not "houstondatavi").
    assert "houstondatavis" in flat and "houstondatavi" not in flat


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("paxos", "paxos"),
        ("chromodynamics", "chromodynamics"),
        ("physics", "physics"),
        ("repos", "repo"),
        ("demos", "demo"),
        ("macos", "macos"),
    ],
)
def test_singular_words_ending_in_s_stay_whole(word: str, expected: str) -> None:
    from bot.interests.topics import singularize

    assert singularize(word) == expected


def test_members_names_are_not_topics_unless_titles_use_them() -> None:
    names = ["Tim Abram", "Julia Evans", "darsnack"]
    ex = TopicExtractor(names=names)
    titles = ["Julia 1.6 highlights", "Why Julia is fast", "Tableau tips"]
    ex.observe(ResourceText(title=t) for t in titles)
    doc = ResourceText(
        title="Julia choropleth examples",
        messages=("tim and darsnack made this choropleth in julia",),
    )
    got = [t for t, _w in ex.topics(doc)]
    assert "choropleth" in got
    assert "julia" in got  # a name word two titles use is a subject here
    assert not {"tim", "darsnack"} & set(got)
    assert not any("tim" in t.split() for t in got)
    # Without names, the same words are topics: the filter is what removed them.
    plain = [t for t, _w in TopicExtractor().topics(doc)]
    assert "darsnack" in plain
    # A handle is a name too: a profile page's URL words, `micah.stubbs`, `tim_abram`.
    assert ex.names_someone("tim.abram") and ex.names_someone("tim_abram")
    assert not ex.names_someone("choropleth")


@pytest.mark.parametrize(
    ("text", "has_r"),
    [
        ("getting introduced to highcharts in R", True),
        ("made this choropleth with R and ggplot2", True),
        ("the R/Python debate", True),
        ("I use R. It is great", True),
        ("r u there", False),  # chat, not the language
        ("R&D budget", False),
        ("section (R) of the form", False),
    ],
)
def test_the_r_language_is_a_capital_letter_standing_alone(text: str, has_r: bool) -> None:
    got = [t for t, _w in TopicExtractor().topics(ResourceText(messages=(text,)))]
    assert ("r" in got) is has_r


def test_c_the_language_but_not_an_abbreviation() -> None:
    def topics(text: str) -> list[str]:
        return [t for t, _w in TopicExtractor().topics(ResourceText(messages=(text,)))]

    assert "c" in topics("writing C code for the GPU")
    assert "c" not in topics("the C. elegans study")
    # haskell-jp: "C#を用いることが多い" had made `c` a wish to learn next to `c#`
    assert "c" not in topics("自分はC#を用いることが多いのですが") and "c#" in topics(
        "I use C# a lot"
    )
    assert "c" not in topics("C++ and C# interop")


def test_a_short_form_in_a_phrase_is_the_long_one() -> None:
    # Houston Data Visualization Slack: "on election vis", under an SMBC comic.
    extractor = TopicExtractor()
    assert "election visualization" in extractor._token_terms("on election vis")
    assert "python documentation" in extractor._token_terms("read the python docs first")
    # julialang: `env variable` and `environment variable` had been two subjects
    assert "environment variable" in extractor._token_terms("set the env variable first")
    assert "database connection" in extractor._token_terms("a db connection pool")
    # Expansions of several words stay short forms inside phrases: no four-word topics.
    assert "quantum ml" in extractor._token_terms("quantum ml is hard")


def test_file_ends_a_subject_but_is_never_one_alone() -> None:
    # Infrahub: "object files" are its YAML data; as a stopword (for Slack's "uploaded a
    # file") `file` cut the phrase, and who-knows "object files" was asked about `object`.
    terms = TopicExtractor()._token_terms("Load the object files with infrahubctl object load")
    assert "object file" in terms
    assert "file" not in terms
    assert "file" not in TopicExtractor()._token_terms("Ana uploaded a file: the files are big")


def test_a_pull_request_is_a_kind_of_subject_never_one_alone() -> None:
    # julialang: "the PR" made `pr` a topic of 21 members; a title's "PR" too
    terms = TopicExtractor()._token_terms("I opened a PR for this; the backport PR is merged")
    assert "backport pr" in terms and "pr" not in terms
    found = dict(TopicExtractor().topics(ResourceText(title="Flux PR", messages=("the PR",))))
    assert "pr" not in found and "flux" in found


def test_the_end_of_a_hyphenated_modifier_makes_no_phrase_with_the_next_word() -> None:
    # julialang: "a never-ending race", "the old thread-unsafe wrapper"
    terms = TopicExtractor()._token_terms("a never-ending race with a thread-unsafe wrapper")
    assert "ending race" not in terms and "unsafe wrapper" not in terms
    terms = TopicExtractor()._token_terms("a command-line tool for third-party packages")
    assert "command line" in terms  # the hyphenated word itself still is one
    assert "line tool" not in terms and "party package" not in terms
    # a name of three parts stays whole; a command-line flag is no hyphenated word
    assert "language server" in TopicExtractor()._token_terms("use haskell-language-server")
    assert "branch schema" in TopicExtractor()._token_terms("load it with --branch schema")


def test_a_verb_after_its_subject_or_a_modal_opens_no_phrase() -> None:
    # julialang, Infrahub: "I guess Flux…" had made `guess flux` a maintainer's topic, "you
    # can load schemas" `load schema`
    terms = TopicExtractor()._token_terms("I guess Flux is fine, and you can load schemas too")
    assert "flux" in terms and "schema" in terms
    assert "guess flux" not in terms and "load schema" not in terms
    # nor is the verb a topic alone: "anywhere we can browse?" had made `browse` a want
    assert "guess" not in terms and "load" not in terms
    assert "browse" not in TopicExtractor()._token_terms("Is the code up anywhere we can browse?")
    # the same words as nouns still open one; "to" is a preposition as often
    assert "load balancer" in TopicExtractor()._token_terms("the load balancer is down")
    assert "graph drawing" in TopicExtractor()._token_terms("a library dedicated to graph drawing")


def test_a_member_named_through_its_module_is_about_the_module() -> None:
    # julialang: "use Flux.trainable" had made `flux.trainable` a maintainer's topic, not
    # `flux`; haskell-jp's `Xmonad.hsfiles` template was about `xmonad.hsfiles`
    terms = TopicExtractor()._token_terms(
        "or use Flux.trainable, see Zygote.@showgrad and Xmonad.hsfiles"
    )
    assert {"flux", "zygote", "xmonad"} <= set(terms)
    assert not any("." in t for t in terms)
    # a file, a package's own spelling and a hierarchical module name stay as they were
    kept = TopicExtractor()._token_terms("edit Project.toml for BinaryBuilderBase.jl and Data.Map")
    assert "binarybuilderbase" in kept and "data.map" in kept and "project" not in kept
    # nor a site written as a name ("Docs.rs has it", "Meetup.com")
    sites = TopicExtractor()._token_terms("Docs.rs has it, see Meetup.com")
    assert "documentation" not in sites and "meetup" not in sites


def test_a_verb_after_a_name_ends_no_phrase() -> None:
    # julialang, Infrahub: "BinaryBuilder works", "the menu shows" had made `binarybuilder
    # work`, `menu show`, `platform work` topics; the name alone is the subject
    terms = TopicExtractor()._token_terms("BinaryBuilder works, the menu shows a dataset coming")
    assert {"binarybuilder", "menu", "dataset"} <= set(terms)
    assert not {"binarybuilder work", "menu show", "dataset coming"} & set(terms)
    assert "work item" in TopicExtractor()._token_terms("open a work item")  # opening one: fine
    phrases = [t for t, _ in TopicExtractor().topics(ResourceText(title="Why platform work"))]
    assert "platform work" not in phrases


def test_a_title_s_key_phrases_leave_out_the_verb_they_open_on() -> None:
    # Infrahub pull requests and bug reports: a command, or a verb after a modal
    def phrases(title: str) -> list[str]:
        return [t for t, _ in TopicExtractor().topics(ResourceText(title=title))]

    assert "improve routing" not in phrases("Improve Routing by BeArchiTek · Pull Request #32")
    found = phrases("bug: cannot query utilization details of an IP prefix pool")
    assert "query utilization" not in found and "utilization" in found
    # a title of two words is as often a name
    assert "google font" in phrases("Google Fonts")
    assert "log scale" in phrases("Log scale")


def test_a_host_of_many_documents_is_no_topic_of_each() -> None:
    # julialang: YouTube and GitHub hold dozens of its links; "youtube" named none of them
    extractor = TopicExtractor()

    def video(n: int) -> ResourceText:
        return ResourceText(title=f"Talk {n} on sparse arrays", site_brand="youtube")

    first = ResourceText(title="Makie plots", site_brand="youtube")
    extractor.observe([first, ResourceText(messages=("the youtube talks",))])  # a known name
    assert "youtube" in dict(extractor.topics(first))  # one video: its site may say something
    extractor.observe([video(n) for n in range(HOST_CONTAINER)])
    assert "youtube" not in dict(extractor.topics(first))
    # nor is it in the words of those who shared it there ("the youtube talk on Makie")
    said = ResourceText(title="Makie plots", site_brand="youtube", messages=("the youtube talk",))
    assert not [t for t in dict(extractor.topics(said)) if "youtube" in t]
    extractor.forget([video(n) for n in range(HOST_CONTAINER)])  # deletions undo the count
    assert "youtube" in dict(extractor.topics(first))


def test_a_phrase_asked_keeps_its_chat_words_a_phrase_read_does_not() -> None:
    assert normalize_topic("time series") == "series"  # read from chat: `time` names nothing
    assert normalize_topic("time series", asked=True) == "time series"
    assert normalize_topic("the big data", asked=True) == "big data"  # function words still go
    assert normalize_topic("good stuff", asked=True) is None
    assert normalize_topic("time", asked=True) is None


def test_chat_s_run_together_spellings_are_no_topics() -> None:
    # Infrahub: a maintainer "wanted to learn" `aswell` ("capture the logs aswell?")
    terms = TopicExtractor()._token_terms("capture the logs aswell, atleast from the worker")
    assert "worker" in terms and not {"aswell", "atleast"} & set(terms)


def test_good_luck_and_congratulations_are_chat() -> None:
    # julialang: "Good luck! Julia's GC is pretty naive…" had made `luck` a "Knows about"
    terms = TopicExtractor()._token_terms("Good luck! Julia's GC is pretty naive, congratulations")
    assert "gc" in terms and not {"luck", "good luck", "congratulations"} & set(terms)


def test_a_slash_between_alternatives_ends_a_phrase() -> None:
    # Infrahub: "works on safari/firefox", "netbox/nautobot" named no subject
    terms = TopicExtractor()._token_terms("the netbox/nautobot sync fails on safari/firefox")
    assert "netbox" in terms and "firefox" in terms
    assert "netbox nautobot" not in terms and "safari firefox" not in terms
    # two short words joined by one are one name
    assert "ci cd" in TopicExtractor()._token_terms("our ci/cd pipeline")
    # a plus or an ampersand between words, a doubled dash (julialang, houstondatavis)
    terms = TopicExtractor()._token_terms("the tableau + mapbox demo, geometry+material params")
    assert "tableau mapbox" not in terms and "geometry material" not in terms
    assert "detail head" not in TopicExtractor()._token_terms("any detail-- head over there")


def test_a_title_of_words_joined_by_hyphens_is_read_word_by_word() -> None:
    # houstondatavis: a screenshot titled `election-map-comments` had no topic at all
    topics = dict(TopicExtractor().topics(ResourceText(title="election-map-comments")))
    assert "election map" in topics
    # a dotted module path is no subject by itself
    module = ResourceText(title="Control.Monad.Trans.State.Lazy")
    assert not [t for t, _ in TopicExtractor().topics(module) if "." in t]


def test_a_word_after_a_negation_or_degree_is_no_topic_alone() -> None:
    # julialang: "it's a never-ending race" had made `ending` a paper's topic
    assert "ending" not in TopicExtractor()._token_terms("it's a never-ending race")
    terms = TopicExtractor()._token_terms("non-blocking io, an anti-pattern")
    assert "io" in terms and not {"blocking", "pattern"} & set(terms)
    # a modifier that does not turn the word round keeps it (`command line`, `threading`)
    assert "threading" in TopicExtractor()._token_terms("multi-threading in julia")


def test_long_camel_case_identifiers_read_as_their_words() -> None:
    # Infrahub's schema kinds, from a real forum title: "Multiple Number Ranges in Single
    # CoreNumberPool". Two-part names stay names.
    terms = TopicExtractor()._token_terms("Ranges in Single CoreNumberPool; GraphQL, DataFrames")
    assert "number pool" in terms and "single core" not in terms
    assert {"graphql", "dataframe"} <= set(terms)
    assert normalize_topic("CoreNumberPool") == "core number pool"
    # a package's name is one word, whatever its capitals: not `data frames meta jl`
    terms = TopicExtractor()._token_terms("JuliaData/DataFramesMeta.jl: BinaryBuilderBase.jl")
    assert {"dataframesmeta", "binarybuilderbase"} <= set(terms)
    assert not {"jl", "meta", "frame", "builder"} & {w for t in terms for w in t.split()}
    assert "number pool" in TopicExtractor()._token_terms("a CoreNumberPool. Then")  # no file
    # a name of three-letter parts is a function's (julialang: "a GPUified LogSumExp?")
    terms = TopicExtractor()._token_terms("Is there a GPUified LogSumExp?")
    assert "logsumexp" in terms and "sum exp" not in terms


def test_a_site_name_in_a_title_is_the_site_not_the_subject() -> None:
    from bot.interests.resource_text import resource_text
    from storage.interests import ResourceDoc

    doc = ResourceDoc(
        1,
        "Profiles | Infrahub Documentation",
        None,
        "https://docs.infrahub.app/topics/profiles",
        (),
        None,
        ("Profiles let you set default attribute values for many nodes at once",),
        "general",
    )
    text = resource_text(doc)
    assert text.title == "Profiles"
    assert text.site_name == "Infrahub Documentation"
    extractor = TopicExtractor()
    topics = [t for t, _ in extractor.topics(text)]
    assert topics[0] == "profile"
    assert "infrahub documentation" not in topics[:3]  # the site counts, weakly, last


def test_two_letter_names_are_names_unless_a_known_abbreviation() -> None:
    # Houston's "CJ Carey" made `cj` a topic of his own talk's slides; a member called "ML"
    # must not take `ml` (machine learning) from everyone.
    ex = TopicExtractor(names=["CJ Carey", "hl", "ML"])
    assert ex.names_someone("cj") and ex.names_someone("process cj") and ex.names_someone("hl")
    assert not ex.names_someone("ml")


def test_a_members_name_run_together_is_their_handle_not_a_subject() -> None:
    # houstondatavis: Micah Stubbs shared his own tweet (x.com/micahstubbs/…), and his profile
    # held `micahstubb`; another account's name is a tweet's topic (`hadleywickham`)
    ex = TopicExtractor(names=["Micah Stubbs", "ana"])
    assert ex.names_someone("micahstubb")
    assert ex.topics(ResourceText(author="micahstubbs", messages=("this one is for you",))) == []
    assert "hadleywickham" in dict(ex.topics(ResourceText(author="hadleywickham")))


def test_a_titles_names_with_digits_are_its_topics() -> None:
    # YAKE reads `armv7l` as a number; the Raspberry Pi build's title is about little else
    extractor = TopicExtractor()
    assert "armv7l" in dict(extractor.topics(ResourceText(title="Julia 1.4.1 linux armv7l")))
    found = dict(extractor.topics(ResourceText(title="IPv6 prefixes in Infrahub 1.2")))
    assert "ipv6" in found and "1.2" not in found
    assert "week1" not in dict(extractor.topics(ResourceText(title="Week1 slider notes")))
