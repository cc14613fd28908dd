"""What can name a subject: junk filters, parts of speech, package spellings, Japanese."""

from __future__ import annotations

import pytest

from bot.interests.terms import (
    compound_part,
    finite_verb,
    fold_long_vowel,
    fold_package,
    has_japanese,
    is_junk,
    is_numbered_word,
    is_subject_word,
    japanese_terms,
    loanword_origin,
    opens_no_subject,
    own_name_words,
)
from bot.interests.topics import ResourceText, TopicExtractor, channel_topic, normalize_topic


@pytest.mark.parametrize(
    "word",
    [
        "pm.png",  # file names
        "list.jpg",
        "slides.pdf",
        "089da236fa",  # hashes and ids
        "a1b2c3d4e5f6a7b8",
        "1.6",  # numbers and versions
        "v0.7.2",
        "0.10.x",
        "coveragetools.1.5.4",  # a name with its version run on (julialang)
        "2016",
        "5x",
        "1166x435",  # an image's size (julialang: a member's topic), an array's shape
        "1920x1080px",
        "2x16x32",
        "lt",  # Slack's escaped &lt;
        "amp",
        "https",  # URL parts and placeholder hosts
        "example.org",
        "172.17.0.1",
        "docs.infrahub.app",  # a host name with a subdomain, written without its scheme
        "hackage.haskell.org",
        "hmm",  # interjections
        "hahaha",
        "damnnn",  # drawn out (Houston: "damnnn shareLaTeX is uber cool")
        "yassss",
        "waaaaaaaaay",  # four of a letter anywhere (Komodo: "waaaaaaaaay TMI")
        "0x22",  # a byte in pasted code (Komodo: `0x22 0x50` had been a topic)
        "0xdeadbeef",
        "rt",  # a retweet's mark (Komodo: "RT @bitnod: …" had made `rt` a topic)
        "wat",
        "config.yaml",  # configuration files named for nothing in particular
        "package.json",
        "data.json",
        "p.s",  # abbreviations written with dots (julia#19168's thread: "p.s")
        "e.g",
        "a.k.a",
        "self.branch",  # a variable's field in pasted code
        "this.props",
        "ast.hs",  # source files (haskell-jp: a hie.yaml thread's `ast.hs`)
        "main.go",
        "2.r",  # the end of a numbered file's name (houstondatavis: `Geo_Medicare_Viz_2.R`)
        "2.x",
        "vol.1",  # a numbered part of a work (haskell-jp: WEB+DB PRESS総集編[Vol.1~102])
        "fig.2",
        "beta1",  # a release
        "rc2",
        "july2016",  # a month or season with a year is a date (Houston: houstondatavis-july2016)
        "jan2021",
        "summer2020",
        "2016july",
        "abcdefgh",  # placeholders (haskell-jp: an example's string was a member's topic)
        "foobar",
        "hoge",
    ],
)
def test_junk_is_never_a_topic(word: str) -> None:
    assert is_junk(word)
    assert normalize_topic(word) is None


@pytest.mark.parametrize(
    "word",
    [
        *("3d", "k8s", "c++", "python3", "h264", "d3", "io", "data.text", "node.js", "es6"),
        *("armv7l", "covid19", "h2o", "hs24"),
        *("socket.io", "data.text.io", "data.vector.unboxed"),  # names, modules, not hosts
        *("x86", "x64", "4x4", "3x3"),  # architectures, small shapes named as such
    ],
)
def test_names_with_digits_are_not_junk(word: str) -> None:
    assert not is_junk(word)


def test_a_numbered_everyday_word_is_a_place_in_a_sequence_unless_the_community_says_it() -> None:
    """`week1`, `item2` name a place in a sequence; Komodo's `mm2` (MarketMaker 2, in 32 of its
    messages) and `co2` had been dropped as the same, and `web3` typed as a query was refused."""
    for word in ("week1", "lecture3", "item2", "mm2", "co2"):
        assert is_numbered_word(word) and not is_junk(word)
    assert not is_numbered_word("python3") and not is_numbered_word("es6")  # rarer: names
    assert normalize_topic("web3") == "web3"
    once = TopicExtractor()
    assert "item2" not in dict(once.topics("item2 goes after item1 in the list"))
    often = TopicExtractor()
    often.observe(f"the mm2 order book, take {n}" for n in ("one", "two", "three"))
    assert "mm2" in dict(often.topics("mm2 swaps are live on the new gui"))


def test_a_name_ending_in_a_tripled_letter_is_not_a_drawn_out_word() -> None:
    assert not is_junk("ifttt")  # IFTTT, a service (haskell-jp)
    assert is_junk("sooo") and is_junk("pleaseee")


