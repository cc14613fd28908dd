"""The services a command handler may use, bundled so handlers take one argument."""

from __future__ import annotations

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
    from bot.ports import Outlet


@dataclass
class Services:
    config: Config
    clock: Clock
    db: Database
    repos: Repositories
    tracker: Tracker
    writer: Writer
    outlets: dict[str, Outlet] = field(default_factory=dict)
    # Feature services (interests, digests, intros) register themselves here by name.
    extras: dict[str, Any] = field(default_factory=dict)
    notices: ModeratorNotices = field(default_factory=ModeratorNotices)
