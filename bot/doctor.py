"""`rhizome doctor`: everything a start needs, checked one line at a time, with what to do.

Checks run in order and never change anything (no migration, no database created): the config
file, the database (reachable, writable, ours, migrated), each platform token's shape, then,
online, what the platform says about the token (Slack: auth.test and the granted scopes against
the manifest's, the app-level token; Discord: the login and the privileged intent), and whether
the bot may post in every channel a digest is set to post in. The platform calls live in the
adapters (`adapters/*/doctor.py`); this module only orders them and words the results.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bot.config import Config, ConfigError, Secrets, enabled_adapters
from bot.platforms import adapter_specs, main_tokens
from bot.wording import count

Status = Literal["ok", "warn", "fail", "skip"]


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the report: what was checked, how it went, and what to do about it."""

    name: str
    status: Status
    detail: str


# What an adapter's online check receives: the config, the secrets and the digest channels of
# its platform as (community external id, channel id, channel name); it returns its lines.
OnlineCheck = Callable[
    [Config, Secrets, Sequence[tuple[str, str, str | None]]], Awaitable[list[Check]]
]


async def run_checks(
    config: Config,
    path: Path | None,
    secrets: Secrets,
    *,
    online: bool,
    platform_checks: dict[str, OnlineCheck],
) -> list[Check]:
    from bot.runtime import token_problems

    checks = [
        Check("config", "ok", str(path) if path else "no config file: every setting is a default")
    ]
    db_checks, channels = await _database(config)
    checks += db_checks
    try:
        local = {s.name for s in adapter_specs() if s.local}
        adapters = [a for a in enabled_adapters(config, secrets) if a not in local]
    except ConfigError as e:
        return [*checks, Check("tokens", "fail", str(e))]
    if not adapters:
        checks.append(
            Check(
                "tokens",
                "skip",
                f"no {main_tokens()}: `rhizome run` starts the console",
            )
        )
        return checks
    problems = token_problems(secrets, adapters)
    checks += [Check("tokens", "fail", p) for p in problems]
    if not problems:
        checks.append(Check("tokens", "ok", f"well-formed for {', '.join(adapters)}"))
    for adapter in adapters:
        if not online:
            checks.append(Check(adapter, "skip", "offline: not asked"))
        elif problems:
            checks.append(Check(adapter, "skip", "fix the token first"))
        else:
            mine = [(c[1], c[2], c[3]) for c in channels if c[0] == adapter]
            checks += await _guarded(adapter, platform_checks[adapter](config, secrets, mine))
    return checks


async def _guarded(name: str, work: Awaitable[list[Check]]) -> list[Check]:
    from bot.runtime import describe_network, is_transient

    try:
        return await work
    except Exception as e:
        if is_transient(e):
            return [Check(name, "fail", f"cannot reach the platform ({describe_network(e)})")]
        return [Check(name, "fail", f"{type(e).__name__}: {e}")]


async def _database(config: Config) -> tuple[list[Check], list[tuple[str, str, str, str | None]]]:
    """The database lines, and the channels its enabled digests post in."""
    from bot.interests.derived_version import DERIVED_VERSION
    from storage.db import Database
    from storage.preflight import (
        DatabaseProblem,
        check_sqlite,
        communities_derived_before,
        describe,
        digest_channels,
        display_url,
        known_revisions,
        revision_status,
        sqlite_file,
    )

    url = config.storage.url
    where = display_url(url)
    try:
        check_sqlite(url, known_revisions=known_revisions())
    except DatabaseProblem as e:
        return [Check("database", "fail", str(e))], []
    found = sqlite_file(url)
    if found is not None and not found.exists:
        return [
            Check("database", "ok", f"{where} does not exist yet: created at the first start")
        ], []
    db = Database.open(url)
    try:
        revision, heads = await revision_status(db)
        if revision is None:
            return [Check("database", "ok", f"{where} is empty: migrated at the first start")], []
        channels = await digest_channels(db)
        behind = await communities_derived_before(db, DERIVED_VERSION) if revision in heads else 0
    except Exception as e:
        problem = describe(e, url)
        if problem is None:
            raise
        return [Check("database", "fail", str(problem))], []
    finally:
        await db.close()
    lines = [Check("database", "ok", f"{where}, writable")]
    if revision in heads:
        lines.append(Check("migrations", "ok", f"at the newest revision ({revision})"))
        if behind:
            lines.append(
                Check(
                    "topics",
                    "ok",
                    f"{count(behind, 'community', 'communities')} worked out by an older "
                    "version: the next start works them out again in the background",
                )
            )
    else:
        lines.append(
            Check(
                "migrations",
                "warn",
                f"at revision {revision}, {', '.join(sorted(heads))} is available: "
                "`rhizome db upgrade` (or any start) applies it; back up first",
            )
        )
    return lines, [
        (c.platform, c.community_external_id, c.channel_id, c.channel_name) for c in channels
    ]


def render(check: Check) -> str:
    mark = {"ok": "ok  ", "warn": "warn", "fail": "FAIL", "skip": "skip"}[check.status]
    return f"{mark}  {check.name}: {check.detail}"


def exit_code(checks: Sequence[Check]) -> int:
    return 1 if any(c.status == "fail" for c in checks) else 0