@pytest.mark.parametrize("word", ["hie.yaml", "tsconfig.json", "infrahub.yml"])
def test_a_tools_own_configuration_file_is_a_subject(word: str) -> None:
    # haskell-jp shares `hie.yaml` (the Haskell language server's file) and asks about it.
    assert not is_junk(word)
    assert normalize_topic(word) == word


@pytest.mark.parametrize(
    ("word", "subject"),
    [
        ("implementing", False),  # only a verb
        ("refer", False),
        ("aware", False),  # only an adjective
        ("thing", False),  # a noun too common to say anything alone
        ("problem", False),
        ("flux", True),  # nouns and names
        ("terraform", True),  # unknown to the lexicon: a name
        ("makie", True),
        ("visualization", True),
        ("plotting", True),  # a rare gerund: an activity people learn
        ("benchmarking", True),
    ],
)
def test_subject_words_by_part_of_speech_and_commonness(word: str, subject: bool) -> None:
    assert is_subject_word(word) is subject


def test_package_spellings_fold_to_their_subject() -> None:
    text = "Flux.jl beats d3.js? serde-rs, py-yaml, py-spy, node.js"
    assert fold_package(text) == "Flux beats d3? serde, yaml, py-spy, node"


@pytest.mark.parametrize(
    ("spellings", "topic"),
    [
        (("node.js", "Node.js", "nodejs", "NodeJS"), "node"),
        (("vue.js", "vuejs", "VueJS"), "vue"),
        (("d3.js", "d3js", "D3"), "d3"),
        # a name whose first word alone is none: kept whole, however it is written
        (("Next.js", "next.js", "nextjs", "NextJS"), "nextjs"),
        (("Three.js", "threejs"), "threejs"),
    ],
)
def test_javascript_package_spellings_meet(spellings: tuple[str, ...], topic: str) -> None:
    assert {normalize_topic(s) for s in spellings} == {topic}


@pytest.mark.parametrize(
    ("spellings", "topic"),
    [
        (("k-means", "K-Means", "kmeans"), "kmeans"),
        (("t-SNE", "tsne"), "tsne"),
        (("p-value", "p-values", "pvalue"), "pvalue"),
        (("x-ray", "xray"), "xray"),
        (("U-Net", "unet"), "unet"),
        (("Objective-C",), "objectivec"),
        (("RISC-V", "riscv"), "riscv"),
        (("e-mail", "email"), "email"),
        (("A/B testing", "ab testing"), "ab testing"),
        (("async I/O", "async io"), "async io"),
    ],
)
def test_a_compound_with_a_one_letter_part_is_one_word(
    spellings: tuple[str, ...], topic: str
) -> None:
    """Its letter names nothing alone, and the rest something else (`means`, `value`)."""
    assert {normalize_topic(s) for s in spellings} == {topic}


def test_a_key_chord_is_no_compound() -> None:
    assert normalize_topic("Ctrl-C") == "ctrl"


def test_php_is_a_language_and_its_pages_are_files() -> None:
    assert normalize_topic("PHP") == "php"
    assert normalize_topic("index.php") is None


def test_a_run_together_js_needs_a_name_before_it() -> None:
    assert normalize_topic("DJs") == "djs"  # disc jockeys, not the package `d`


def test_chat_words_are_not_topics_but_subjects_and_noun_phrases_are() -> None:
    extractor = TopicExtractor()
    text = (
        "hmm I refer to this when implementing machine learning models in Flux.jl, "
        "I was not aware of the addition, see pm.png"
    )
    found = dict(extractor.topics(text, k=10))
    assert "flux" in found and "machine learning" in found
    assert not {"hmm", "refer", "implementing", "aware", "addition", "pm.png", "pm"} & set(found)


def test_contractions_are_chat_but_possessives_keep_their_name() -> None:
    # houstondatavis: "Search in maps. What do y'all think about" gave a site `y'all`
    extractor = TopicExtractor()
    found = dict(
        extractor.topics(
            "Geoban: search in maps. What do y'all think? That'd help; ya'll know julia's "
            "plotting, we've seen it",
            k=10,
        )
    )
    assert "geoban" in found and "julia" in found
    assert not any("'" in t for t in found), found


