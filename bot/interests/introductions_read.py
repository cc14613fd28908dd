"""Reading members' introductions from storage, for derive (`TopicPipeline`) and profiles
(`InterestService.profiles`): which channels, which posts, what they state
(`bot.interests.introductions`)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.interests.introductions import Introduced, introduced, is_introductions_channel
from storage.interests import InterestStore

if TYPE_CHECKING:
    from bot.interests.pipeline import Corpus
    from bot.services import Services

RECENT_INTRODUCTIONS = 5  # each member's newest posts read where members introduce themselves


class IntroductionReader:
    def __init__(self, services: Services, store: InterestStore) -> None:
        self.services = services
        self.store = store

    async def channels(self, community_id: int) -> list[int]:
        """The community's channels where members introduce themselves (by the config)."""
        patterns = self.services.config.interests.introduction_channels
        found = await self.store.public_channels(community_id)
        return [cid for cid, name in found.items() if is_introductions_channel(name, patterns)]

    async def read(
        self,
        community_id: int,
        ids: Sequence[int],
        since: datetime,
        corpus: Corpus,
        where: Sequence[int] | None = None,
    ) -> list[Introduced]:
        """What these members say they work on or care about there (`where`: the channels,
        when the caller knows them already)."""
        if where is None:
            where = await self.channels(community_id)
        if not where:
            return []
        posts = await self.store.own_posts(
            community_id, ids, where, since=since, recent=RECENT_INTRODUCTIONS
        )
        if not posts:
            return []
        community = await self.services.repos.communities.get(community_id)
        name = (community.name if community is not None else None) or ""
        return await asyncio.to_thread(
            introduced, posts, corpus.introduction_topics, corpus.community_wide(), name
        )
