"""A toy feature, all in this package: members keep short notes (`/rhizome notes add|list`),
in a table of its own with a migration of its own, forgotten and exported with the rest.

It shows (and `tests/db/test_features.py` checks) that a feature needs nothing outside its
package but a place in a features tuple.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, delete, insert, select

from bot.commands.registry import MEMBER_GROUP, CommandContext, OptionKind, OptionSpec, Registry
from bot.documents import Reply
from bot.feature import FeatureBase
from bot.services import Services

metadata = MetaData()
notes = Table(
    "toy_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "community_id", Integer, ForeignKey("communities.id", ondelete="CASCADE"), nullable=False
    ),
    Column("member_external_id", String(64), nullable=False),
    Column("text", String(500), nullable=False),
)


async def add_note(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    async with ctx.services.db.write() as conn:
        await conn.execute(
            insert(notes).values(
                community_id=ctx.community.id,
                member_external_id=ctx.actor.external_id,
                text=args["text"],
            )
        )
    return Reply.text("Noted.")


async def list_notes(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    found = await _notes(ctx.services, ctx.community.id, ctx.actor.external_id)
    return Reply.text("\n".join(found) or "No notes.")


async def _notes(services: Services, community_id: int, external_id: str) -> list[str]:
    async with services.db.read() as conn:
        rows = await conn.execute(
            select(notes.c.text)
            .where(notes.c.community_id == community_id)
            .where(notes.c.member_external_id == external_id)
            .order_by(notes.c.id)
        )
        return list(rows.scalars())


class NotesFeature(FeatureBase):
    name = "notes"
    migrations = Path(__file__).with_name("migrations")
    owns_member_data = True

    def register_commands(self, registry: Registry) -> None:
        registry.command(
            MEMBER_GROUP,
            "notes add",
            "Keep a note",
            OptionSpec("text", OptionKind.TEXT, "the note"),
        )(add_note)
        registry.command(MEMBER_GROUP, "notes list", "Your notes")(list_notes)

    async def forget(self, services: Services, community_id: int, external_id: str) -> None:
        async with services.db.write() as conn:
            await conn.execute(
                delete(notes)
                .where(notes.c.community_id == community_id)
                .where(notes.c.member_external_id == external_id)
            )

    async def export(
        self, services: Services, community_id: int, external_id: str
    ) -> Mapping[str, Any]:
        return {"notes": await _notes(services, community_id, external_id)}


FEATURE = NotesFeature()
__all__: Sequence[str] = ("FEATURE", "notes")