def test_title_phrases_end_on_a_noun_not_on_an_adjective() -> None:
    """YAKE's phrases of a title are kept only when they can name a subject: infrahub's
    issues "Add ability to run incremental pipeline" and "Context-Aware Relationship
    Filtering" gave `run incremental` and `context aware`."""
    extractor = TopicExtractor()
    found = dict(
        extractor.topics(
            ResourceText(title="task: Add ability to run incremental pipeline for Python Checks")
        )
    )
    assert "incremental pipeline" in found
    assert "run incremental" not in found
    found = dict(
        extractor.topics(ResourceText(title="feature: Context-Aware Relationship Filtering"))
    )
    assert "relationship filtering" in found and "context aware" not in found
    # lemminflect knows `template` only as a verb: phrases may still end on it
    found = dict(extractor.topics(ResourceText(title="Object templates for device onboarding")))
    assert "object template" in found


def test_a_verb_after_an_issue_label_to_or_an_adverb_opens_no_title_phrase() -> None:
    """ "feature: Delete Branch When…" is a command, as it would be at the title's start:
    the label before it is no subject of the verb."""
    found = dict(
        TopicExtractor().topics(
            ResourceText(title="feature: Delete Branch When Proposed Change is Merged")
        )
    )
    assert "delete branch" not in found
    assert "proposed change" in found
    # after "to" or an adverb a word English uses only as a verb is one; other words are not
    found = dict(TopicExtractor().topics(ResourceText(title="How to deploy Infrahub at scale")))
    assert "deploy infrahub" not in found
    title = "A site dedicated to graph drawing, slightly improved"
    assert "graph drawing" in dict(TopicExtractor().topics(ResourceText(title=title)))


@pytest.mark.parametrize(
    ("title", "clause", "kept"),
    [
        # ends on a verb's past or third-person form: a clause, not a subject
        ("Why Einstein HATED Spooky Action At A Distance", "einstein hated", "spooky action"),
        ("Coloring in this picture helped me erase my debt", "picture helped", "debt"),
        (
            "Researchers From Google Brain Introduces Symbolic Programming",
            "brain introduce",
            "symbolic programming",
        ),
        # opens on an adverb, a word of praise or a verb's third-person form
        ("Suggestion to slightly improve Julia development", "slightly improve", "suggestion"),
        (
            "8 excellent open source data visualization tools",
            "excellent open",
            "data visualization",
        ),
        ("This Low-Res Screen Creates Images Out of Thread", "creates image", "image"),
    ],
)
def test_title_phrases_that_are_clauses_name_no_topic(title: str, clause: str, kept: str) -> None:
    found = dict(TopicExtractor().topics(ResourceText(title=title)))
    assert clause not in found
    assert kept in found


def test_verb_forms_that_are_also_names_or_modifiers_still_make_title_phrases() -> None:
    """A past participle opens a subject (`proposed change`, `linked list`), a plural the
    lexicon knows only as a verb ends one (`templates`), and bare verbs lemminflect lacks as
    nouns still open one (`google fonts`, `log scale`)."""
    assert not opens_no_subject("proposed") and not opens_no_subject("google")
    assert not finite_verb("templates") and not finite_verb("driven")
    assert finite_verb("hated") and finite_verb("introduces") and opens_no_subject("slightly")
    found = dict(TopicExtractor().topics(ResourceText(title="Linked lists and object templates")))
    assert "linked list" in found and "object template" in found


def test_nouns_the_lexicon_lists_only_as_verbs_still_make_phrases() -> None:
    # lemminflect has `template` only as a verb: "object templates" and "Template Haskell"
    # (infrahub, haskell-jp) made no phrase at all. Common verbs (`add`) still do not.
    found = dict(TopicExtractor().topics("we use object templates with Template Haskell"))
    assert "object template" in found and "template haskell" in found
    assert "add ability" not in dict(TopicExtractor().topics("please add ability to export"))


def test_file_paths_are_not_words() -> None:
    # an infrahub error pasted as text: `/opt/infrahub/bin/infrahubctl` gave `bin infrahubctl`
    found = dict(
        TopicExtractor().topics("export PATH=/opt/infrahub/bin/infrahubctl gives 401 with my token")
    )
    assert not {"bin infrahubctl", "opt infrahub", "infrahub bin"} & set(found)
    assert "token" in found
    assert "ci cd" in dict(TopicExtractor().topics("our CI/CD runs on TCP/IP"))  # not paths


