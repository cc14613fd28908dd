"""Configuration: TOML for settings, the environment for secrets.

pydantic validates the TOML (unknown keys and wrong types are errors) so a bad config stops
start-up with one line naming the key, instead of failing later in some callback.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.interests.introductions import DEFAULT_CHANNELS as DEFAULT_INTRODUCTION_CHANNELS

if TYPE_CHECKING:
    from bot.platforms import AdapterSpec

DEFAULT_DB_URL = "sqlite+aiosqlite:///rhizome.db"


class ConfigError(Exception):
    """A configuration problem, worded for the person who wrote the config."""


# An adapter cannot start (a refused token, a platform still unreachable after retries).


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StorageConfig(_Section):
    url: str = DEFAULT_DB_URL
    # PostgreSQL pool: keep small per process; behind PgBouncer (transaction mode) set
    # statement_cache_size = 0.
    pool_size: int = Field(default=5, ge=1, le=100)
    max_overflow: int = Field(default=5, ge=0, le=100)
    statement_cache_size: int = Field(default=100, ge=0)
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _known_driver(cls, v: str) -> str:
        if not v.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return v


class TrackingConfig(_Section):
    # Channel names or ids never tracked (e.g. "random", "off-topic").
    ignored_channels: list[str] = []
    # When non-empty, only these channels are tracked.
    tracked_channels: list[str] = []
    # Whether private channels the bot can see are tracked at all.
    track_private_channels: bool = False
    # Reactions that save a resource to the reactor's list (used by `saved`).
    bookmark_emoji: list[str] = ["bookmark"]
    # Reactions that keep a message out of digests.
    silence_emoji: list[str] = ["no_bell"]
    # Largest message text stored (longer text is cut, links are still extracted from it all).
    max_message_chars: int = Field(default=40_000, ge=1000)


class PrivacyConfig(_Section):
    # New members are tracked unless they opt out ("privacy tracking off").
    default_tracking: bool = True
    # How soon edited or deleted messages' old text is wiped from the database files too.
    scrub_minutes: float = Field(default=15, gt=0, le=24 * 60)
    # Messages (and what was derived from them) older than this many days are deleted, and
    # older history is not imported; 0 keeps everything.
    retention_days: int = Field(default=0, ge=0, le=100 * 365)
    # Who may be named in who-knows, digest connectors and intros: "opt-out" (everyone
    # tracked, unless they said `privacy profiling off`), "opt-in" (only members who said
    # `privacy profiling on`), or "platform": opt-in on Discord, whose Developer Policy
    # forbids profiling users beyond what they expect, opt-out on Slack (an internal app the
    # workspace installed) and in the console.
    profiling: Literal["platform", "opt-in", "opt-out"] = "platform"


class ConsoleConfig(_Section):
    community: str = "local"
    default_channel: str = "general"
    default_member: str = "you"


class SlackConfig(_Section):
    enabled: bool = True  # runs when SLACK_BOT_TOKEN is set
    api_base_url: str = "https://slack.com/api/"
    host: str = "0.0.0.0"
    port: int = Field(default=3000, ge=0, le=65535)
    path: str = "/slack/events"
    moderators: list[str] = []  # user ids with moderator rights besides admins/owners
    posts_per_second: float = Field(default=1.0, gt=0)
    # After a restart or reconnect, read each channel's history from this long before its
    # newest stored message (edits, deletions and replies in that range are reconciled).
    catch_up: bool = True
    catch_up_window_hours: float = Field(default=24.0, ge=0)


class DiscordConfig(_Section):
    enabled: bool = True  # runs when DISCORD_TOKEN is set
    api_base_url: str = "https://discord.com/api/v10"
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: list[int] | None = None
    moderators: list[str] = []  # user ids with moderator rights besides manage_guild
    intros_channel_id: str | None = None
    sync_guild_id: str | None = None
    # Most messages read per channel or thread in one catch-up (0: no catch-up at all); a
    # place cut short is read on from there at the next one.
    backfill_limit: int = Field(default=100_000, ge=0)
    # Stored messages just before each place's mark read again in a catch-up, to notice what
    # was deleted while the bot was away.
    recheck_messages: int = Field(default=100, ge=0, le=10_000)

    @model_validator(mode="after")
    def _shards(self) -> DiscordConfig:
        if self.shard_ids is None:
            return self
        if self.shard_count is None:
            raise ValueError("shard_ids needs shard_count")
        bad = [i for i in self.shard_ids if not 0 <= i < self.shard_count]
        if bad:
            raise ValueError(
                f"shard_ids {bad} are outside 0..{self.shard_count - 1} (shard_count is "
                f"{self.shard_count})"
            )
        return self


class InterestsConfig(_Section):
    half_life_days: float = Field(default=180.0, gt=0)
    aliases: dict[str, str] = {}
    # Where members introduce themselves (glob patterns of channel names): what they say they
    # work on or care about there counts as an interest they listed. [] turns it off.
    introduction_channels: list[str] = Field(
        default_factory=lambda: list(DEFAULT_INTRODUCTION_CHANNELS)
    )


class UnfurlConfig(_Section):
    enabled: bool = True
    allow_private_addresses: bool = False
    timeout_seconds: float = Field(default=5.0, gt=0)
    max_bytes: int = Field(default=1_000_000, ge=1024)
    max_redirects: int = Field(default=5, ge=0, le=20)


class DigestsConfig(_Section):
    # A missed digest is still posted this long after its time (after downtime).
    grace_hours: float = Field(default=24.0, ge=0)
    # A claimed digest with no post after this long is retried (a crashed process).
    stale_claim_minutes: float = Field(default=10.0, gt=0)
    max_attempts: int = Field(default=3, ge=1)
    tick_seconds: float = Field(default=30.0, gt=0)
    # Fewer eligible items than this make a quiet week: a short note, or nothing.
    min_items: int = Field(default=3, ge=0)
    quiet_week: Literal["note", "skip"] = "note"
    default_size: int = Field(default=5, ge=1)
    max_size: int = Field(default=15, ge=1, le=40)
    default_schedule: str = "monday 09:00 UTC"
    # Real @mentions notify people; names only by default.
    mention_members: bool = False
    max_questions: int = Field(default=3, ge=0)
    max_connectors: int = Field(default=3, ge=0)

    @field_validator("default_schedule")
    @classmethod
    def _schedule(cls, v: str) -> str:
        from bot.digests.schedule import parse_schedule

        parse_schedule(v)  # raises ValueError with a message naming the problem
        return v


class LoggingConfig(_Section):
    # Lowest level written to stderr; `rhizome run --log-level` overrides it.
    level: Literal["debug", "info", "warning", "error"] = "info"
    # "json": one JSON object per line, for log collectors (journald, Loki, CloudWatch...).
    format: Literal["text", "json"] = "text"


class HealthConfig(_Section):
    # An HTTP health server for every mode (Socket Mode and Discord have no port otherwise):
    # GET /healthz answers while the process runs, GET /readyz once it serves and its database
    # answers. Off unless a port is set (0 picks a free one and logs it).
    host: str = "127.0.0.1"
    port: int | None = Field(default=None, ge=0, le=65535)


class Config(_Section):
    """Every section. The built-in platforms' sections are typed fields; a platform added
    later (an `AdapterSpec` in `adapters.registry`) gets its section checked against its own
    model and read with `config.section(spec)`."""

    model_config = ConfigDict(extra="allow", frozen=True)

    storage: StorageConfig = StorageConfig()
    tracking: TrackingConfig = TrackingConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    console: ConsoleConfig = ConsoleConfig()
    slack: SlackConfig = SlackConfig()
    discord: DiscordConfig = DiscordConfig()
    interests: InterestsConfig = InterestsConfig()
    unfurl: UnfurlConfig = UnfurlConfig()
    digests: DigestsConfig = DigestsConfig()
    logging: LoggingConfig = LoggingConfig()
    health: HealthConfig = HealthConfig()

    @model_validator(mode="before")
    @classmethod
    def _platform_sections(cls, data: object) -> object:
        """Sections that are not fields must be a registered platform's; each is parsed with
        that platform's model (a mistake there names its key, like any other)."""
        if not isinstance(data, Mapping):
            return data
        extra = [k for k in data if k not in cls.model_fields]
        if not extra:
            return data
        from bot.platforms import adapter_specs

        models = {s.section: s.settings for s in adapter_specs()}
        out = dict(data)
        for key in extra:
            if key not in models:
                raise ConfigError(f"{key}: unknown key")
            try:
                out[key] = models[key].model_validate(data[key])
            except ValidationError as e:
                raise ConfigError(f"{key}.{_describe(e)}") from None
        return out

    def section(self, spec: AdapterSpec) -> BaseModel:
        """A platform's settings: its section as written, or its defaults."""
        found = getattr(self, spec.section, None)
        if isinstance(found, spec.settings):
            return found
        return (self.__pydantic_extra__ or {}).get(spec.section) or spec.settings()


