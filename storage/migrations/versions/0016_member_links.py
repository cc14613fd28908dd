"""A link to a member's profile is a person, not a page: Slack's client pastes a mention as
`<https://app.slack.com/team/U0121PJA7BN|Nagatatz>` (haskell-jp's export), and Discord links a
user as `https://discord.com/users/<id>`. Rhizome stored those as shared resources, with the
topics of the words around them; it now reads the Slack form as a mention and tracks neither.

This revision brings an older database to the same state: such resources go (their shares,
activity, topics and search text with them, by cascade and trigger), the community's topic
counts are recounted, the mentions those links made are added (for members already known and
not opted out, never the author), and members are marked for a new interest pass.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# As `bot.urls._MEMBER_LINK` and `bot.mentions.MENTION` read them at this revision.
_MEMBER_LINK = re.compile(
    r"^https?://(?:[\w-]+\.)?(?:slack\.com/team/[UW][A-Z0-9]+|discord(?:app)?\.com/users/\d+)/?$"
)
_PROFILE_MENTION = re.compile(r"<https?://(?:[\w-]+\.)?slack\.com/team/([UW][A-Z0-9]{2,20})")
_BATCH = 1000
# A mention the message already has (a `<@U…>` beside the link) is not added twice.
_ADD_MENTION = sa.text(
    "INSERT INTO message_mentions (message_id, member_id, community_id) SELECT :m, :p, :c "
    "WHERE NOT EXISTS (SELECT 1 FROM message_mentions WHERE message_id = :m AND member_id = :p)"
)


def upgrade() -> None:
    conn = op.get_bind()
    communities = _drop_member_links(conn)
    communities |= _add_mentions(conn)
    for community_id in sorted(communities):
        _recount_topics(conn, community_id)
        conn.execute(
            sa.text("UPDATE member_topic_state SET dirty = true WHERE community_id = :c"),
            {"c": community_id},
        )


def _drop_member_links(conn: sa.engine.Connection) -> set[int]:
    found = [
        (rid, cid)
        for rid, cid, url in conn.execute(
            sa.text(
                "SELECT id, community_id, canonical_url FROM resources "
                "WHERE canonical_url LIKE '%slack.com/team/%' "
                "OR canonical_url LIKE '%discord.com/users/%' "
                "OR canonical_url LIKE '%discordapp.com/users/%'"
            )
        )
        if _MEMBER_LINK.match(url or "")
    ]
    for start in range(0, len(found), _BATCH):
        ids = [rid for rid, _ in found[start : start + _BATCH]]
        params = {f"r{i}": rid for i, rid in enumerate(ids)}
        listed = ", ".join(f":{name}" for name in params)
        # shares first: their triggers take the activity rows along
        conn.execute(sa.text(f"DELETE FROM shares WHERE resource_id IN ({listed})"), params)
        conn.execute(sa.text(f"DELETE FROM resources WHERE id IN ({listed})"), params)
    return {cid for _, cid in found}


def _add_mentions(conn: sa.engine.Connection) -> set[int]:
    members: dict[tuple[int, str], int] = {
        (cid, ext): mid
        for mid, cid, ext in conn.execute(
            sa.text(
                "SELECT m.id, m.community_id, m.external_id FROM members m "
                "WHERE NOT EXISTS (SELECT 1 FROM member_settings s "
                "WHERE s.community_id = m.community_id "
                "AND s.member_external_id = m.external_id AND s.tracking = false)"
            )
        )
    }
    touched: set[int] = set()
    last = 0
    while members:
        rows = conn.execute(
            sa.text(
                "SELECT id, community_id, author_id, text FROM messages "
                "WHERE id > :last AND text LIKE '%slack.com/team/%' ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": _BATCH},
        ).all()
        if not rows:
            break
        for message_id, cid, author, text in rows:
            named = {members.get((cid, ext)) for ext in _PROFILE_MENTION.findall(text or "")}
            for member_id in sorted(n for n in named if n is not None and n != author):
                added = conn.execute(_ADD_MENTION, {"m": message_id, "p": member_id, "c": cid})
                if added.rowcount:
                    touched.add(cid)
        last = rows[-1][0]
    return touched


def _recount_topics(conn: sa.engine.Connection, community_id: int) -> None:
    """`topic_stats` from the resource topics left (a deleted link's topics leave the counts)."""
    conn.execute(sa.text("DELETE FROM topic_stats WHERE community_id = :c"), {"c": community_id})
    conn.execute(
        sa.text(
            "INSERT INTO topic_stats (community_id, topic, resources, weight) "
            "SELECT community_id, topic, count(*), sum(weight) FROM resource_topics "
            "WHERE community_id = :c GROUP BY community_id, topic"
        ),
        {"c": community_id},
    )


def downgrade() -> None:
    """Nothing to undo: the links were never resources of their own, and the mentions they
    made stay true at the revision before."""
