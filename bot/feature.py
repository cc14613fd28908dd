"""A feature is a unit: the `Feature` protocol every feature package implements once.

Think errbot's `BotPlugin` or Red's cogs. A feature declares, in one object:
- its commands (`register_commands`), read by the command registry;
- its tables: the modules that define them (`table_modules`, read by the migrations env) and,
  for a feature outside the core migration chain, a folder of Alembic revisions of its own
  (`migrations`: a branch of its own, applied by `rhizome db upgrade` and every start);
- what it starts and stops with the core (`start`, `close`) and its background work
  (`background`: coroutines `rhizome run` and the console keep running);
- its part of privacy: `forget` and `export` of one member's data (read by `forget-me` and
  `my-data`), `purge` of a whole community (after the community's rows are deleted);
- what it adds to views: `/rhizome profile`, `/rhizome network`, `/rhizome-admin settings`;
- its autocompletion providers and what the demo needs (`demo`).

`FEATURES` (in `bot.features`) lists them; nothing else in the core names a feature. Subclass
`FeatureBase` for no-op defaults of everything optional. A feature that owns member data
(`owns_member_data`) must implement `forget` and `export` itself; a test checks every feature
in `FEATURES`, and that every table holding member data belongs to a feature that says so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from bot.app import Rhizome
    from bot.commands.registry import CommandContext, Registry
    from bot.documents import Block
    from bot.model import Community, CommunityRef, Member
    from bot.services import Services

# A coroutine function the runner keeps running until cancelled (`rhizome run`, the console).
BackgroundWork = Callable[["Rhizome"], Awaitable[None]]
# Suggestions while typing an option: (community, what was typed, how many) -> suggestions.
Completer = Callable[["CommunityRef", str, int], Awaitable[Sequence[str]]]


@runtime_checkable
class Feature(Protocol):
    """What the core knows about a feature. See the module docstring."""

    @property
    def name(self) -> str: ...

    @property
    def table_modules(self) -> tuple[str, ...]:
        """Modules whose import puts this feature's tables on `storage.models.Base.metadata`."""
        ...

    @property
    def migrations(self) -> Path | None:
        """A folder of Alembic revisions of this feature's own branch, or None (its tables are
        in the core chain, storage/migrations/versions)."""
        ...

    @property
    def owns_member_data(self) -> bool:
        """Whether any of its tables holds rows about a member (then forget and export are a
        must)."""
        ...

    @property
    def settings_order(self) -> int:
        """Where its part of `/rhizome-admin settings` goes (smaller first)."""
        ...

    def register_commands(self, registry: Registry) -> None: ...

    def start(self, services: Services) -> None: ...

    def background(self, services: Services) -> Sequence[BackgroundWork]: ...

    async def close(self, services: Services) -> None: ...

    async def forget(self, services: Services, community_id: int, external_id: str) -> None: ...

    async def export(
        self, services: Services, community_id: int, external_id: str
    ) -> Mapping[str, Any]: ...

    async def purge(self, services: Services, community_id: int) -> None: ...

    async def profile_blocks(self, ctx: CommandContext, member: Member) -> Sequence[Block]: ...

    async def network_blocks(self, ctx: CommandContext, member: Member) -> Sequence[Block]: ...

    async def settings_blocks(self, ctx: CommandContext) -> Sequence[Block]: ...

    def completers(self, services: Services) -> Mapping[str, Completer]: ...

    async def demo(self, rhizome: Rhizome, community: Community) -> None: ...


class FeatureBase:
    """No-op defaults for everything a feature may leave out. `forget` and `export` default to
    nothing too, which is only right for a feature that stores nothing about members."""

    name: str = ""
    table_modules: tuple[str, ...] = ()
    migrations: Path | None = None
    owns_member_data: bool = False
    settings_order: int = 100

    def register_commands(self, registry: Registry) -> None:
        return None

    def start(self, services: Services) -> None:
        return None

    def background(self, services: Services) -> Sequence[BackgroundWork]:
        return ()

    async def close(self, services: Services) -> None:
        return None

    async def forget(self, services: Services, community_id: int, external_id: str) -> None:
        return None

    async def export(
        self, services: Services, community_id: int, external_id: str
    ) -> Mapping[str, Any]:
        return {}

    async def purge(self, services: Services, community_id: int) -> None:
        return None

    async def profile_blocks(self, ctx: CommandContext, member: Member) -> Sequence[Block]:
        return ()

    async def network_blocks(self, ctx: CommandContext, member: Member) -> Sequence[Block]:
        return ()

    async def settings_blocks(self, ctx: CommandContext) -> Sequence[Block]:
        return ()

    def completers(self, services: Services) -> Mapping[str, Completer]:
        return {}

    async def demo(self, rhizome: Rhizome, community: Community) -> None:
        return None


def implements(feature: Feature, method: str) -> bool:
    """Whether `feature` has its own `method`, not `FeatureBase`'s no-op."""
    own = getattr(type(feature), method, None)
    return own is not None and own is not getattr(FeatureBase, method)


def migration_folders(features: Sequence[Feature]) -> tuple[Path, ...]:
    return tuple(f.migrations for f in features if f.migrations is not None)


def table_modules(features: Sequence[Feature]) -> tuple[str, ...]:
    return tuple(m for f in features for m in f.table_modules)