@dataclass(frozen=True, slots=True, repr=False)
class Secrets:
    """Tokens from the environment, by variable name (each adapter declares the names it reads,
    see `bot.platforms.AdapterSpec.secrets`). `repr` never shows them, so a log line can't leak
    one."""

    values: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return self.values.get(name) or None

    def __repr__(self) -> str:
        return f"Secrets(set={sorted(n for n, v in self.values.items() if v)})"

    @classmethod
    def of(cls, **named: str | None) -> Secrets:
        """`Secrets.of(slack_bot_token="xoxb-…")`: names in lower case, for tests and tools."""
        return cls({k.upper(): v for k, v in named.items() if v})

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Secrets:
        from bot.platforms import secret_names

        env = os.environ if env is None else env
        return cls({n: env[n] for n in secret_names() if env.get(n)})


Adapter = str  # an adapter's name (`AdapterSpec.name`)


def enabled_adapters(config: Config, secrets: Secrets) -> list[Adapter]:
    """Which adapters `rhizome run` starts, in the registry's order; fails clearly when one is
    half-configured. With none, the local one (the console)."""
    from bot.platforms import adapter_specs

    specs = adapter_specs()
    adapters = [s.name for s in specs if not s.local and s.enabled(config, secrets)]
    return adapters or [s.name for s in specs if s.local][:1]


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    key = ".".join(str(p) for p in first["loc"]) or "(top level)"
    kind = first["type"]
    if kind == "extra_forbidden":
        return f"{key}: unknown key"
    return f"{key}: {first['msg'].removeprefix('Value error, ')}"


