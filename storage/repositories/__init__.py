"""Repositories: every read and write the core needs, scoped by community, returning dataclasses.

Query code lives here and nowhere else, so SQLite and PostgreSQL differences (full-text search,
upserts) stay in one place. One small module per core table (`communities`, `members`,
`channels`, `settings`, `resources`, `messages`, `state`, `deliveries`, and `privacy` for one
member's data across them), on a shared `base`, composed in `composition.Repositories`. Features
keep their queries in their own store modules (`storage/<feature>`).
"""

from __future__ import annotations

from storage.repositories.channels import Channels
from storage.repositories.communities import Communities
from storage.repositories.composition import Repositories
from storage.repositories.deliveries import Deliveries
from storage.repositories.members import Members
from storage.repositories.messages import Messages, StoredMessageRef
from storage.repositories.privacy import Privacy
from storage.repositories.resources import Resources
from storage.repositories.settings import Settings
from storage.repositories.state import State

__all__ = [
    "Channels",
    "Communities",
    "Deliveries",
    "Members",
    "Messages",
    "Privacy",
    "Repositories",
    "Resources",
    "Settings",
    "State",
    "StoredMessageRef",
]
