"""Who-knows' last resort, ranked: the members who shared the links that best match the
query's words, when fewer members than asked have it among their topics. Pure: the service
reads the shares (`storage.interests.linked`) and says in the reply where these names came
from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from storage.interests.linked import LinkShare
from storage.interests.values import EvidenceRef


@dataclass(frozen=True, slots=True)
class LinkSharer:
    """A member and their shares of matching links, best match first; `score` adds
    1/(1 + rank) per link, so two good matches beat one."""

    member_id: int
    score: float
    refs: tuple[EvidenceRef, ...]


def rank_link_sharers(
    resource_ids: Sequence[int],
    shares: Sequence[LinkShare],
    asking: Callable[[LinkShare], bool],
) -> list[LinkSharer]:
    """Sharers best first (`resource_ids` are the matches, best first). A share that asks
    (a question about the link, or the link added to one's own question) is wanting to
    learn, not knowing, as everywhere else in who-knows; each link counts once a member."""
    rank = {rid: i for i, rid in enumerate(resource_ids)}
    mine: dict[int, dict[int, EvidenceRef]] = {}
    for share in shares:
        if share.resource_id not in rank or asking(share):
            continue
        refs = mine.setdefault(share.member_id, {})
        refs.setdefault(
            share.resource_id, EvidenceRef("shared", share.resource_id, share.message_id)
        )
    out = []
    for member_id, refs in mine.items():
        ordered = tuple(sorted(refs.values(), key=lambda ref: rank[ref.resource_id]))
        score = sum(1.0 / (1 + rank[ref.resource_id]) for ref in ordered)
        out.append(LinkSharer(member_id, round(score, 6), ordered))
    out.sort(key=lambda s: (-s.score, s.member_id))
    return out