def parse_config(data: Mapping[str, object]) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_describe(e)) from None


def load_config(path: str | Path | None = None) -> Config:
    """Load and validate; no path (and no ./rhizome.toml) means all defaults."""
    if path is None:
        default = Path("rhizome.toml")
        if not default.exists():
            return Config()
        path = default
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise ConfigError(f"{p}: cannot read config file ({e.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{p}: not valid TOML ({e})") from None
    try:
        return parse_config(data)
    except ConfigError as e:
        raise ConfigError(f"{p}: {e}") from None


def config_path(path: str | Path | None, env: Mapping[str, str] | None = None) -> Path | None:
    """The config file in use: --config, else $RHIZOME_CONFIG, else ./rhizome.toml if present."""
    env = os.environ if env is None else env
    if path is not None:
        return Path(path)
    if env.get("RHIZOME_CONFIG"):
        return Path(env["RHIZOME_CONFIG"])
    default = Path("rhizome.toml")
    return default if default.exists() else None


def with_database(
    config: Config, path: Path | None, env: Mapping[str, str] | None = None
) -> Config:
    """Settle which database is used, so it never depends on where a command is run from.

    $RHIZOME_DATABASE_URL wins over storage.url (a PostgreSQL password is a secret, and
    containers pass it in the environment). A relative SQLite path is relative to the config
    file's folder; with no config file, to the current folder. The result is absolute.
    """
    from sqlalchemy.engine import make_url

    env = os.environ if env is None else env
    url = env.get("RHIZOME_DATABASE_URL") or config.storage.url
    try:
        storage = config.storage.model_copy(update={"url": StorageConfig(url=url).url})
    except ValidationError as e:
        raise ConfigError(f"RHIZOME_DATABASE_URL: {e.errors()[0]['msg']}") from None
    parsed = make_url(storage.url)
    name = parsed.database
    if parsed.get_backend_name() == "sqlite" and name and not name.startswith((":", "file:")):
        base = path.absolute().parent if path is not None else Path.cwd()
        absolute = (base / Path(name).expanduser()).absolute()
        storage = storage.model_copy(
            update={"url": parsed.set(database=str(absolute)).render_as_string(False)}
        )
    return config.model_copy(update={"storage": storage})