def test_channels_named_for_what_members_do_are_not_topics() -> None:
    assert channel_topic("appreciation") is None
    assert channel_topic("#general") is None
    assert channel_topic("readings") is None
    assert channel_topic("beginners") is None  # who is there, not what about
    assert channel_topic("today-i-learned") is None
    # named for the kind of thing posted there (Houston's #tools, #talks, #examples): every
    # link in #tools had `tool` as a topic, the first of its busiest sharer's profile
    assert channel_topic("tools") is None
    assert channel_topic("talks") is None
    assert channel_topic("examples") is None
    assert channel_topic("papers") is None
    assert channel_topic("video-games") == "video game"  # a form word in a subject's name
    # named for who works there: the subject is what the team works on (Houston's #team-d3)
    assert channel_topic("team-d3") == "d3"
    assert channel_topic("sig-network") == "network"
    assert channel_topic("team") is None
    assert channel_topic("book-club") == "book club"
    assert channel_topic("machine-learning") == "machine learning"
    assert channel_topic("releases") == "release"  # release engineering is a subject
    # a place for anything, in the plural too (Komodo's #talk-other-topics), and what members
    # do about a subject (#ask-rust, #talk-mining): the subject
    assert channel_topic("talk-other-topics") is None
    assert channel_topic("off-topics") is None
    assert channel_topic("ask-rust") == "rust"
    assert channel_topic("talk-mining") == "mining"


def test_japanese_is_segmented_into_nouns_and_compounds() -> None:
    text = "型クラスのインスタンスを定義する方法がわかりません。来週の勉強会でモナド変換子について話します"
    assert has_japanese(text) and not has_japanese("machine learning")
    terms = japanese_terms(text)
    assert {"型クラス", "クラス", "インスタンス", "勉強会", "モナド"} <= set(terms)
    assert not [t for t in terms if len(t) > 12]  # words, not sentence fragments
    # one character met only inside a compound is a part of it (`典` of `技術書典`, `談` of
    # `体験談`); written alone it is a word again
    assert "型" not in terms and "型" in japanese_terms(text + "。この型は何ですか")
    assert not {"典", "談"} & set(japanese_terms("技術書典でチラシを配ります。Redditの体験談"))
    assert "方法" not in terms and "来週" not in terms  # filler and time nouns
    found = dict(TopicExtractor().topics(text, k=10))
    assert "型クラス" in found and "勉強会" in found


def test_a_verbal_noun_used_as_a_verb_is_an_action_not_a_topic() -> None:
    # haskell-jp: "…Qiitaの記事にまとめました 精進します", "Haskell停滞中でしたが"
    terms = japanese_terms("Haskell停滞中でしたが、型クラスを学習しました。精進します")
    assert set(terms) == {"型クラス", "クラス"}
    assert japanese_terms("アカウントを登録しました") == ["アカウント"]
    assert japanese_terms("推奨される設定を共有できる") == ["設定"]
    # the same word used as a noun still counts; a compound made a verb stays a compound
    assert "登録" in japanese_terms("登録の手順が知りたい")
    assert "型推論" in japanese_terms("ここで型推論する")


def test_an_action_done_or_under_way_is_no_part_of_a_topic() -> None:
    # haskell-jp: "…取得済みです", "反映済みになった", "原因調査中", "バグ報告済です"
    assert japanese_terms("このドメインは取得済みです") == ["ドメイン"]
    assert japanese_terms("反映済みになった") == []
    assert japanese_terms("済み") == []  # a status reply alone: "done"
    assert japanese_terms("原因調査中なので") == ["調査", "原因調査"]
    assert "バグ報告" in japanese_terms("バグ報告済です")
    assert not {"バグ報告済", "コードリーディング中"} & set(
        japanese_terms("バグ報告済です。コードリーディング中です")
    )


def test_a_noun_used_as_an_adjective_describes_and_names_no_topic() -> None:
    # haskell-jp: "…教えていただければ幸いです" (I would be grateful), "stackは便利です",
    # "安全に使える"; as nouns they still count, and a compound stays one
    assert japanese_terms("使い方を教えていただければ幸いです") == []
    assert japanese_terms("stackは便利です") == []
    assert japanese_terms("安全に使える") == []
    assert "安全" in japanese_terms("安全のための型")
    assert "型安全" in japanese_terms("これは型安全です")


def test_a_counter_after_a_number_names_no_topic() -> None:
    # haskell-jp: "本題は4章からですかね", "何度もやり取り", "第3版", "2年半"
    assert japanese_terms("本題は4章からですかね") == ["本題"]
    assert japanese_terms("何度もやり取りの中で") == ["やり取り"]
    assert japanese_terms("第3版に期待") == ["期待"]
    assert japanese_terms("2年半かかった") == []
    assert "演算子" in japanese_terms("2項演算子")  # the noun after the count stays


