"""What of a chat message is code, and the few names in code that are its subject.

Members paste code in backticks, in blocks or bare; read as prose it gives topics like `xs`,
`int` or `f(y)`. It is taken out before topics are read, except a name the writer marked as a
term: set apart in Japanese text, or the thing a question asks about.
"""

from __future__ import annotations

import re

from bot.interests.terms import specificity

__all__ = ["CODE", "CODE_SPANS", "asked_names", "marked_words", "without_bare_code"]

CODE_SPANS = r"```.*?```|`[^`\n]*`"  # code blocks and inline code
CODE = re.compile(CODE_SPANS, re.DOTALL)
_JA_INLINE_WORD = re.compile(r"(?<!`)`([A-Za-z][A-Za-z-]{1,29})`(?!`)")
# A name in backticks in the sentence that asks ("Is there a GPUified `LogSumExp`?", "what
# version of `MLJLIBSVMInterface` are you using?") is what is asked about, and the answers are
# about it; elsewhere inline code is code. Not an everyday word (`loss`, `peer`, `stable`: a
# variable or a field there).
_ASKED_NAME = re.compile(r"(?<!`)`([A-Za-z][A-Za-z0-9]{3,29})`(?!`)(?=[^.!?\n`]{0,40}\?)")
# A line of code pasted without backticks: a definition or a type signature ("fun n xs = xs !!
# (n - 1)", "multiply :: Int -> Int", "data = dict(obj)"); not `==`, and not prose about a
# formula or a command ("export PATH=/opt/bin gives 401 with my token": `_PROSE_WORDS`).
_BARE_CODE = re.compile(
    r"^[^\S\n]*[a-z_][a-z0-9_']*(?:[^\S\n]+[a-z_][a-z0-9_']*)*[^\S\n]*(?:=(?!=)|::|<-)"
    r"[^\n]*",
    re.IGNORECASE | re.MULTILINE,
)
_PROSE_WORDS = re.compile(
    r"\b(?:the|an|with|my|your|to|of|in|for|and|but|or|is|are|was|it|this|that|what|when"
    r"|how|why|you|we|can|does|do|not|looks|like)\b",
    re.IGNORECASE,
)


def marked_words(text: str) -> list[str]:
    """Latin terms a Japanese text sets apart in backticks (`join` で引数を増やせる): terms
    the writer marked, not code, whether or not they are everyday English words."""
    return _JA_INLINE_WORD.findall(text)


def asked_names(text: str) -> list[str]:
    """The names in backticks that questions in `text` ask about (see `_ASKED_NAME`)."""
    return [n for n in _ASKED_NAME.findall(text) if specificity(n.casefold()) >= 1.0]


def without_bare_code(text: str) -> str:
    """`text` with lines of code pasted without backticks (`_BARE_CODE`) taken out."""
    if "=" not in text and "::" not in text and "<-" not in text:
        return text
    return _BARE_CODE.sub(
        lambda m: m.group() if len(_PROSE_WORDS.findall(m.group())) >= 2 else " | ", text
    )
