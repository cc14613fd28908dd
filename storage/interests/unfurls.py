"""Page metadata fetch state per link: what is due, and the outcomes recorded (found titles and
descriptions go onto the resources and into search)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Table,
    func,
    select,
    update,
)
from sqlalchemy.engine import Connection

from bot.titles import TitleSource, clean_title
from storage import models as m
from storage.db import Database
from storage.ingest import IngestStore
from storage.interests.common import _upsert
from storage.interests.tables import (
    resource_unfurls,
)
from storage.interests.values import (
    Unfurled,
    UnfurlTodo,
)
from storage.sql import chunks


class UnfurlStore:
    db: Database

    async def unfurl_new(self, community_id: int, after: int, limit: int) -> list[UnfurlTodo]:
        """Links created after the watermark that were never fetched."""
        rt, ru = m.resources, resource_unfurls
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(rt.c.id, _fetch_url(rt))
                .outerjoin(ru, ru.c.resource_id == rt.c.id)
                .where(
                    rt.c.community_id == community_id,
                    rt.c.id > after,
                    rt.c.kind == "link",
                    ru.c.resource_id.is_(None),
                )
                .order_by(rt.c.id)
                .limit(limit)
            )
            return [UnfurlTodo(rid, url, 0) for rid, url in rows]

    async def unfurl_retries(
        self, community_id: int, now: datetime, limit: int
    ) -> list[UnfurlTodo]:
        rt, ru = m.resources, resource_unfurls
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(rt.c.id, _fetch_url(rt), ru.c.attempts)
                .join(ru, ru.c.resource_id == rt.c.id)
                .where(
                    ru.c.state == "retry",
                    ru.c.next_attempt_at <= now,
                    ru.c.community_id == community_id,
                )
                .order_by(ru.c.next_attempt_at, rt.c.id)
                .limit(limit)
            )
            return [UnfurlTodo(rid, url, int(n or 0)) for rid, url, n in rows]

    async def record_unfurls(
        self, community_id: int, results: Sequence[Unfurled], now: datetime
    ) -> list[int]:
        """Store fetch outcomes; found titles/descriptions go onto the resources (and into
        search). Returns the resources whose metadata changed."""
        async with self.db.write() as conn:
            return await conn.run_sync(_record_unfurls, community_id, list(results), now)

    async def unfurl_states(self, community_id: int) -> dict[int, tuple[str, int]]:
        ru = resource_unfurls
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(ru.c.resource_id, ru.c.state, ru.c.attempts).where(
                    ru.c.community_id == community_id
                )
            )
            return {rid: (state, int(n)) for rid, state, n in rows}


def _fetch_url(rt: Table) -> Any:
    """The first spelling someone shared: canonical URLs prefer https, which a plain-http
    site may not serve."""
    ru = m.resource_urls
    first = (
        select(ru.c.original_url)
        .where(ru.c.resource_id == rt.c.id)
        .order_by(ru.c.id)
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(first, rt.c.canonical_url)


def _record_unfurls(
    conn: Connection, community_id: int, results: list[Unfurled], now: datetime
) -> list[int]:
    rt, ru = m.resources, resource_unfurls
    ids = sorted({r.resource_id for r in results})
    alive: dict[int, tuple[str | None, str | None]] = {}
    ranks: dict[int, int] = {}
    for part in chunks(ids):
        for rid, title, desc, rank in conn.execute(
            select(rt.c.id, rt.c.title, rt.c.description, rt.c.title_rank).where(
                rt.c.id.in_(part), rt.c.community_id == community_id
            )
        ):
            alive[rid] = (title, desc)
            ranks[rid] = rank or 0
    rows = []
    changed: list[int] = []
    updates = []
    for r in results:
        if r.resource_id not in alive:
            continue  # deleted while we fetched
        rows.append(
            {
                "resource_id": r.resource_id,
                "community_id": community_id,
                "state": r.state,
                "attempts": r.attempts,
                "next_attempt_at": r.next_attempt_at,
                "fetched_at": now,
                "site_name": (r.site_name or None) and r.site_name[:200],
                "keywords": "\n".join(k.replace("\n", " ") for k in r.keywords) or None,
                "error": (r.error or None) and r.error[:300],
            }
        )
        if r.state == "ok":
            title = clean_title(r.title)
            old_title, old_desc = alive[r.resource_id]
            if ranks[r.resource_id] > TitleSource.PAGE:
                title = None  # what members saw under the link, or its label, stays
            title = title or old_title
            desc = r.description or old_desc
            if (title, desc) != (old_title, old_desc):
                updates.append({"rid": r.resource_id, "title": title, "description": desc})
                changed.append(r.resource_id)
    if rows:
        conn.execute(
            _upsert(
                conn,
                ru,
                ["resource_id"],
                [
                    "state",
                    "attempts",
                    "next_attempt_at",
                    "fetched_at",
                    "site_name",
                    "keywords",
                    "error",
                ],
            ),
            rows,
        )
    for u in updates:
        rid = int(cast(int, u["rid"]))
        values: dict[str, Any] = {"title": u["title"], "description": u["description"]}
        if u["title"] != alive[rid][0]:
            values["title_rank"] = TitleSource.PAGE
        conn.execute(update(rt).where(rt.c.id == rid).values(**values))
    if changed:
        IngestStore.refresh_search_text(conn, changed)
    return changed