def test_what_a_message_says_of_itself_names_no_topic() -> None:
    # haskell-jp: `味噌` (miso) of "手前味噌ですが" had been a member's subject
    assert japanese_terms("手前味噌ですが、遅延評価の記事を書きました") == [
        "遅延",
        "評価",
        "遅延評価",
    ]
    assert japanese_terms("質問連投失礼します。型クラスについて") == ["クラス", "型クラス"]
    assert japanese_terms("恐縮ですが念のため確認します。余談ですがモナドの話") == ["モナド"]


def test_japanese_terms_do_not_depend_on_what_was_read_before() -> None:
    # Folding `コンパイラー` parses it again; the sentence's own words had been read from the
    # tagger after that, so the first reading lost `コンパイラ` and later ones had it.
    from bot.interests import terms

    text = "GHCのコンパイラープラグインを書く話かと思いきや直接機能を追加する話だった"
    terms._last_word.cache_clear()
    first = japanese_terms(text)
    assert first == japanese_terms(text)
    assert "コンパイラ" in first and "コンパイラプラグイン" in first


def test_a_compound_misread_as_opening_with_a_suffix_is_kept_whole() -> None:
    # MeCab reads `圏` of `圏論` (category theory) as a suffix: the word was never a term
    assert "圏論" in japanese_terms("モナド変換子は圏論的にはどう理解すればよいですか")
    # after a verb a suffix is the verb's (`使い方`), and suffixes alone make no word
    assert japanese_terms("使い方編") == ["編"]
    assert japanese_terms("3個目") == []


def test_a_loanword_the_dictionary_cuts_anywhere_is_one_word() -> None:
    # haskell-jp: `アプリカティブ` (applicative) had given `アプリ` (app), `カテ` and `ィブ`;
    # `リファクタリング` (refactoring) `ファクタリング` (factoring); `リプライ` (reply) `プライ`
    assert japanese_terms("アプリカティブ・スタイルについて") == ["アプリカティブ", "スタイル"]
    assert japanese_terms("リファクタリングしたい") == ["リファクタリング"]
    assert japanese_terms("リプライで") == ["リプライ"]
    # pieces that are words of their own stay (`モナドパーサ`: a monad parser)
    assert japanese_terms("モナドパーサ") == ["モナド", "パーサ", "モナドパーサ"]


def test_everyday_loanwords_inside_a_loanword_compound_are_its_parts() -> None:
    # haskell-jp: `フロントエンド` (front end) had also given `フロント` and `エンド`,
    # `プラグイン` (plug-in) `プラグ` and `イン`; said alone, such a word stays a word
    assert japanese_terms("GHCのフロントエンドがよくわかる") == ["フロントエンド"]
    assert japanese_terms("コードレビューをお願いします") == ["コードレビュー"]
    terms = japanese_terms("エラーメッセージが出ます。このエラーは何ですか")
    assert "エラーメッセージ" in terms and "エラー" in terms


def test_a_prefix_that_changes_its_noun_stays_with_it() -> None:
    # haskell-jp: `未解決参照` (unresolved reference) had become `解決参照`, and `非同期処理`
    # (asynchronous processing) would read as `同期処理` (synchronous)
    assert japanese_terms("未解決参照となる") == ["未解決", "参照", "未解決参照"]
    assert "非同期" in japanese_terms("非同期処理") and "同期処理" not in japanese_terms(
        "非同期処理"
    )
    assert japanese_terms("不具合") == ["不具合"]  # a bug, not `具合` (condition)
    assert "多相" in japanese_terms("多相型")
    # prefixes that count or praise leave the noun alone: `各言語` is `言語`, each of them
    assert japanese_terms("各言語") == ["言語"] and japanese_terms("新機能") == ["機能"]
    assert japanese_terms("未だに") == []  # a prefix before no noun joins nothing


def test_a_suffix_written_in_hiragana_ends_a_compound() -> None:
    # haskell-jp: `勉強がてら` (while studying) and `コンストラクタまみれ` (covered in
    # constructors) had been topics; kanji suffixes still make subjects (`勉強会`, `変換子`)
    assert japanese_terms("勉強がてら読んでみた") == ["勉強"]
    assert "コンストラクタまみれ" not in japanese_terms("コンストラクタまみれのコード")
    assert "コンストラクタ" in japanese_terms("コンストラクタまみれのコード")
    assert "勉強会" in japanese_terms("勉強会に行く")
    assert "モナド変換子" in japanese_terms("モナド変換子を使う")


def test_a_japanese_compound_falls_back_to_its_most_telling_noun() -> None:
    # haskell-jp: `例外処理` (exception handling) is written `例外` in the threads that answer it
    assert compound_part("例外処理") == "例外"  # not the everyday `処理`
    assert compound_part("並行処理") == "並行"
    assert compound_part("圏論") is None  # `論` alone says nothing
    assert compound_part("モナド") is None  # one word: nothing inside
    assert compound_part("python sdk") is None  # English phrases have their head word


