"""The interest store: every interests read and write (its parts are in this package), and the
two that span them: resetting what is derived, and forget-me."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from bot.titles import TitleSource
from storage import models as m
from storage.db import Database
from storage.ingest import IngestStore
from storage.interests.changes import ChangeStore
from storage.interests.declared import DeclaredStore
from storage.interests.documents import DocumentStore
from storage.interests.evidence import EvidenceStore
from storage.interests.introductions import IntroductionStore
from storage.interests.linked import LinkedStore
from storage.interests.members import MemberStore
from storage.interests.mentions import MentionStore
from storage.interests.participation import ParticipationStore
from storage.interests.said import SaidStore
from storage.interests.state import StateStore
from storage.interests.tables import (
    declared_interests,
    interest_state,
    member_topic_state,
    member_topics,
    resource_topic_state,
    resource_topics,
    topic_stats,
)
from storage.interests.topics import TopicStore
from storage.interests.unfurls import UnfurlStore
from storage.sql import chunks


class InterestStore(
    StateStore,
    ChangeStore,
    DocumentStore,
    TopicStore,
    EvidenceStore,
    IntroductionStore,
    LinkedStore,
    SaidStore,
    MentionStore,
    MemberStore,
    DeclaredStore,
    ParticipationStore,
    UnfurlStore,
):
    """Every interests read and write; scoped by community."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def reset_derived(self, community_id: int) -> None:
        """Forget every derived row of a community (topics, scores, popularity, watermarks),
        so the next refresh works everything out again from the stored messages. Page
        metadata fetched by the unfurler is kept: it is data, not derived. So are titles from
        the platform, a label or a file; those made from the URL's words, a site's name or the
        sharing sentence are derived and made again (how they are made may have changed)."""
        rt = m.resources
        async with self.db.write() as conn:
            made = (
                (
                    await conn.execute(
                        select(rt.c.id).where(
                            rt.c.community_id == community_id,
                            rt.c.title_rank <= int(TitleSource.SLUG),
                        )
                    )
                )
                .scalars()
                .all()
            )
            for part in chunks(list(made)):  # search text follows, a part at a time
                await conn.execute(
                    update(rt).where(rt.c.id.in_(part)).values(title=None, title_rank=None)
                )
                await conn.run_sync(IngestStore.refresh_search_text, part)
            for table in (
                resource_topics,
                resource_topic_state,
                member_topics,
                member_topic_state,
                topic_stats,
                interest_state,
            ):
                await conn.execute(delete(table).where(table.c.community_id == community_id))

    async def forget(self, community_id: int, external_id: str) -> None:
        """Everything of one member's in these tables (`forget-me`); derived rows keyed by
        the member row went with it already (ON DELETE CASCADE)."""
        di, mt, ms = declared_interests, member_topics, member_topic_state
        async with self.db.write() as conn:
            await conn.execute(
                delete(di).where(
                    di.c.community_id == community_id, di.c.member_external_id == external_id
                )
            )
            member_id = (
                await conn.execute(
                    select(m.members.c.id).where(
                        m.members.c.community_id == community_id,
                        m.members.c.external_id == external_id,
                    )
                )
            ).scalar()
            if member_id is not None:
                await conn.execute(delete(mt).where(mt.c.member_id == member_id))
                await conn.execute(delete(ms).where(ms.c.member_id == member_id))
