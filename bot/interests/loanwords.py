"""Katakana loanwords and the English words they write, read by sound.

UniDic knows the origin of common loanwords (`パーサ` -> `parser`, `terms.loanword_origin`)
but not of the jargon a community of practice writes (`アプリカティブ` applicative,
`コンビネータ` combinator, `ワークアラウンド` workaround), and for some it knows another
word than the community means (`サンク` -> `cinq` where Haskell writes thunk, `ロード` ->
`road`). So the community's own English words are read aloud: e2k's character model (its
weights ship in its wheel) spells an English word in katakana, and a katakana word that reads
the same as one of them writes it. Only a handful of likely words are read per question:
those whose letters sound close (`jaconv` spells the katakana in Latin letters; rapidfuzz
compares), each reading remembered.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process

__all__ = [
    "english_words",
    "english_written",
    "is_katakana",
    "katakana_spelling",
    "may_be_loanword",
    "reading_key",
    "spoken_katakana",
    "written_in_katakana",
]

log = logging.getLogger(__name__)

_KATAKANA = re.compile(r"^[\u30a1-\u30fa\u30fc]{2,}$")
_ENGLISH_WORD = re.compile(r"^[a-z][a-z0-9]{2,}$")
# Marks two spellings of one loanword differ by: the final long vowel (`イテレータ`,
# `イテレーター`), the doubled consonant (`ジェネリクス`, `ジェネリックス`), the middle dot. A
# long vowel inside tells words apart (`パース` parse, `パス` path).
_UNSPOKEN = re.compile(r"[ッ・]|ー$")
_SMALL = str.maketrans("ァィゥェォャュョヮヵヶヂヅ", "アイウエオヤユヨワカケジズ")
_VU = {"ヴァ": "バ", "ヴィ": "ビ", "ヴェ": "ベ", "ヴォ": "ボ", "ヴ": "ブ"}
# Latin letters that katakana writes alike (`v` as `b`, `l` as `r`, `th` as `s`...): the key
# that finds the words worth reading aloud.
_ALIKE = (
    ("ph", "f"),
    ("th", "s"),
    ("sh", "s"),
    ("ch", "t"),
    ("ck", "k"),
    ("c", "k"),
    ("q", "k"),
    ("x", "ks"),
    ("v", "b"),
    ("l", "r"),
    ("w", ""),
    ("y", ""),
    ("j", "z"),
    ("g", "k"),
    ("d", "t"),
    ("p", "b"),
    ("h", ""),
)
_VOWELS = re.compile(r"[aeiou]")
CANDIDATES = 6  # words read aloud per katakana word, by each of two likenesses
# Two sounds name too many words (`パス` path or pass) and are what acronyms become when read
# as words (`ffi` -> `フィ`, `api` -> `アピ`): a reading this short matches nothing.
MIN_SOUNDS = 3


def is_katakana(word: str) -> bool:
    return bool(_KATAKANA.match(word))


@lru_cache(maxsize=20_000)
def may_be_loanword(kana: str) -> bool:
    """Katakana that UniDic does not read as one Japanese word (`モノ` is 物, a thing,
    written in katakana for emphasis; `テスト` is a loanword; `アプリカティブ` unknown)."""
    from bot.interests.terms import word_origins

    origins = word_origins(kana)
    return not (len(origins) == 1 and origins[0] in _NATIVE)


_NATIVE = frozenset({"和", "漢", "混"})  # UniDic's word origins: Japanese, Chinese, mixed


def reading_key(kana: str) -> str:
    """One key for the spellings of one loanword (`ジェネリックス` = `ジェネリクス`)."""
    for vu, plain in _VU.items():
        kana = kana.replace(vu, plain)
    return _UNSPOKEN.sub("", kana.translate(_SMALL)).rstrip("ー")


@lru_cache(maxsize=1)
def _model() -> Any:
    """e2k's small character model, or None when it cannot load (a broken install): then
    nothing is read aloud and who-knows answers as before, through UniDic alone."""
    try:
        from e2k import C2K  # numpy, ~5 ms: only for communities that write katakana

        return C2K(model="turbo")
    except Exception:
        log.warning("e2k could not load: katakana is matched through UniDic only", exc_info=True)
        return None


@lru_cache(maxsize=50_000)
def katakana_spelling(word: str) -> str:
    """An English word as Japanese usually writes it (`applicative` -> `アプリカティブ`,
    `functor` -> `ファンクタ`, without the final long vowel as topics are kept): ~2 ms,
    remembered."""
    from bot.interests.terms import fold_long_vowel

    model = _model()
    return fold_long_vowel(str(model(word))) if model is not None else ""


def written_in_katakana(word: str) -> str:
    """The reading key of an English word's katakana spelling (see `reading_key`)."""
    return reading_key(katakana_spelling(word))


def _sound(latin: str) -> str:
    for letters, alike in _ALIKE:
        latin = latin.replace(letters, alike)
    return _VOWELS.sub("", latin)


@lru_cache(maxsize=20_000)
def _latin(kana: str) -> str:
    import jaconv

    return str(jaconv.kata2alphabet(kana)).replace("-", "")


def english_written(kana: str, words: Sequence[str]) -> list[str]:
    """The words of `words` (English, one word each) that `kana` writes: `アプリカティブ`
    -> [`applicative`]. Reads aloud at most `CANDIDATES` x 2 of them, those whose letters
    or consonants are closest to the katakana's."""
    key = reading_key(kana)
    if len(key) < MIN_SOUNDS or not words or not is_katakana(kana) or not may_be_loanword(kana):
        return []
    latin = _latin(kana)
    likely: dict[str, None] = {}
    for query, processor in ((latin, None), (_sound(latin), _sound)):
        for word, _, _ in process.extract(
            query, words, scorer=fuzz.ratio, processor=processor, limit=CANDIDATES
        ):
            likely[word] = None
    return [w for w in likely if written_in_katakana(w) == key]


def english_words(topics: Iterable[str]) -> list[str]:
    """The topics a katakana word may write: single words of three letters or more with a
    vowel (`ghc`, `npm` are read letter by letter, not as words)."""
    return [t for t in topics if _ENGLISH_WORD.match(t) and _VOWELS.search(t)]


def spoken_katakana(word: str) -> str | None:
    """`katakana_spelling` of an English word, where it is one to look for: a loanword of
    at least `MIN_SOUNDS` sounds (not `モノ`, a thing)."""
    if not english_words([word]):
        return None
    spelled = katakana_spelling(word)
    if len(reading_key(spelled)) < MIN_SOUNDS or not is_katakana(spelled):
        return None
    return spelled if may_be_loanword(spelled) else None