def test_a_name_with_an_honorific_is_a_person_not_a_subject() -> None:
    # haskell-jp: "エヌユルさんのテンプレート" made `エヌユル` and `エヌユルさん` topics
    terms = japanese_terms("cabalファイルしかなくて、エヌユルさんのテンプレートを使いました")
    assert "テンプレート" in terms
    assert not [t for t in terms if "エヌユル" in t]
    assert japanese_terms("山田さんと田中くんが勉強会で話しました") == ["勉強", "勉強会"]
    # names in the dictionary are not enough: eponymous subjects stay
    assert "ガウス分布" in japanese_terms("ガウス分布の話")


def test_http_is_a_subject_its_secure_spelling_a_url_part() -> None:
    # julialang: `JuliaWeb/HTTP.jl#668` had no `http` topic; haskell-jp `snoyberg/http-client`
    assert normalize_topic("HTTP.jl") == "http"
    assert normalize_topic("http server") == "http server"
    assert normalize_topic("https") is None


def test_a_name_in_latin_letters_before_an_honorific_is_a_person_too() -> None:
    # haskell-jp: "Nishant Shukla 氏" and "Matt Parsonsという方" (a person called) had made
    # `nishant`, `shukla` and `matt parson` topics of a member's profile
    text = "Nishant Shukla 氏の本と、Matt Parsonsという方がIHPをレビューした記事です"
    topics = dict(TopicExtractor().topics(text, k=12))
    assert "ihp" in topics
    assert not {"nishant", "shukla", "matt parson", "parson", "matt"} & set(topics), topics
    # `ちゃんと` (properly) is no honorific: the word before it stays
    assert "stack" in dict(TopicExtractor().topics("stack exec ちゃんと動きました", k=12))


def test_a_loanword_of_two_sounds_keeps_its_long_vowel() -> None:
    # JIS Z 8301: `サーバー` is `サーバ` (three sounds or more), `エラー` stays `エラー`, not `エラ`
    # (gills); haskell-jp's `型エラー`, `レビュー`, `フロー` had been `型エラ`, `レビュ`, `フロ`
    assert [fold_long_vowel(w) for w in ("サーバー", "パーサー", "コンピューター")] == [
        "サーバ",
        "パーサ",
        "コンピュータ",
    ]
    assert [fold_long_vowel(w) for w in ("エラー", "レビュー", "キー", "型エラー")] == [
        "エラー",
        "レビュー",
        "キー",
        "型エラー",
    ]
    # a compound's last word decides (`ポイントフリー`, point-free); a loanword the dictionary
    # reads as pieces is one word (`ファンクター`, functor)
    assert fold_long_vowel("ポイントフリー") == "ポイントフリー"
    assert fold_long_vowel("ファンクター") == "ファンクタ"
    assert "エラーメッセージ" in japanese_terms("エラーメッセージが出ます")


def test_words_in_hiragana_alone_are_everyday_words() -> None:
    # haskell-jp profiles showed `あしかけ` ("over the span of") and `はく` as known subjects
    # (`3年`: a count; `蛇足`, "needless to add", says what the sentence is, so `誤字` here)
    assert japanese_terms("あしかけ3年かかりました。はくは誤字です") == ["誤字"]


def test_a_katakana_loanword_knows_its_english_word() -> None:
    assert loanword_origin("パーサ") == "parser"
    assert loanword_origin("パーサー") == "parser"  # not UniDic's first reading, a purser
    assert loanword_origin("モナド") == "monad"
    assert loanword_origin("型") is None  # not a loanword
    assert loanword_origin("モナド変換子") is None  # a compound: its parts speak
    assert loanword_origin("parser") is None


def test_latin_words_inside_japanese_are_words_of_their_own() -> None:
    # A real haskell-jp question: Japanese puts no spaces around the Latin words in it.
    text = "GUIをやろうと思いhaskell-giを試していますが、HelloWorld以上のことができません"
    extractor = TopicExtractor()
    terms = extractor._token_terms(text)
    assert {"gui", "haskell gi", "helloworld"} <= set(terms)
    assert not [t for t in terms if t.isascii() is False and any(c.isascii() for c in t)]
    title = extractor._meta_phrases(text)  # a Japanese title: segmented, not YAKE's fragments
    assert "gui" in title and not [p for p in title if " " in p and not p.isascii()]


