"""Intros on the sample community, with real interest profiles: every quoted title is a real
title, every quoted question a real message, and everyone introduced is named."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot import demo
from bot.commands.registry import ADMIN_GROUP, Invocation
from bot.documents import Mention, Paragraph
from bot.model import Actor
from storage import models as m
from tests.db.intros_support import IntroOutlet

NOW = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)
MODERATOR = Actor("dara", "Dara Novak", is_admin=True)
_QUOTED = re.compile(r"(?:shared|discussed|reacted to|asked about) '(.+?)'(?:,|$|\n)", re.M)
_ASKED = re.compile(r"asked “(.+?)”")


def _norm(text: str) -> str:
    return " ".join(text.split())


def _words_in_order(quote: str, text: str) -> bool:
    """The quote's words appear in the message in order (links may have been cut out)."""
    rest = text
    for word in quote.rstrip("…").split():
        found = rest.find(word)
        if found < 0:
            return False
        rest = rest[found + len(word) :]
    return True


def _real(quote: str, texts: set[str]) -> bool:
    if quote.endswith("…"):
        return any(t.startswith(quote[:-1].rstrip()) for t in texts)
    return quote in texts


async def test_a_round_on_the_sample_community_says_only_true_things(tmp_path: Path) -> None:
    rhizome = await demo.build(NOW, tmp_path / "demo.db")
    try:
        outlet = IntroOutlet(platform="console")
        rhizome.add_outlet(outlet)
        reply = await rhizome.run_command(
            Invocation(demo.COMMUNITY, MODERATOR, ADMIN_GROUP, text="intros run-now")
        )
        assert "5 introductions posted" in reply.document.plain()  # ten members, five pairs
        async with rhizome.services.db.read() as conn:
            titles = {
                _norm(t) for t in (await conn.execute(select(m.resources.c.title))).scalars() if t
            }
            titles |= set((await conn.execute(select(m.resources.c.canonical_url))).scalars())
            said = [_norm(t) for t in (await conn.execute(select(m.messages.c.text))).scalars()]
        quoted = asked = 0
        introduced: list[str] = []
        for conv, doc in outlet.posts:
            text = doc.plain()
            members = set(outlet.members_of(conv))
            introduced += members
            named = {
                s.external_id
                for b in doc.blocks
                if isinstance(b, Paragraph)
                for s in b.content
                if isinstance(s, Mention)
            }
            assert members <= named, text
            for q in _QUOTED.findall(text):
                assert _real(q, titles), q
                quoted += 1
            for q in _ASKED.findall(text):
                assert any(_words_in_order(q, s) for s in said), q
                asked += 1
        assert sorted(introduced) == sorted(demo.load(NOW).members)  # everyone, once
        assert quoted >= 5 and asked >= 1
    finally:
        await rhizome.close()
