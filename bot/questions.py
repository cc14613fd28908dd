"""The one question detector: which messages ask something.

Used for who wants to learn what (interests: a member's own questions), for answers (a reply to
a question is an answer), and for the digest's open questions. It ignores code, links and
quoted text; a sentence ending in ? ？ ؟ ⸮ asks, and so do phrases people ask with ("how do
I…", "does anyone know…", "anyone tried…", "is there a way…") and Japanese polite question
endings and requests ("…ですか", "教えてください", "わかりません").

Storage cannot run Python over every message, so it pre-filters with `SQL_PATTERNS`: LIKE
patterns (on the lower-cased text) generated from the same declarations below. Every phrase
declares the words that any match of it must contain (its anchors); an anchor has no space, no
apostrophe and no letter Unicode folds onto ASCII, so it survives the clean-up (code and links
become spaces, ’ becomes ') and SQL's lower(), which folds ASCII only. Matching here folds
ASCII case only for the same reason. `tests/unit/test_questions.py` checks, with generated
text, that the pre-filter accepts everything the detector does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, wraps

__all__ = [
    "ANCHORS",
    "QUESTION_MARKS",
    "SQL_PATTERNS",
    "asking_sentences",
    "asks_someone_else",
    "is_question",
    "is_reaction",
    "mostly_tells",
    "proposes",
    "short_text_cache",
    "wished_subject",
]


@dataclass(frozen=True, slots=True)
class Phrase:
    pattern: str  # a regular expression on ASCII-lower-cased text
    anchors: tuple[str, ...]  # every match contains one of these
    example: str  # a message it finds (the tests check each)


_ANY = ("any", "someone", "somebody")  # anyone, anybody, any of you; someone, somebody
# Words a question to the room may follow: "Hi all, anyone tried…", "so anybody know…"
# and a request's condition: "If anyone has resources for this I would welcome it"
_OPENERS = "hi hey hello so also and but or ok btw guys all folks everyone if".split()

PHRASES: tuple[Phrase, ...] = (
    Phrase(
        r"how (?:do|can|should|would|did|does) (?:i|we|you|one|it)", ("how",), "How do I fix this"
    ),
    # "how to" asks where it opens a sentence or follows a wish to know, not inside one
    # ("a lot of good examples of how to use d3.js" tells, and asks nothing)
    Phrase(
        r"(?:(?<![\s\S])|(?<=[.!:;\n] )|(?<=[.!:;\n])|(?:not sure|unsure|wondering|wonder"
        r"|(?:not|n't) (?:been )?(?:able to )?figure out"  # not "first you figure out how to"
        r"|don't know|dont know|no idea|any idea|any ideas|ideas on"
        r"|idea on|clue|tips on) )how to\b",
        ("how",),
        "how to fix this",
    ),
    Phrase(
        r"(?:does|do|did) (?:anyone|anybody|someone|somebody|any of you|you guys)",
        (*_ANY, "guys"),
        "Does anyone use this",
    ),
    # opening its clause ("Hi all, anyone tried…", "If anyone has…, let me know"), not inside
    # a statement: "I think someone tried to bridge it", "I'm not sure anybody has done
    # this", "then someone has an example" (3 of 9 texts only this had read as asking)
    Phrase(
        r"(?:(?<![\s\S])|(?<=[.!?:;,(\n])|(?<=[.!?:;,(\n] )|(?<=^ )"
        + "".join(f"|(?<=\\b{w} )" for w in _OPENERS)
        + r")"
        r"(?:anyone|anybody|someone|somebody) "
        r"(?:know|knows|tried|try|used|use|using|have|has|seen|here)",
        _ANY,
        "anyone tried this",
    ),
    Phrase(r"(?:has|have) (?:anyone|anybody|someone|somebody)", _ANY, "Has anyone seen this"),
    Phrase(
        r"is there (?:a|an|any) (?:way|tool|library|lib|guide|tutorial|good)",
        ("there",),
        "Is there a way to pin it",
    ),
    # opening its clause ("Any ideas?", "Hi all, any tips on…") or asked for ("do you have any
    # pointers", "if you have any suggestions"); not a statement's object ("we'll port any
    # ideas we have not captured yet")
    Phrase(
        r"(?:(?<![\s\S])|(?<=[.!?:;,(\n])|(?<=[.!?:;,(\n] )|(?<=^ )|(?<=\bhave )|(?<=\bgot )"
        + "".join(f"|(?<=\\b{w} )" for w in _OPENERS)
        + r")any (?:idea|ideas|tips|hints|pointers|recommendations|suggestions|advice)\b",
        ("any",),
        "any ideas for the meetup",
    ),
    Phrase(
        r"(?:can|could) (?:someone|anyone|somebody|anybody) (?:help|explain|recommend|point)",
        _ANY,
        "could someone explain this",
    ),
    Phrase(r"what(?:'s| is) the best", ("best",), "What’s the best editor"),
    Phrase(r"where (?:can|do|should) i", ("where",), "where can I read about it"),
    Phrase(
        # trying to understand, or to do something that goes wrong; not a plan told ("I'm
        # trying to convert everyone I meet to Julia", "what I'm trying to extend is…"): of 23
        # texts only this had read as asking, 12 are no longer, 11 by my reading right, one a
        # problem told without a word of trouble ("the check is ran against all members")
        r"i(?:'m| am) struggling (?:to|with)\b"
        r"|i(?:'m| am) trying to (?:understand|figure|debug|diagnose|fix|solve|find out|work out)"
        r"|i(?:'m| am) trying to (?:get|make) (?:\S+ ){1,4}(?:to )?(?:work|working|run|running)\b"
        r"|i(?:'m| am) trying to(?=[\s\S]*?\b(?:errors?|issues?|problems?|fail\w*|not work\w*"
        r"|doesn't|isn't|won't|can't|cannot|no avail|empty|wrong|stuck|unable|nothing|missing"
        r"|not familiar|confused|help)\b)",
        ("trying", "struggling"),
        "I'm trying to figure out faster implementations",
    ),
    # Asking for help without a question: "I am unable to get X working", "I can't figure out".
    # …but "I'm unable to reproduce this" is the helper who tried the asker's case
    Phrase(
        r"i(?:'m| am) (?:unable|not able) to (?!reproduce|replicate)",
        ("able",),
        "I am unable to get it working",
    ),
    Phrase(  # stuck now, not "I was stuck on it until …" (an answer)
        r"(?:i'm|i am|\bam)(?: still| kinda| a bit| completely)? (?:stuck|hung up)\b",
        ("stuck", "hung"),
        "I am able to get devices but am hung up on mapping attributes",
    ),
    Phrase(
        r"i(?:'m| am) having (?:a |some )?(?:trouble|issues?|problems?|difficult)",
        ("having",),
        "I'm having trouble with tokio",
    ),
    Phrase(
        # not "I can't make it tonight" (to a meetup), nor a condition ("I'll open an issue if
        # I can't get things to run", "will reach out in case I can not figure it out")
        r"(?<!\bif )(?<!\bcase )i (?:can't|cannot|can not|couldn't) (?:get|seem|figure|find|make(?! it\b(?! work))"
        r"|understand)",
        ("can", "couldn"),
        "I can’t figure out the borrow checker",
    ),
    Phrase(  # not a condition: "will get back in case I run into issues"
        r"(?<!\bif )(?<!\bcase )"
        r"i(?:'m| am| was| keep| kept)? (?:getting|get|seeing|facing|hitting|running into"
        r"|run into) (?:an? |some |the |this |that )?(?:[\w.-]+ ){0,2}"
        r"(?:error|issue|exception|problem)",
        ("error", "issue", "exception", "problem"),
        "I was getting an Import Error after the upgrade",
    ),
    Phrase(  # a report with its error pasted: "…and get the following error:"
        r"(?:\bi|\bwe|\band)(?: \w+){0,2} (?:get|getting|got|see|seeing|receive|receiving)"
        r" the following (?:[\w.-]+ )?"
        r"(?:error|exception|issue|problem)",
        ("error", "issue", "exception", "problem"),
        "I follow the guide and get the following error",
    ),
    Phrase(  # "I would like to know if the backup option is offered" (Infrahub forum)
        r"(?:i|we)(?:'d| would) (?:really )?like to (?:know|understand)\b"
        r"|(?:i|we) (?:really )?(?:want|wanted) to (?:know|understand)\b",
        ("like", "want"),
        "I would like to know if the backup option is offered",
    ),
    Phrase(
        r"(?:i|we) (?:really )?need (?:some )?(?:help|advice|guidance)\b",
        ("need",),
        "we really need some advice on hosting",
    ),
    Phrase(
        # …or ideas for something of theirs: "I'm looking for possible project ideas"
        r"(?:i'm|i am|we're|we are) looking for (?:some |any |possible |good )?(?:\w+ )?"
        r"(?:help|advice|guidance|ideas|suggestions|recommendations|pointers|tips)\b",
        ("looking",),
        "I'm looking for help with SQL",
    ),
    Phrase(r"i (?:wonder|was wondering)", ("wonder",), "I wonder about it"),
    # a plea for oneself: "Please help me and show…", "please guide me to projects for GSoC";
    # not a call for helpers ("please help us test RC3")
    Phrase(
        r"\bplease (?:(?:help|guide|assist|advise)(?: or | and |/)?){1,2} me\b"
        r"|(?:^|[.!]\s*)please (?:help|advise)[.!]*$",
        ("please",),
        "Please help or guide me in doing so.",
    ),
    # asking for help without a question mark: "I'd appreciate any pointers from the devs",
    # "any help would be greatly appreciated"
    Phrase(
        r"i(?:'d| would) (?:really |greatly |much )?appreciate (?:any |some )?(?:\w+ )?"
        r"(?:help|pointers?|advice|tips|suggestions?|guidance|input|ideas|recommendations?)\b"
        r"|(?:any|some) (?:\w+ )?(?:help|pointers|advice|tips|suggestions|guidance|input|ideas"
        r"|recommendations)(?: \w+){0,3} (?:(?:would be|is|are|will be) )?(?:much |greatly "
        r"|really |very |highly )?appreciated",
        ("appreciate",),
        "I'd appreciate any pointers from the devs",
    ),
    Phrase(r"¿", ("¿",), "¿Alguien sabe cómo usar tokio"),
)

# Japanese asks without a question mark: polite endings (…ですか, …ますか, …でしょうか) and
# "please tell me", "I don't understand", "how should I…".
JAPANESE: tuple[Phrase, ...] = (
    # not a suggestion put as a question: "stackのバグではないでしょうか。" ("isn't it a bug in
    # stack?", the helper's answer), "…じゃないですか"; not a musing trailing off
    Phrase(
        r"(?<!ではない)(?<!じゃない)(?<!そう)"  # and not "そうですか。" (I see)
        # nor a helper's suggestion: "…してみてはいかがでしょうか", "…を使ったらどうでしょうか"
        r"(?<!てはいかが)(?<!てはどう)(?<!たらいかが)(?<!たらどう)(?<!ならどう)(?<!ばどう)"
        r"(?:ですか|ますか|でしょうか|ませんか|ましたか|かな|かね|だろうか|のか)"
        # "…でしょうか." too (ASCII or full-width stop); "…かな..." and "…ですかね…。" trail off
        r"(?:[。！!\s]|[.．](?![.．]))*(?:$|\n)",
        ("か",),
        "これは何ですか",
    ),
    Phrase(r"教えて(?:ください|下さい|いただけ)", ("教えて",), "使い方を教えてください"),
    # a request put as a wish: "教えていただきたいです", "知りたいです", "アドバイスをいただけると
    # 嬉しいです", "解決方法を募集したいです"; "ご存知の方" (anyone who knows…)
    Phrase(
        # not thanks for what was taught ("教えていただきありがとうございます")
        r"教えて(?:いただき|頂き|もらい)たい|教えて(?:ほし|欲し)い|知りたいです|ご存[知じ]の方"
        r"|(?:アドバイス|助言|ヒント)を?(?:いただ|頂|くだ|下さ|お願い)"
        # a way asked for, not a venue or members ("場所を募集しています")
        r"|(?:方法|解決策|アドバイス|助言|意見)を募集し",
        ("教えて", "知りたい", "ご存", "アドバイス", "助言", "ヒント", "募集"),
        "ご存知の方いらっしゃいましたら教えていただきたいです",
    ),
    # trouble now, not a fix told ("…で困っていましたが、…で解決しました"): "原因がわからず困って
    # います", "行き詰まってしまいました"
    Phrase(
        r"(?:困って(?:います|おります|いる)|行き詰まって)(?![^\n。]*(?:解決|直り|できました))",
        ("困って", "行き詰ま"),
        "原因がわからず困っています",
    ),
    # "I don't understand", not "I'm not sure, but…" (わかりませんが、…): the helper's hedge
    # before an answer ("正確なことはわかりませんが、GHCのissueには…"), or a musing (…なぁ)
    Phrase(
        r"(?:わか|分か)りません(?!が|けど|けれど|な[ぁあ])", ("りません",), "この部分がわかりません"
    ),
    Phrase(r"どうすれば|どうしたら", ("どう",), "どうすればいい"),
    # "the way to install?" said as a line of its own; not the way given ("解決方法は次の
    # どちらか", "実装方法は、恐らくこんな感じ"): of 12 texts only this had read as asking, all
    # 12 were answers or reports
    Phrase(r"方法(?:は|って)[ \t]*[?？]?[ \t]*$", ("方法",), "インストールの方法は"),
)

QUESTION_MARKS = "?？؟⸮"  # ASCII, fullwidth (CJK), Arabic, reversed
ANCHORS: tuple[str, ...] = tuple(
    dict.fromkeys([*QUESTION_MARKS, *(a for p in (*PHRASES, *JAPANESE) for a in p.anchors)])
)
# LIKE patterns on lower(text) that find every message `is_question` accepts (a superset).
SQL_PATTERNS: tuple[str, ...] = tuple(f"%{a}%" for a in ANCHORS)

_STRIP = re.compile(
    # code, markup, links, quoted lines (`[^\n]`: DOTALL must not let a quote eat the rest);
    # Slack's text escapes the quote's `>` as `&gt;`, live and in exports alike
    r"```.*?```|`[^`\n]*`|<[^<>\s]*>|https?://\S+|^[ \t]*(?:>|&gt;)[^\n]*$"
    # and an emoji's code (`:thinking_face:` after "…のかな。" had hidden the question ending)
    r"|(?<![A-Za-z0-9_:]):(?=[a-z0-9_+-]*[a-z+])[a-z0-9_+-]{1,40}:(?![A-Za-z0-9_:])"
    # and words in quotation marks that ask: someone else's ("a beginner might think "But
    # how do I plot?"", 「何か問題でも？」), not the writer's
    r'|(?<![\w"])"[^"\n]{0,300}[?？][^"\n]{0,5}"(?![\w"])|“[^”\n]{0,300}[?？][^”\n]{0,5}”'
    r"|「[^」\n]{0,300}[?？][^」\n]{0,5}」|『[^』\n]{0,300}[?？][^』\n]{0,5}』",
    re.DOTALL | re.MULTILINE | re.IGNORECASE,
)
_QUESTION_END = re.compile(r"[?？؟⸮]+[\s\"')\]\u3002.!>]*(?:\s|$)|\?(?=[A-Z][a-z]?[\s.])")
# Japanese runs sentences on with no space: "…でしょうか？追加の質問で…", "…ですか？(以下の
# コマンドで…)". Not a hedge or a quote going on ("…っぽい？です", "…のでは？と感じました",
# "もの？を"), nor a mark in brackets of its own ("本業（？）の").
_JA_RUN_ON = re.compile(
    r"(?<=[\u3040-\u30ff\u3400-\u9fff])(?<![（(])[?？]+"
    r"(?=[^\s\"')\]\u3002.!?？！）」』とっをのでだがにはもや])"
)
_PHRASE_ANCHORS: tuple[str, ...] = tuple(dict.fromkeys(a for p in PHRASES for a in p.anchors))
_JA_QUESTION = re.compile("|".join(p.pattern for p in JAPANESE), re.MULTILINE)
_JA_ANCHOR = re.compile("|".join(re.escape(a) for p in JAPANESE for a in p.anchors))
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# A helper's check after an answer ("Try foldr. Does that help?", "…をベースに指定すれば、ビルドを
# 始められます。どうでしょう？" how's that?) asks whether the answer did, not for knowledge:
# a sentence of its own, taken out before the rest is read.
_CHECK_BACK = re.compile(
    r"(?:^|(?<=[.!?。！？\n]))\s*(?:"
    r"(?:does|did|would|will)\s+(?:that|this|it)\s+(?:help|work|make\s+sense|do\s+the\s+trick"
    r"|answer\s+your\s+question)(?:\s+for\s+you)?"
    r"|(?:makes?|made)\s+sense|(?:is\s+)?(?:that|this)\s+(?:clear|helpful)"
    r"|(?:これで|それで)?(?:どうでしょう|いかがでしょう)(?:か)?"
    r")\s*[?？]+",
    re.IGNORECASE,
)


CACHED_CHARS = 2_000  # texts up to this long are remembered
# The newest 8,192 texts: the reuse is within one batch of members (a thread's root asked for
# each reply, a text from several sides). 65,536 held ~16 MB per test on the 1M-message bench
# and saved 5 s of a 318 s derive (a call costs ~5 us).
CACHED_TEXTS = 8_192


def short_text_cache(fn: Callable[[str | None], bool]) -> Callable[[str | None], bool]:
    """Remember a text test for ordinary texts: working out interests asks it of one text
    from several sides (answers, wants, evidence, profiles). Huge texts are not kept."""
    cached = lru_cache(maxsize=CACHED_TEXTS)(fn)

    @wraps(fn)
    def test(text: str | None) -> bool:
        return cached(text) if text and len(text) <= CACHED_CHARS else fn(text)

    test.cache_info = cached.cache_info  # type: ignore[attr-defined]
    return test


# Words a sentence that asks holds: a question word, an auxiliary, "any…", "or".
_ASKING_WORDS = re.compile(
    r"\b(?:who|what|what's|when|where|why|how|which|whose|whom|is|are|was|were|am|do|does"
    r"|did|can|could|should|would|will|shall|may|might|must|have|has|had|isn't|aren't"
    r"|wasn't|don't|doesn't|didn't|can't|couldn't|shouldn't|wouldn't|won't|any\w*|or"
    r"|thoughts|ideas|right|ok|okay|you're|we're|they're|it's|that's|there's)\b",
    re.IGNORECASE,
)
# A sentence that ends in a question mark, from where the one before it ended (a dot inside a
# word, as in "node.js?", ends nothing).
_ASKED_SENTENCE = re.compile(
    r"(?:^|(?<=[.!。?？؟])\s+|\n)((?:[^\n.!。?？؟]|[.!](?=\S))*[?？؟])(?=\s|$)"
)
_LINK_AFTER = re.compile(r"https?://|<(?:https?|mailto):", re.IGNORECASE)
LEAD_IN_WORDS = 6  # "Working with census data?", "Need a regex tester?"


# Japanese asks with a question word, a "…か" ending or a verb of knowing; "HTMLで読みたくな
# い？ <link>" ("wouldn't you rather read it as HTML?") offers the link and asks nothing.
_JA_ASKING_WORDS = re.compile(
    r"何|なに|なん|どう|どこ|どれ|どの|どちら|どっち|誰|だれ|いつ|なぜ|いくつ|いくら|か[?？]"
    r"|かな|かね|でしょう|知って|知り|わか|分か|ある|あり|いい|良い|できる|でき"
)
JA_CHARS_PER_WORD = 2  # as `hands_over` counts Japanese: about two characters a word


def _lead_in_words(sentence: str) -> int:
    if sentence.isascii():
        return len(sentence.split())
    ascii_words = len(re.findall(r"[A-Za-z0-9]+", sentence))
    others = sum(1 for c in sentence if not c.isascii() and not c.isspace())
    return ascii_words + -(-others // JA_CHARS_PER_WORD)


def _asks_with_words(sentence: str) -> bool:
    if _ASKING_WORDS.search(sentence):
        return True
    return not sentence.isascii() and _JA_ASKING_WORDS.search(sentence) is not None


def _rhetorical_lead_in(text: str, cleaned: str) -> bool:
    """True when every sentence ending in a question mark is a short lead-in holding no word
    that asks, and a link follows it: "working with census data? <link> is a great place to
    ask questions" recommends the link; "anyone tried <link>?" still asks."""
    asked = _ASKED_SENTENCE.findall(cleaned)
    if not asked:
        return False
    for sentence in asked:
        if _lead_in_words(sentence) > LEAD_IN_WORDS or _asks_with_words(sentence):
            return False
    last = max(text.rfind(mark) for mark in QUESTION_MARKS)
    return _LINK_AFTER.search(text, last) is not None