def test_a_term_set_apart_in_backticks_in_japanese_is_a_word() -> None:
    # haskell-jp: "このページの最下部のように `join` で引数を増やせる" is about `join`, which
    # Japanese marks off from the kana around it; in English text a backtick span is code.
    extractor = TopicExtractor()
    found = dict(
        extractor.topics("このページの最下部のように `join` で引数を増やせるかもしれません")
    )
    assert "join" in found
    assert "ページ" not in found  # the Japanese of a chat word (`page`), as in English
    assert "下部" not in found  # and of a stopword that points within a text (`below`)
    assert "join" not in dict(extractor.topics("use `join` here, then `x = f(y)`"))
    assert "f(y)" not in " ".join(
        extractor._token_terms("これは `x = f(y)` です")
    )  # code stays code


def test_a_name_in_backticks_in_a_question_is_what_is_asked_about() -> None:
    # julialang #machine-learning: "Is there a GPUified `LogSumExp` ?" had no `logsumexp`, so
    # the two who answered it in its thread were known for nothing of it.
    extractor = TopicExtractor()
    assert "logsumexp" in extractor._token_terms("Is there a GPUified `LogSumExp` ?")
    asked = "If not what version of `MLJ` and `MLJLIBSVMInterface` are you using ?"
    assert "mljlibsvminterface" in extractor._token_terms(asked)
    # an everyday word in backticks is a variable or a field; outside a question, code is code
    assert "loss" not in extractor._token_terms("what does your `loss` function look like?")
    assert "logsumexp" not in extractor._token_terms("I call `LogSumExp` here. Works now?")
    assert "logsumexp" not in extractor._token_terms("Use `LogSumExp` from StatsFuns.")


def test_everyday_words_are_less_specific_than_subjects() -> None:
    from bot.interests.terms import specificity

    for subject in ("makie", "schema", "モナド", "パーサ", "machine learning", "open data", "r"):
        assert specificity(subject) == 1.0, subject
    for everyday in ("button", "feature", "discussion", "目的", "解決", "ページ"):
        assert 0.4 <= specificity(everyday) < 0.7, everyday
    assert specificity("graph") > specificity("feature")  # rarer in everyday English


def test_subjects_go_first_but_weights_stay_evidence() -> None:
    from bot.interests.topics import subjects_first

    ranked = subjects_first([("button", 1.0), ("feature", 0.9), ("makie", 0.8), ("型", 0.7)])
    assert [t for t, _ in ranked][:2] == ["makie", "button"]
    assert dict(ranked) == {"button": 1.0, "feature": 0.9, "makie": 0.8, "型": 0.7}


def test_shown_topics_are_not_padded_with_passing_words() -> None:
    from bot.interests.topics import shown_topics

    # "500 Internal Server Error - HTTP | MDN" shared into a long thread about someone's set-up.
    weighted = [
        ("internal server", 1.0),
        ("server error", 1.0),
        ("schema2", 0.58),
        ("venv", 0.25),
        ("laptop running", 0.24),
    ]
    assert shown_topics(weighted) == ["internal server", "server error", "schema2"]
    # past the first three, a topic needs 40% of the lead's weight: a third is a passing word
    # too (`recieving side` under "Webhooks | Infrahub Documentation")
    webhooks = [
        ("node kind", 1.0),
        ("key for security", 0.9),
        ("webhook", 0.8),
        ("recieving side", 0.35),
        ("events", 0.45),
    ]
    assert shown_topics(webhooks) == ["node kind", "key for security", "webhook", "events"]
    # one kanji is no topic to show (haskell-jp: "Spanの小ネタ(使い方編)" showed `編`, volume)
    span = [("小ネタ", 1.0), ("span", 1.0), ("編", 0.9), ("foldr", 0.6)]
    assert shown_topics(span) == ["小ネタ", "span", "foldr"]
    assert shown_topics([("型", 1.0)]) == ["型"]  # unless it is all there is
    few = [("scotty", 1.0), ("サーバ", 0.1)]
    assert shown_topics(few) == ["scotty", "サーバ"]  # a short list is shown whole
    assert shown_topics([]) == []


@pytest.mark.parametrize(
    ("text", "absent", "present"),
    [
        ("tools: metrics, machine learning", "metrics machine", "machine learning"),
        ("the knuth book. concrete mathematics rocks", "book concrete", "concrete mathematics"),
        ("see `pip install foo` graph theory", "foo graph", "graph theory"),
        ("network automation (ansible)", "automation ansible", "network automation"),
        ("julia 1.6 highlights", "julia highlight", "julia"),
        # a stutter is no phrase (infrahub: "the artifact artifact definition")
        ("the artifact artifact definition", "artifact artifact", "artifact definition"),
    ],
)
def test_two_word_phrases_do_not_cross_punctuation_code_or_junk(
    text: str, absent: str, present: str
) -> None:
    found = TopicExtractor().terms(ResourceText(messages=(text,)))
    assert absent not in found
    assert present in found


