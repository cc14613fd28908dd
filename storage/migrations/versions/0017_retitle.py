"""A title made of a URL's words no longer keeps what the address says of when or in which
language (`2020-10-09-asterisk` had been titled "2020 10 09 asterisk", `09-ghc-users-guide`
"09 ghc users guide", `windows-gotchas-en` "Windows gotchas en", a Trello card `51-ロゴの改善`
"51 ロゴの改善"), one made of the sharer's sentence no longer opens on a greeting
("はじめまして!", nice to meet you, had titled two pages of testing advice), and a file is
not titled by a name that encodes a blob (an Infrahub forum image `t27crN8hZ0qZNdG1o…`).

This revision lets an older database's such titles be worked out again: they are cleared
(search text kept until then) and their resources marked for the next interest pass, which
titles untitled resources from their URL or sentence with the code of the day. Nothing else
is touched.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_SENTENCE, _SLUG, _FILE = 1, 2, 3  # `bot.titles.TitleSource` at this revision
_BATCH = 1000
# As `bot.titles` reads a path segment at this revision.
_PREFIX = re.compile(
    r"^(?:(?:19|20)\d\d([-_.]?)[01]\d\1[0-3]\d[-_]+(?=.*[^\W\d_])|0\d{1,2}[-_]+(?=[^\W\d_]))"
)
_LANGUAGE = re.compile(
    r"(?<=[a-z])[_-](?:en|de|fr|es|it|pt|nl|ru|ja|jp|zh|ko)(?:[_-][a-z]{2})?$", re.IGNORECASE
)
_CARD = re.compile(r"^\d+-(?=[^\W\d_])")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_ENCODED = re.compile(r"^(?=(?:\D*\d+(?!\d)){3})(?=.*[a-z])(?=.*[A-Z])[A-Za-z0-9+/=]{24,}$")
# As `bot.titles._GREETINGS` reads a sentence's opening at this revision.
_GREETING = re.compile(
    r"(?i)^(?:はじめまして|初めまして|こんにちは|こんばんは|おはようございます|お疲れ様です"
    r"|おつかれさまです|ありがとうございます|よろしくお願いします|失礼します"
    r"|(?:hi|hello|hey|thanks|thank you|good (?:morning|evening))"
    r"(?: (?:all|everyone|everybody|folks|guys|team|there|so much))*)"
    r"(?:[.,!?、。！？]|\s*$)"
)


def _retitled(url: str) -> bool:
    """Does the URL's last named segment carry a date, a padded number, a language or a
    card's number that a title of its words had kept?"""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if not segments:
        return False
    last = _EXTENSION.sub("", segments[-1])
    if (parts.hostname or "").removeprefix("www.") == "trello.com" and _CARD.match(last):
        return True
    return bool(_PREFIX.match(last) or _LANGUAGE.search(last))


def _stale(url: str, title: str, rank: int) -> bool:
    if rank == _SLUG:
        return _retitled(url)
    if rank == _FILE:
        return bool(_ENCODED.match(_EXTENSION.sub("", title.removesuffix("…"))))
    return bool(_GREETING.match(title))


def upgrade() -> None:
    conn = op.get_bind()
    found = [
        rid
        for rid, url, title, rank in conn.execute(
            sa.text(
                "SELECT id, coalesce(shared_url, canonical_url), title, title_rank FROM resources "
                "WHERE title_rank IN (:sentence, :slug, :file)"
            ),
            {"sentence": _SENTENCE, "slug": _SLUG, "file": _FILE},
        )
        if _stale(url or "", title or "", rank)
    ]
    for start in range(0, len(found), _BATCH):
        params = {f"r{i}": rid for i, rid in enumerate(found[start : start + _BATCH])}
        listed = ", ".join(f":{name}" for name in params)
        conn.execute(
            sa.text(
                f"UPDATE resources SET title = NULL, title_rank = NULL "
                f"WHERE id IN ({listed}) AND title_rank IN ({_SENTENCE}, {_SLUG}, {_FILE})"
            ),
            params,
        )
        conn.execute(
            sa.text(
                f"UPDATE resource_topic_state SET dirty = true WHERE resource_id IN ({listed})"
            ),
            params,
        )


def downgrade() -> None:
    """Nothing to undo: the next interest pass titles those resources again."""