def _ascii_lower(text: str) -> str:
    """Lower-case ASCII letters only, as SQL's lower() does (`str.lower` where that is the
    same thing: several times faster than a translation table)."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def _phrases_of(anchor: str) -> re.Pattern[str]:
    """The alternation of only the phrases this anchor may be part of: searching all of them
    at every position of every text was half of `is_question`'s time. One per anchor, compiled
    once: one per set of anchors found had been compiled again and again (thousands of sets
    in an export, a 512-entry cache: a sixteenth of deriving a Discord export's topics)."""
    patterns = [p.pattern for p in PHRASES if anchor in p.anchors]
    return re.compile(r"(?:^|\b)(?:" + "|".join(patterns) + ")")


_BY_ANCHOR: dict[str, re.Pattern[str]] = {a: _phrases_of(a) for a in _PHRASE_ANCHORS}


@short_text_cache
def is_question(text: str | None) -> bool:
    """True for messages that ask something ("how do I…", "does anyone know…", "anyone
    tried…", a sentence ending in ? or ？ or ؟, Japanese polite question endings), ignoring
    code, links and quoted text."""
    if not text:
        return False
    cleaned = _STRIP.sub(" ", text.replace("’", "'")).strip()
    if any(m in cleaned for m in QUESTION_MARKS):
        cleaned = _CHECK_BACK.sub(" ", cleaned).strip()
    if not cleaned:
        return False
    if (
        any(m in cleaned for m in QUESTION_MARKS)
        and (
            cleaned[-1] in QUESTION_MARKS
            or _QUESTION_END.search(cleaned)
            or _JA_RUN_ON.search(cleaned)
        )
        and not _rhetorical_lead_in(text, cleaned)
    ):
        return True
    lowered = _ascii_lower(cleaned)
    # Every match holds one of its phrase's anchors: substring tests pick the phrases to search
    # for, and spare most texts any search at all (derive runs this ~1M times).
    if any(p.search(lowered) for a, p in _BY_ANCHOR.items() if a in lowered):
        return True
    if not _JA_ANCHOR.search(cleaned):
        return False
    if any(c in cleaned for c in _JA_OFFER_ANCHORS):
        cleaned = _JA_OFFER.sub(" ", cleaned)
    return _JA_QUESTION.search(cleaned) is not None


# Help offered, not asked for: "もし何か問題があれば教えてください" ("let me know if there is
# any problem"), "ご質問があればお気軽にどうぞ". Not "おすすめの本があれば教えてください", which
# asks for a recommendation.
_JA_OFFER_ANCHORS = ("あれば", "あったら", "ございましたら")
_JA_OFFER = re.compile(
    r"(?:問題|質問|不明点|不明な点|疑問|不具合|ご?意見|ご?要望|何か)(?:が|等が|などが)?"
    r"(?:あれば|あったら|ございましたら)[、,\s]*(?:お気軽に|気軽に|遠慮なく)?"
    r"(?:教えて|お知らせ|知らせて|連絡|言って)[^\n。]*"
)


_SENTENCE_END = re.compile(r"(?<=[.!?？؟。])\s+|\n+")


TELLING_WORDS = 25  # words of statements that make a reply in another's thread help


_TOLD_WORDS = re.compile(r"[^\W\d_]+")
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def _word_count(text: str) -> int:
    """Words of a text, Japanese counted two characters a word (it runs its words together)."""
    return len(_TOLD_WORDS.findall(_CJK_CHAR.sub(" ", text))) + len(_CJK_CHAR.findall(text)) // 2


def mostly_tells(text: str | None) -> bool:
    """Does a message that asks also tell at length ("It is not possible with attributes
    today. If you think about it, … Are you saying that is not working?")? In a thread
    someone else started that is a helper's answer ending in a check, not a wish to learn: of
    30 such replies drawn at random from the julialang and Infrahub threads, 23 answered.
    Code, links and quotes are not counted; Japanese counts two characters a word."""
    if not text:
        return False
    cleaned = _STRIP.sub(" ", text.replace("’", "'"))
    told = sum(
        _word_count(sentence)
        for sentence in _SENTENCE_END.split(cleaned)
        if sentence.strip() and not is_question(sentence)
    )
    return told >= TELLING_WORDS


REACTION_WORDS = 3  # a question this short reacts or checks back


def is_reaction(text: str | None) -> bool:
    """Is this question three words or fewer of its own (mentions, links, code and emoji
    aside): "why?", "Revise?", "Was it recorded?", "shareLaTeX?", "Maybe <PR> changed it?"
    It reacts or checks back; of the 44 in the four exports, 2 asked to learn something
    ("what's slack?")."""
    if not text:
        return False
    return _word_count(_STRIP.sub(" ", text.replace("’", "'"))) <= REACTION_WORDS


def asking_sentences(text: str | None) -> list[str]:
    """The sentences of a message that ask (code, links and quotes left out): to whom a
    question is put is said there ("I use the template. Where are you getting stuck?")."""
    if not text:
        return []
    cleaned = _STRIP.sub(" ", text.replace("’", "'"))
    return [s.strip() for s in _SENTENCE_END.split(cleaned) if s.strip() and is_question(s)]


# Second person, and the first person singular, as a question addresses them.
_YOU = re.compile(r"\b(?:you|your|yours|you're|you've|you'd|u|whatchu|whatcha|watcha)\b")
# What the person addressed wants or means: asked of them, whoever else the sentence names.
_YOUR_WISH = re.compile(
    r"\b(?:would|do|did) you (?:like|want|need|prefer|mean)\b|\byou(?:'d| would) like\b"
    r"|\byou mean\b"
)
_ME = re.compile(r"\b(?:i|me|my|mine|i'm|i've|i'd|i'll|myself)\b")
# "you" that still asks for the asker's own learning: the generic you ("how do you plot…"),
# asking advice ("what do you use for…", "can you explain…"), or the whole room ("you guys").
_YOU_FOR_ME = re.compile(
    r"\b(?:how|what|which|where) (?:\w+ ){0,3}(?:do|would|can|should|could) you\b"
    r"|\bhow you (?:would|should|can|could)\b"
    r"|\b(?:do|does|did) you (?:\w+ ){0,2}know\b"  # "do you happen to know"
    r"|\b(?:can|could|would) you (?:please )?(?:help|explain|tell|show|recommend|suggest|point|advise)"
    r"|\b(?:do|would) you (?:use|recommend|suggest|prefer)\b"
    r"|\b(?:do|would) you have (?:any|some)\b(?: \w+){0,3} (?:suggestions?|thoughts|advice"
    r"|ideas?|tips|recommendations?|pointers|alternatives?|examples?|experience|resources?)\b"
    r"|\byour (?:thoughts|opinions?|advice|suggestions?|recommendations?|experiences?)\b"
    r"|\bis there (?:an?|any) (?:\w+ )?(?:way|tool|library|lib|guide|tutorial|examples?|docs?"
    r"|documentation|resources?)\b"
    r"|\b(?:right|correct)\W*$"  # checking what they understood: "you would keep it, right?"
    r"|\byou (?:guys|all|folks)\b|\bany of you\b|\b(?:anyone|anybody|someone|somebody)\b"
)


# A request for the person addressed to do something ("can you post the contents of your
# file?", "could you unmute the laptop mic and let me…", "can you try deleting the keys?"),
# not to teach, explain or point the asker somewhere ("can you tell me…", "could you guide
# me…", "can you shed some light…", "could you let me know where I went wrong?").
_ACTION_REQUEST = re.compile(
    r"^(?:\W*(?:hi|hey|hello|also|ok|okay|so|and|but|then|if not|please)\b)*\W*"
    r"(?:[^,?.!]{1,60},\s*)?"  # "when the talks are done, could you…"
    r"(?:can|could|would|will) you (?:please |also |maybe |kindly |just )*+"
    r"(?!guys|all|folks|help|explain|tell|show|recommend|suggest|point|advise|guide|teach"
    r"|clarify|elaborate|describe|shed|let me know|give me|link me"
    r"|provide (?:some )?(?:guidance|advice|help|examples?|pointers|details on|an? example)"
    r"|share (?:some|any|your) (?:thoughts|tips|advice|experience)"
    r"|think|imagine|say|know|have|be|like|mind|consider|expect)"
    r"[a-z]+\b"
)
# A polite request for the person addressed to do something ("…に移していただけないでしょう
# か", "…見せていただけませんか"), not one to teach, explain or help the asker ("教えていただけ
# ますか", English's "can you explain"), nor one put to the room ("どなたか…していただけませんか":
# English's "can anyone").
_JA_REQUEST = re.compile(
    r"(?<!教え)(?<!説明し)(?<!解説し)(?<!紹介し)(?<!助け)(?<!手伝っ)(?<!見)(?<!調べ)"
    r"[てで](?:いただけ|頂け|もらえ|くれ)(?:ない|ません|ます)?(?:でしょう)?か"
)
_JA_TO_THE_ROOM = re.compile(r"どなたか|どなたでも|誰か|だれか|皆さん|みなさん|皆様|みなさま")


def asks_someone_else(text: str | None) -> bool:
    """Does this question ask about the person addressed, not for the asker's learning?
    "Where are you getting stuck?", "Did you upgrade the SDK as well?", "have you seen this
    database?", "what sort of sentiment analysis are you running?": every sentence that asks
    is put to "you" (the helper asking for details, a member asking about another's work),
    with no "I" in it and no generic or advice-seeking "you" ("how do you plot…", "what do
    you recommend for…"). Of 40 questions it set aside in the shared datasets, drawn at random
    after it was written, 38 asked nothing for the asker."""
    asked = asking_sentences(text)
    return bool(asked) and all(_put_to_you(s) for s in asked)


def _put_to_you(sentence: str) -> bool:
    """Is this asking sentence put to the person addressed (see `asks_someone_else`)?"""
    if _JA_REQUEST.search(sentence) and not _JA_TO_THE_ROOM.search(sentence):
        return True
    lowered = _ascii_lower(sentence)
    if _ACTION_REQUEST.match(lowered):
        return True
    lowered = _ASK_PREFACE.sub("", lowered)  # "can I ask what you like?" asks about you
    if _YOUR_WISH.search(lowered):
        return True  # "What info would you like?", "Do you want me to open an issue?"
    return bool(_YOU.search(lowered)) and not (_ME.search(lowered) or _YOU_FOR_ME.search(lowered))


# Asking leave to ask ("Can I ask what kind of food you like?", "may I ask where you work?"),
# a guess put before it ("I assume you updated the -latest for mac?", "I'm assuming you keep
# your notes in a directory?") or a check of one's reading ("if I understand correctly you
# would like…") puts the asker in the sentence, not in what is asked.
_ASK_PREFACE = re.compile(
    r"^\W*(?:can|may|could|might) i (?:ask|just ask)\b(?: you)?"
    r"|\bif i (?:understand|understood|get|got|read) (?:(?:you|this|that|it) )?"
    r"(?:correctly|right)\b"
    r"|\bi(?:'m| am)? (?:assum(?:e|ing)|guess(?:ing)?|suppose|take it|gather|imagine|bet)"
    r" (?:that )?(?=you\b)"
)


# A proposal to the group ("Can we merge the `1.6-backports` branch?", "should we plan a
# workshop for next month?", "E.g. can we give moderator permissions to…"): a decision asked
# for, not something the asker wants to learn.
_PROPOSAL = re.compile(
    r"^\W*(?:(?:e\.g|so|ok|okay|also|then|and)\W+)?(?:should|could|can|shall) we\b"
    # or an invitation: "want to do a quick lightning talk on this this evening?", "anyone
    # want to join the data jam team?", "would you like to present it?"
    r"|\b(?:want|wanna|care|like|interested in) (?:to )?(?:do|give|giving|present|presenting"
    r"|join|joining|come|coming|speak|speaking|lead|leading|host|hosting|demo|demoing)\b"
    r"(?:(?!\bhow\b).)*$"
    # or a suggestion: "Maybe it should be the default?", "maybe this could be part of it?"
    r"|\b(?:maybe|perhaps) (?:it|this|that|we|there) (?:should|could|can|might)\b"
    # Japanese: "…してみてはいかがでしょうか", "…したらどう？", "一緒に勉強しませんか？",
    # "…流すとかできないかな" (a suggestion, or a wish put to the group)
    r"|[てで]み?(?:は|たら)(?:どう|いかが)|たらどう|はいかが|しませんか|しましょう|ましょうか"
    r"|できないかな"
    # or leave to post asked ("May I share this on LinkedIn?", "is it okay if we cross post
    # this?")
    r"|(?<!how )(?:\b(?:can|may|could) (?:i|we)|\bis it (?:ok|okay|alright|fine|appropriate"
    r"|allowed) (?:if (?:i|we) |to )) ?(?:post|share|advertise|promote|plug|cross-?post)"
    r" (?:this|that|it|these|my|our|a link|links|the link|here)\b"
)
# Leave asked in Japanese ("リンクを書いたりしてもいいんでしょうか", "報告してもいいものでしょうか");
# leave to ask ("質問させていただいてもよろしいでしょうか") goes on to ask, so it is not one.
_JA_LEAVE = re.compile(
    r"(?<!なく)(?:ても|ちゃっても)(?:いい|よろしい|大丈夫)ん?(?:もの)?(?:でしょうか|ですか)"
)
_JA_LEAVE_TO_ASK = re.compile(r"質問|聞|伺|尋ね")


def proposes(text: str | None) -> bool:
    """Does every sentence of this question that asks propose something to the group ("can
    we…", "should we…"), suggest, invite or ask leave to post? Over the four shared exports 7
    messages did at first, all 7 proposals by my reading (merging a branch, planning a
    workshop, moderator permissions); suggestions, Japanese suggestions and leave to post
    added 19 more, each read (helpers' "…はいかがでしょうか", "May I share this on LinkedIn?").
    A digest may still list one as open: it asks the community something; it is no wish to
    learn."""
    asked = asking_sentences(text)
    return bool(asked) and all(_proposal(s) for s in asked)


def _proposal(sentence: str) -> bool:
    if _JA_LEAVE.search(sentence) and not _JA_LEAVE_TO_ASK.search(sentence):
        return True
    return bool(_PROPOSAL.search(_ascii_lower(sentence.replace("’", "'"))))


def asks_nothing_for_self(text: str | None) -> bool:
    """Does each sentence of this question that asks either propose something or ask about the
    person addressed ("Maybe it should be the default? And you need to use `add --global`?")?
    Then it is no wish of the asker to learn, whichever kinds its sentences mix."""
    asked = asking_sentences(text)
    return bool(asked) and all(_proposal(s) or _put_to_you(s) for s in asked)


# "I'd like to learn julia", "trying to learn how to develop modules": the object of a stated
# wish to learn, up to the end of its clause. Not "learn from the community", "learn more",
# "learn and try": those name no subject.
_WISH_TO_LEARN = re.compile(
    r"\b(?:would like|'d like|like|love|want|wanna|trying|try|hoping|hope|eager|keen|interested in)"
    r"\s+(?:to\s+)?learn(?:ing)?\s+(?:more\s+)?(?:about\s+)?"
    r"(?!from\b|more\b|and\b|with\b|it\b|this\b|that\b|them\b|a lot\b)"
    r"(?P<object>[^.?!,;:\n()]+)",
    re.I,
)
_CLAUSE_END = re.compile(r"\s(?:and|but|so|because|since|as|for|or|-|–|—)\s", re.I)


def wished_subject(text: str | None) -> str | None:
    """What a question says its author wishes to learn, in their words, in a sentence that
    asks ("Originally an R and Python [user], would like to learn julia, any courses?" ->
    "julia"), or None. The rest of that question is background, not a wish. A wish in a
    sentence that does not ask ("I'd like to learn Julia along the way… what packages should
    I look into?") leaves the question its own subject."""
    for sentence in asking_sentences(text):
        match = _WISH_TO_LEARN.search(sentence.replace("’", "'"))
        if match is not None:
            wished = _CLAUSE_END.split(match.group("object"), maxsplit=1)[0].strip()
            if wished:
                return wished
    return None