def test_an_adjective_that_only_follows_a_verb_opens_no_subject() -> None:
    # Infrahub forum: "I'm aware infrahub does not …" had made `aware infrahub` a topic, then a
    # related wording of `infrahub sync` in who-knows.
    terms = TopicExtractor()._token_terms(
        "I'm aware infrahub sync does not do it; make sure backups run"
    )
    assert "aware infrahub" not in terms and "sure backup" not in terms
    assert "infrahub sync" in terms


def test_code_pasted_without_backticks_gives_no_terms() -> None:
    # haskell-jp: "fun n xs = xs !! (n - 1)" had made `xs` a wish to learn
    terms = TopicExtractor()._token_terms(
        "初心者です。\nfun n xs = xs ! !  (n - 1)と\nmultiply :: Int -> Int\n"
        "同じと書かれているのですがよくわかりません。"
    )
    assert "xs" not in terms and "multiply" not in terms and "int" not in terms
    # prose about a formula and a comparison are no code
    prose = TopicExtractor()._token_terms(
        "Obviously y = NN(x) = f(Wx + b) can approximate y = x exactly with one layer of size 1, "
        "but what about y = x^2?\nJulia == Magic (the great Arthur C. Clarke's third law)"
    )
    assert "layer" in prose and "magic" in prose


def test_words_for_who_asks_name_no_subject() -> None:
    # julialang: `beginner` had been "Knows about" for 7 members, `newbie` a wish to learn;
    # haskell-jp: "初心者です。" made `初心者` one
    terms = TopicExtractor()._token_terms(
        "Can you point out an issue which a newbie like me can resolve? Beginners welcome."
    )
    assert "newbie" not in terms and "beginner" not in terms
    assert "atcoder beginner" in TopicExtractor()._token_terms("the AtCoder Beginner Contest")
    assert not {"初心者", "初心"} & set(japanese_terms("初心者です。Haskellを勉強しています"))


def test_words_of_thanks_say_how_someone_helped_not_what_about() -> None:
    # julialang #appreciation: "for his incredible persistence in getting the Pkg.jl tests to
    # pass", "perseverance and patience" made `persistence`, `patience` members' topics
    text = (
        "Huge shoutout to Ian for his incredible persistence in getting the Pkg.jl tests to "
        "pass on Windows, and to Nicholas for the perseverance and patience on array syntax"
    )
    terms = set(TopicExtractor()._token_terms(text))
    assert not {"shoutout", "persistence", "perseverance", "patience"} & terms
    assert "array syntax" in terms and "pkg" in terms


def test_an_adjective_of_praise_opens_no_subject() -> None:
    # julialang #appreciation and a thread on webhosting: `excellent bug` and `favorite
    # webhosting` had been shown under "Knows about"
    terms = TopicExtractor()._token_terms(
        "thanks for a truly excellent bug report; what is your favorite webhosting platform?"
    )
    assert "excellent bug" not in terms and "favorite webhosting" not in terms
    assert "bug report" in terms and "webhosting platform" in terms


def test_the_words_of_a_communitys_own_name_are_its_coinages() -> None:
    # julialang: "You both know julialang" had been an intro's reason between two members
    assert own_name_words("JuliaLang") == {"julialang"}
    assert own_name_words("Infrahub (OpsMill)") == {"infrahub", "opsmill"}
    assert own_name_words("slack-export-houstondatavis") == {"houstondatavis"}
    # English words of a name are subjects of their own (`rust`, `programming`, `slack`), even
    # rare ones members share: `async` in the demo's "Async Rustaceans", `haskell`
    assert own_name_words("Rust Programming Language") == frozenset()
    assert own_name_words("Async Rustaceans (demo)") == {"rustaceans"}
    assert own_name_words("Haskell-jp") == frozenset()
    assert own_name_words(None) == frozenset()


def test_interjections_are_chat_not_subjects() -> None:
    # julialang: `yea` ("yea, zig's comptime is neat") was a member's third topic
    found = TopicExtractor().topics(
        ResourceText(
            title="Zig comptime",
            messages=("yea, zig comptime is neat", "hmm, whoa, ugh: comptime again, yay"),
        ),
        k=8,
    )
    topics = [t for t, _ in found]
    assert "comptime" in topics or "zig comptime" in topics
    assert not {"yea", "hmm", "whoa", "ugh", "yay"} & set(topics)
    assert normalize_topic("yea") is None
