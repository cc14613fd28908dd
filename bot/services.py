"""The services a command handler may use, bundled so handlers take one argument."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.clock import Clock
from bot.config import Config
from bot.ingest import Writer
from bot.notices import ModeratorNotices
from bot.tracking import Tracker
from storage.db import Database
from storage.repositories import Repositories

if TYPE_CHECKING:
    from bot.feature import Feature
    from bot.ports import Outlet

# Stored topics of resources, by resource row id: (community id, resource ids) -> topics.
TopicsFor = Callable[[int, Sequence[int]], Awaitable[dict[int, tuple[str, ...]]]]


@dataclass
class Services:
    config: Config
    clock: Clock
    db: Database
    repos: Repositories
    tracker: Tracker
    writer: Writer
    outlets: dict[str, Outlet] = field(default_factory=dict)
    # The features running in this core (`bot.features.FEATURES` unless a test says otherwise):
    # every hook (commands, privacy, views, background work) is read from them.
    features: tuple[Feature, ...] = ()
    # Objects a feature keeps per core (its service, its scheduler), by the feature's own key.
    # State only: hooks never live here (see `bot.feature.Feature`).
    extras: dict[str, Any] = field(default_factory=dict)
    # What resources are about, when a feature provides it (interests); digests use it.
    topics_for: TopicsFor | None = None
    notices: ModeratorNotices = field(default_factory=ModeratorNotices)
