"""The one question detector (pure), and the SQL pre-filter generated from it never hides one.

The cases of the interests' detector are in test_interests_profiles.py; these are the digest's
(open questions), with the two it answered differently before the detectors became one: "ok?"
now asks (a sentence ending in ?). "how to" asks where it opens a sentence or follows a wish to
know ("not sure how to"), not inside a statement ("I know how to do it", "examples of how to").
"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.questions import (
    ANCHORS,
    JAPANESE,
    PHRASES,
    SQL_PATTERNS,
    Phrase,
    asking_sentences,
    asks_someone_else,
    is_question,
    wished_subject,
)


@pytest.mark.parametrize(
    "text",
    [
        "Has anyone used polars in production?",
        "How do I profile asyncio code",
        "does anyone know a good SQL book",
        "Is there a way to pin a message in a thread",
        "Which one is better?!",
        "Anyone tried this (the new API)?)",
        "any ideas for the next meetup",
        "ok?",
        "Great talk. How to get the slides",
        # a request put as a condition, the room after a greeting, being stuck (julialang,
        # Infrahub)
        "If anyone has any resources for documentation that might be helpful I would welcome it!",
        "Hi all, anyone tried the new Makie release",
        "I have not been able to figure out how to get it working..",
        "So i am trying to set up a relationship but the schema fails to load",
        "Hey guys, I am struggling with relationships, have read the documentation a few times",
        # julialang, Infrahub: a mark run into the next sentence or a stray character, a wish
        # to know, a short check put with a contraction before a link
        "Do you mean pickle-ing something like dictionary?I.e.",
        "Also, if you add your username or a dummy username, does that work?>",
        "Hello team, I would like to know if the option for backup is offered in the community.",
        "I think I misunderstood the issue being discussed. You're talking about this? <https://x.org/a>",
        "I am not sure how to deploy it",
        "I can't make it work with the new SDK",  # "can't make it" to a meetup does not ask
        # a question mark, then a link: the link is what is asked about
        "anyone tried this? https://x.org",
        "anyone tried <https://x.org>? looks nice",
        "Has anyone used X? I am deciding between X and Y",
        "Thoughts? I think we should use X",
        "Working with census data?",
        # a forum post stating its problem (Infrahub's Nornir thread)
        "I am able to get devices and groups but am hung up on mapping additional attributes",
        "I'm still stuck with the upgrade",
        # a short lead-in followed by a link still asks when a word in it asks (何, "is")
        "これって何でしょうか？ <https://example.org/doc>",
        "is this a bug? <https://x.org/issue>",
        # Japanese runs the next sentence on with no space after the mark (haskell-jp)
        "どのような概念になるのでしょうか？追加の質問で申し訳ないです。",
        "どこに報告するのが良いでしょうか？(既に報告済かもしれませんが…)",
        # a request for recommendations is no offer of help; a question after a quote asks
        "おすすめの入門書があれば教えてください",
        # haskell-jp writes some sentences with ASCII or full-width stops
        "Textを要素にしても,同じ効果が得られるものでしょうか.",
        "メモリ上のタプルという方が正しいのでしょうか．",
        # help asked for without a question mark
        "I'd appreciate any pointers from the devs, thanks in advance!",
        "Any help with the config would be greatly appreciated.",
        "Any help much appreciated",
        'What does "sealed?" mean here?',  # a quote inside a question of one's own
        "<@U1>   please guide me to probable projects for gsoc'21",
        # haskell-jp: a request put as a wish, or trouble now (17 texts, each asking)
        "何か他に理由として挙げられるものがありましたら、ぜひ教えていただきたいです！",
        "ghciコマンドの終了方法を知りたいです。",
        "依然と同じエラーが出ます。\n解決方法を募集したいです。",
        "日本語を埋め込む際に何故か先頭に｢・｣(中点)が入り込み困っています.",
        "REPLを起動してロードしても，定義されていないことになっており，行き詰まってしまいました",
        "&gt; the docs say X\nbut how do I run it on Windows?",
        # an emoji's code after the question's end (haskell-jp)
        "megaparsecとかtrifectaならまた違ったりするのかな。 :thinking_face:",
        "おすすめのリポジトリなどあれば、お聞かせ願えますでしょうか :eyes:",
        # houstondatavis: ideas asked for without a question mark
        "I'm looking for possible project ideas but this kid likes to be very technical",
        "We are looking for suggestions for the next workshop",
        # a check-back does not hide a question of its own, nor is "does this work on…" one
        "Does that make sense? How do I pick the learning rate?",
        "Does this work on Windows?",
        "stackとcabalどっちがいいでしょう？",
    ],
)
def test_questions(text: str) -> None:
    assert is_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Thanks, that was great.",
        "https://example.com/why?",
        "<https://example.com/page?x=1>",
        "showdown at noon",  # contains "how do" only inside words
        "use `x?.y` in the code",
        "I got the same error and fixed it by pinning the SDK",  # a fix, told after the fact
        "> How do I fix this?\nthanks, that solved it",  # the question is only quoted
        "You will see the following error if the token is missing",  # an explanation
        "I know how to do it",
        # a Japanese hedge, a quote going on, a mark in brackets of its own (haskell-jp)
        "M1にはまだ対応していないっぽい？です",
        "一番楽なのでは？と感じました",
        "今日は本業（？）のAndroidの動作検証でした",
        "it has a lot of good examples of how to use d3.js",  # houstondatavis, telling
        # a short lead-in that asks nothing, then the link it recommends (houstondatavis,
        # julialang's channel topic)
        "working with census data?  <http://opendata.stackexchange.com/> is a great place to "
        "ask questions",
        "Questions about using Julia? Head to <https://discourse.julialang.org>",
        # the same after a first sentence, which used to run into the lead-in (julialang's
        # channel topic as Slack posts it; houstondatavis' organiser inviting talks)
        "<@U8JP5B9T2> set the channel topic: Say hi! :wave: And tell us a bit about yourself. "
        "Questions about using Julia? Head to <https://discourse.julialang.org>",
        "and the October Meetup is posted.  want to give a lightning talk? reply here! "
        "<http://www.meetup.com/Houston-Data-Visualization-Meetup/events/225363078/>",
        "Need a regex tester? https://regexr.com is the one I use every day",
        "I was stuck on this until I found the filter functions",  # stuck then: an answer
        # houstondatavis, Infrahub: not coming to a meetup; the helper who tried the case
        "Sorry I can't make it to the data jam on Saturday.",
        "i would but i can't make it tonight :disappointed:",
        "I'm unable to replicate this. Trying to think of why it would still run",
        # haskell-jp: "I'm not sure, but…" hedges an answer; "…なぁ" muses (13 of 4,133
        # messages were counted as questions, most of them answers)
        "変化の理由は分かりませんが、ひとまず `Vector` を使う時は `!` をつけるようにします。",
        "うまく行くか分かりませんが、とりあえず `stack setup --reinstall` してみましょうか。",
        "うーん、単純にビルドができてないからだと思いましたが、違う、と。分かりませんなぁ",
        "the worker got stuck, restarting it fixed that",
        # haskell-jp: thanks for what was taught; a venue sought; trouble that was solved
        "教えていただきありがとうございます！",
        "今日は式の簡約順序について教えて頂きました！",
        "若干名の参加者と、場所を募集しています。",
        "Not a blocker for RC3, please help us test it on Windows",  # a call for helpers
        # someone else's words in quotation marks (julialang, haskell-jp)
        'a beginner might think "But how do I do basic interactive plots?", and go',
        "agreed on precompilation speed, I've had many “what, already?” moments",
        "有名なあの文句には「モナドは単なる自己関手の圏におけるモノイド対象だよ。何か問題でも？」と補う",
        "ビルドが通らず困っていましたが、キャッシュを消したら解決しました。",
        # haskell-jp: "wouldn't you rather read it as HTML?" offering a pull request; a short
        # lead-in with no word that asks, then the link, as in English
        "HTMLで読みたくない？ <https://github.com/lotz84/haskell/pull/7>",
        "Need a regex tester? https://regexr.com",
        # Slack escapes a quote's `>` (`&gt;`): the asker's question quoted, then the answer
        "&gt; are you working with julia currently?\nnot much for my job, way too much outside",
        "&gt; vscode のバージョン1.60.2 にしても同じでしょうか？\nはい、同じです。",
        # haskell-jp: "the way is…" giving it, not asking for it (a line that opens "the fix
        # is one of these", a reply that goes on to recommend pages)
        "エラーの解決方法は次のどちらか\n1. 古い base のバージョンを使う",
        "最近の実践的な良いテスト方法は、他の人々のお薦めを待ちますが、以下を参考にしていました。",
        # statements that hold an asking phrase (julialang, houstondatavis, Infrahub): someone
        # inside a statement, "figure out how to" as a plan, a condition for later
        "I think someone tried to bridge an external slack community via Slack Connect",
        "Oh yes wow this is the pattern in julia. I'm not sure anybody has ever done this before",
        "I still think it'll be good to figure out how to add search to the map",
        "If you have multiple datasets first you figure out how to merge them into one dataset.",
        "i am going to try writing an extention today and will get back in case i run into issues",
        "I'll have another go tomorrow and open an issue if I can't get things to run",
        # a plan told with "trying to": self-introductions, explanations (julialang, Infrahub)
        "Hi there! I'm a math PhD student and I'm trying to convert everyone I meet to Julia.",
        "Thanks for the reminder. I'm trying to optimize traffic, so if Infrahub can feed it",
        # Infrahub: "any ideas" as a statement's object, not a request for them
        "Right, we are gonna port any ideas we are not yet capturing internally",
        # haskell-jp: a helper's suggestion put as a question ("how about trying…?")
        "当該部分をコメントアウトしてみてはいかがでしょうか。",
        "とりあえずstackでインストールしたものを使ってみてはいかがでしょうか！",
        # haskell-jp: a suggestion put as a question is the helper's answer; help offered
        "インストール自体は済んでいるでしょうし、stackのバグではないでしょうか。",
        "パスが通っていないのではないでしょうか。",
        "自分で手計算してみるのが一番近道じゃないでしょうか。",
        # a musing that trails off; "I see"
        "本題は4章からですかね…。",
        "読めないほどひどい問題でもないので放置かな...",
        "そうですか。",
        "I'm looking forward to the talk",
        "Done, thanks :tada:",  # an emoji's code is no question's end either
        "the build finished at 10:30:45",
        "I'm looking for a job in data viz",  # looking for, but not for ideas or help
        "「OneDrive」を削除させていただきました。もし何か問題があれば教えてください。調整しましょう。",
        # a helper checking back after an answer (julialang, Infrahub, haskell-jp)
        "<@U6G4M02N4> Does this help? Think of it like marking the boundary of a slice.",
        "Does this help? https://docs.infrahub.app/topics/transformation",
        "Try pinning the SDK to 1.2. Does that work for you?",
        "Makes sense?",
        "上記のイメージをベースに指定すれば、ビルドを始められます。 どうでしょう？:slightly_smiling_face:",
    ],
)
def test_not_questions(text: str) -> None:
    assert not is_question(text)


def _prefilter(text: str) -> bool:
    """SQL `lower(text) LIKE p` for any of `SQL_PATTERNS` (all have the shape %word%); lower()
    as SQLite's, which folds ASCII only (PostgreSQL's folds more, which only accepts more)."""
    lowered = "".join(c.lower() if c.isascii() else c for c in text)
    return any(p.strip("%") in lowered for p in SQL_PATTERNS)


def test_patterns_are_generated_from_the_declarations() -> None:
    assert all(p.startswith("%") and p.endswith("%") for p in SQL_PATTERNS)
    assert {p.strip("%") for p in SQL_PATTERNS} == set(ANCHORS)
    for anchor in ANCHORS:
        assert anchor and not ({" ", "'", "%", "_"} & set(anchor)), anchor


# Text made of the pieces that matter: phrase words (in any case), question marks, Japanese
# endings, code, links, quotes, markup, apostrophes, and letters Unicode folds onto ASCII.
_WORDS = sorted(
    {w for p in (*PHRASES, *JAPANESE) for w in p.pattern.replace("|", " ").split() if w.isalpha()}
    | {"how", "do", "i", "anyone", "know", "is", "there", "a", "way", "any", "ideas", "what's"}
    | {"ですか", "教えてください", "わかりません", "どうすれば", "方法は", "かな"}
)
_PIECES = st.sampled_from(
    [
        *_WORDS,
        *(w.upper() for w in _WORDS),
        *(w.title() for w in _WORDS),
        " ",
        "\n",
        "?",
        "？",
        "؟",
        "⸮",
        "¿",
        "!",
        ".",
        "`code`",
        "```block```",
        "<https://x.org/a?b>",
        "https://x.org/q?",
        "\n> quoted?\n",
        "’",
        "'",
        "\u212a",  # Kelvin sign: re's IGNORECASE would read it as k
        "\u017f",  # long s
        "\u0130",  # dotted capital I
    ]
)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None)
@given(st.lists(_PIECES | st.text(max_size=3), max_size=14).map("".join))
@example("how`x`do i")
@example("i’m trying to")
@example("ANYONE \u212anow this")
def test_sql_prefilter_accepts_everything_the_detector_accepts(text: str) -> None:
    if is_question(text):
        assert _prefilter(text), text


@given(st.text(max_size=300))
def test_sql_prefilter_accepts_everything_the_detector_accepts_in_any_text(text: str) -> None:
    if is_question(text):
        assert _prefilter(text)


@pytest.mark.parametrize("phrase", [*PHRASES, *JAPANESE], ids=lambda p: p.example)
def test_each_phrase_finds_its_example_and_the_prefilter_too(phrase: Phrase) -> None:
    assert is_question(phrase.example)
    assert re.search(phrase.pattern, phrase.example.lower().replace("’", "'"), re.MULTILINE)
    assert any(a in phrase.example.lower() for a in phrase.anchors)


@given(st.sampled_from([p for p in PHRASES if p.pattern != "¿"]), st.text(max_size=40))
def test_each_phrase_is_found_after_any_text(phrase: Phrase, before: str) -> None:
    assert is_question(f"{before}\n{phrase.example.upper()}")


def test_the_digest_features_only_questions_that_say_enough() -> None:
    from bot.digests.ranking import worth_featuring_as_question

    assert is_question("ok?") and not worth_featuring_as_question("ok?")
    assert worth_featuring_as_question("does anyone know a good SQL book")


def test_answers_are_remembered_for_ordinary_texts_only() -> None:
    from bot.questions import CACHED_CHARS

    info = is_question.cache_info  # type: ignore[attr-defined]
    short = "How do I cancel a task in this test?"
    before = info()
    assert is_question(short) and is_question(short)
    assert info().hits == before.hits + 1 and info().currsize == before.currsize + 1
    huge = "how do I " + "x" * (CACHED_CHARS + 10)
    assert is_question(huge)  # worked out, not kept: a hostile message pins no memory
    assert info().currsize == before.currsize + 1
    assert is_question(None) is False and is_question("") is False


def test_a_quoted_line_does_not_hide_the_lines_after_it() -> None:
    # The quote pattern once ran to the end of the text (DOTALL): a "> ..." line first made
    # the question after it invisible (found by hypothesis with before=">").
    assert is_question(">\nHow do I fix this")
    assert is_question("> the docs say X\nI was getting an Import Error after the upgrade")


@pytest.mark.parametrize(
    "text",
    [
        # a helper asking for the asker's details (Infrahub forum)
        "Where are you getting stuck?",
        "Did you upgrade the SDK as well? You will need to have v1.13.0.",
        "Hey, we'll look into that. Can you send us the output of this query?",
        # asking about someone else's work (Houston Slack)
        "cool! what sort of sentiment analysis are you running? there might be ways",
        "<@U061A5N1G>: have you seen this medical pathways database before?",
        # haskell-jp: a moderator asking to move a post; a helper asking for the whole code
        "すみません、 <#C4LFB6DE0|general> は原則このWorkspace自体に関するアナウンスに使用したい"
        "ので、 <#C4M4TT8JJ|random> に移していただけないでしょうか？ :pray:",
        "とりあえず差し支えなければソースコード全体を見せていただけませんか？",
        # a request to do something, even one that says "me" (julialang, Houston, Infrahub)
        "<@U061A5N1G>:  when the talks are done,  could you unmute laptop mic and let me be  a "
        '"head in a jar" and chat with people?',
        "can you turn on the musl buildbot so I can build v1.6.0-beta1?",
        "can you try deleting all of the keys you sent me from redis?",
        "Not sure I know what you mean, can you expand? I think the answer is no",
        # asking leave to ask about the person addressed (haskell-jp, julialang)
        "<@UHS9XNGKB> Can I ask what kind of foods and drinks including alcohol do you like?",
        "May I ask what you are using KA for?",
        # what the person addressed wants or means, whoever else is named (julialang, Houston)
        "<@UDB26738Q>, What info would you like?",
        'What do you mean by "each var as a channel"?',
        "Do you want me to open an issue for it?",
        "so whatchu learnin' ?",
        # a guess about the person addressed put before it (Houston, julialang)
        "nice. I don't really take notes anymore. I'm assuming you keep your notes in a "
        "directory and back them up via Dropbox or some other service?",
        "And I assume you updated the -latest for mac?",
        # checking what the person addressed wants (Infrahub)
        "currently the plan is to have the priority at the profiles level, if I understand "
        "correctly you would like to add a priority per attribute, is that correct ?",
    ],
)
def test_questions_put_to_you_ask_about_them(text: str) -> None:
    assert is_question(text) and asks_someone_else(text)


@pytest.mark.parametrize(
    "text",
    [
        "How do you plot a heatmap in Makie?",  # the generic you
        "Do you happen to know what kind of optimization is used behind the scenes?",
        "Do you have any suggestions on how to get around that hurdle?",
        "If your input is small, do you have any more efficient alternative than ForwardDiff?",
        "Hi all. Conceptual question on learning rates. What are your thoughts?",
        "In the case of PCA after FFT, you would keep it unstandardized right?",
        "Hey guys, is there any example of how you would model route-maps?",
        "Can you please advise? Thanks in advance.",
        "Could you please guide me how to start working on it ?",
        "can you please tell me, how do I make different environments then?",
        "Would you guys be interested in running a survey for JuliaCon?",
        "Did you see my PR, or should I open an issue?",  # "I" asks too
        "Does anyone know a good SQL book?",
        "is there a link for the slides?",
        "Thanks, that works.",  # asks nothing at all
        # haskell-jp: asking to be taught, or the room to fix the asker's code
        "この型クラスの使い方を教えていただけませんか？",
        "どなたか、このコードが通るように改変していただけませんでしょうか？",
    ],
)
def test_questions_for_the_askers_own_learning(text: str) -> None:
    assert not asks_someone_else(text)


def test_the_sentences_that_ask() -> None:
    text = "I'm plotting heights by age. Anybody have a good timeline visualization? Thanks!"
    assert asking_sentences(text) == ["Anybody have a good timeline visualization?"]
    assert asking_sentences("`what?` <https://x.org/?q=1>") == []
    assert asking_sentences(None) == []


def test_the_digest_leaves_out_questions_put_to_one_member() -> None:
    from bot.digests.ranking import worth_featuring_as_question

    assert not worth_featuring_as_question("Are you in 1.1.6 or in 1.1.7 ?")
    assert worth_featuring_as_question("Do you have any advice on hosting Infrahub on k8s?")


def test_a_proposal_to_the_group_is_no_wish_to_learn() -> None:
    # julialang: release and moderation decisions asked of the group
    from bot.questions import proposes

    assert proposes("Can we merge the `1.6-backports` branch?  I would like to push BB forward")
    assert proposes("<@U4LGTMTMK> should we plan a workshop for the next month?")
    assert proposes('E.g. can we give "moderator permissions" to all TL3 users?')
    # how a group does something is still learning; and only when every question proposes
    assert not proposes("How can we profile the allocations?")
    assert not proposes("Can we merge it? And how do I run the tests?")
    assert not proposes("Thanks, merged.")
    # an invitation (Houston, julialang): to give a talk, to join a channel
    assert proposes("The timelapse looks so cool!  Hehe want to do a quick lightning talk on this?")
    assert proposes("Cool. Would you like to join the <#CCYDC34A0|turing> channel?")
    assert not proposes("Does anyone want to join me in learning how to use Makie?")  # how: asks
    assert not proposes("I want to join two dataframes, how?")
    # a suggestion (julialang, Houston)
    assert proposes("That could be really interesting. Maybe this could be part of it?")
    assert proposes("2) the timelapse closes, maybe it should continue playing until I click?")
    assert not proposes("Maybe it is a bug in the parser?")
    # haskell-jp: a helper's suggestion, an invitation, a wish put to the group
    assert proposes("Data.MaybeモジュールのcatMaybesはいかがでしょうか？")
    assert proposes("汎用性を求めるなら、TemplateHaskellを考えたらどう？")
    assert proposes("同じように福岡に住んでいる人がいたら、一緒に勉強しませんか？")
    assert proposes("スケジュール指定して、1週間に1度メッセージ流すとかできないかな")
    assert not proposes("新しく作ったプロジェクトではどのようにテストを書くのが良いのですか？")
    assert not proposes("どうしたらいいですか？")


def test_asking_leave_to_post_is_no_wish_to_learn() -> None:
    from bot.questions import proposes

    assert proposes("May I share this on LinkedIn?")
    assert proposes("Can I share this information to others ?")
    assert proposes("自分のblogのurlとかリンクを書いたりしてもいいんでしょうか？")
    assert proposes("そういった人間が報告してもいいものでしょうか?")
    # leave to ask goes on to ask; "needn't" is no leave; sharing how-to is learning
    assert not proposes("Haskellでのデバッグ方法について質問させていただいてもよろしいでしょうか。")
    assert not proposes("すべての要素を計算しなくてもよいからでしょうか？")
    assert not proposes("How can I share a dataframe between processes?")


def test_a_question_mixing_a_proposal_and_one_put_to_you_asks_nothing_for_the_asker() -> None:
    from bot.questions import asks_nothing_for_self, asks_someone_else, proposes

    text = "Maybe it should be the default? And you need to use `add Package --global`?"
    assert not proposes(text) and not asks_someone_else(text)  # neither kind alone
    assert asks_nothing_for_self(text)
    assert asks_nothing_for_self("Can we merge the branch?")
    assert asks_nothing_for_self("Did you upgrade the SDK as well?")
    assert not asks_nothing_for_self("Maybe it should be the default? How do I set it?")
    assert not asks_nothing_for_self("Thanks, merged.")  # asks nothing at all


def test_a_wish_to_learn_said_in_the_asking_sentence_names_its_subject() -> None:
    asked = (
        "Hello. Originally an R and Python, would like to learn julia, any courses anyone knows of?"
    )
    assert wished_subject(asked) == "julia"
    assert wished_subject("I’d love to learn about property testing and fuzzing, any books?") == (
        "property testing"
    )
    assert wished_subject("Trying to learn how to develop modules, where do I start?") == (
        "how to develop modules"
    )
    # A wish that names nothing, a wish in a sentence that does not ask, no question at all.
    assert wished_subject("Hope to learn a lot from here, any tips?") is None
    assert wished_subject("would like to learn from the community, where do I go?") is None
    told = "I'd like to learn Julia along the way.\nWhich packages should I look into?"
    assert wished_subject(told) is None
    assert wished_subject("I want to learn Rust.") is None
    assert wished_subject(None) is None
