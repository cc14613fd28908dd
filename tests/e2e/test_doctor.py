"""`rhizome doctor` against the fake Slack and Discord: each check's line, and what it changes
(nothing)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from adapters.discord.doctor import discord_checks
from adapters.slack.doctor import slack_checks
from adapters.slack.manifest import BOT_SCOPES
from bot.config import Config, Secrets, parse_config
from bot.doctor import Check, exit_code, render, run_checks
from tests.adapters.slack.conftest import GENERAL, TEAM
from tests.e2e.test_core_service import seed_due_digest
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_api import FakeSlackApi

CHECKS = {"slack": slack_checks, "discord": discord_checks}
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DISCORD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


def _head() -> str:
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config

    return str(ScriptDirectory.from_config(alembic_config()).get_current_head())


HEAD = _head()  # the newest migration, whatever it is now


def config_for(db: Path, **sections: dict[str, object]) -> Config:
    return parse_config({"storage": {"url": f"sqlite+aiosqlite:///{db}"}, **sections})


async def test_slack_scopes_and_a_digest_channel_the_bot_was_not_invited_to(
    tmp_path: Path,
) -> None:
    db = tmp_path / "rhizome.db"
    await seed_due_digest(db, datetime.now(UTC))
    async with FakeSlackApi(team_id=TEAM, team_name="Makers") as fake:
        fake.add_channel(GENERAL, "general").is_member = False
        fake.granted_scopes = [s for s in BOT_SCOPES if s != "files:read"]
        config = config_for(db, slack={"api_base_url": fake.base_url})
        secrets = Secrets.of(slack_bot_token=fake.token, slack_signing_secret=SIGNING_SECRET)
        checks = await run_checks(config, None, secrets, online=True, platform_checks=CHECKS)
    assert [render(c) for c in checks] == [
        "ok    config: no config file: every setting is a default",
        f"ok    database: {db}, writable",
        f"ok    migrations: at the newest revision ({HEAD})",
        "ok    tokens: well-formed for slack",
        f"ok    slack: bot token works in Makers ({TEAM})",
        "FAIL  slack scopes: missing files:read: update the app from `rhizome slack manifest` "
        "and reinstall it to the workspace",
        "ok    slack mode: HTTP mode (SLACK_SIGNING_SECRET)",
        "FAIL  slack digest: #general: the bot is not a member, so its digest cannot be posted: "
        "/invite @Rhizome there",
    ]
    assert exit_code(checks) == 1


async def test_slack_all_good_with_socket_mode(tmp_path: Path) -> None:
    db = tmp_path / "rhizome.db"
    await seed_due_digest(db, datetime.now(UTC))
    async with FakeSlackApi(team_id=TEAM, team_name="Makers") as fake:
        fake.add_channel(GENERAL, "general")
        fake.granted_scopes = list(BOT_SCOPES)
        config = config_for(db, slack={"api_base_url": fake.base_url})
        secrets = Secrets.of(slack_bot_token=fake.token, slack_app_token=fake.app_token)
        checks = await run_checks(config, None, secrets, online=True, platform_checks=CHECKS)
    assert [c.status for c in checks] == ["ok"] * 8, checks
    assert checks[-2:] == [
        Check("slack mode", "ok", "Socket Mode: the app-level token opens a connection"),
        Check("slack digest", "ok", "#general: the bot can post its digest"),
    ]


async def test_refused_slack_token(tmp_path: Path) -> None:
    async with FakeSlackApi(team_id=TEAM) as fake:
        config = config_for(tmp_path / "rhizome.db", slack={"api_base_url": fake.base_url})
        secrets = Secrets.of(
            slack_bot_token="xoxb-9-9-revoked", slack_signing_secret=SIGNING_SECRET
        )
        checks = await run_checks(config, None, secrets, online=True, platform_checks=CHECKS)
    assert checks[-1] == Check(
        "slack",
        "fail",
        "SLACK_BOT_TOKEN was refused by auth.test (invalid_auth): copy the Bot User OAuth Token "
        "(xoxb-…) from the app's OAuth & Permissions page",
    )
    assert not (tmp_path / "rhizome.db").exists()  # the doctor creates nothing


async def test_discord_login_and_the_message_content_intent(tmp_path: Path) -> None:
    config_path = tmp_path / "rhizome.toml"
    async with FakeDiscord(token=DISCORD_TOKEN) as fake:
        config = config_for(tmp_path / "rhizome.db", discord={"api_base_url": fake.api_base})
        secrets = Secrets.of(discord_token=DISCORD_TOKEN)
        off = await run_checks(config, config_path, secrets, online=True, platform_checks=CHECKS)
        fake.application_flags = 1 << 18
        on = await run_checks(config, config_path, secrets, online=True, platform_checks=CHECKS)
        refused = await run_checks(
            config,
            config_path,
            Secrets.of(discord_token=DISCORD_TOKEN[:-2] + "xx"),
            online=True,
            platform_checks=CHECKS,
        )
    assert off[0] == Check("config", "ok", str(config_path))
    assert off[-2:] == [
        Check("discord", "ok", "logged in as Rhizome"),
        Check(
            "discord intents",
            "fail",
            "the Message Content intent is off, so shared links cannot be read: turn it on "
            "(Developer Portal > Bot > Privileged Gateway Intents)",
        ),
    ]
    assert on[-1] == Check("discord intents", "ok", "Message Content intent is on")
    assert refused[-1].status == "fail" and "DISCORD_TOKEN was refused" in refused[-1].detail


async def test_offline_checks_of_a_foreign_database_and_malformed_token(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    config = config_for(other)
    secrets = Secrets.of(discord_token="garbage")
    checks = await run_checks(config, None, secrets, online=False, platform_checks=CHECKS)
    assert [render(c) for c in checks[1:]] == [
        f"FAIL  database: {other} is not a Rhizome database (it has tables but no "
        "alembic_version); point storage.url at Rhizome's database file",
        "FAIL  tokens: DISCORD_TOKEN does not look like a bot token (three dot-separated parts): "
        "copy it from the Developer Portal (Bot > Reset Token)",
        "skip  discord: offline: not asked",
    ]


async def test_a_database_behind_the_code_is_a_warning(tmp_path: Path) -> None:
    db = tmp_path / "rhizome.db"
    await seed_due_digest(db, datetime.now(UTC))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0006'")
    checks = await run_checks(config_for(db), None, Secrets(), online=False, platform_checks={})
    assert checks[2] == Check(
        "migrations",
        "warn",
        f"at revision 0006, {HEAD} is available: `rhizome db upgrade` (or any start) applies it; "
        "back up first",
    )
    assert exit_code(checks) == 0


async def test_topics_an_older_version_worked_out_are_reported_as_being_redone(
    tmp_path: Path,
) -> None:
    db = tmp_path / "rhizome.db"
    await seed_due_digest(db, datetime.now(UTC))
    with sqlite3.connect(db) as conn:  # as a community the previous version worked out
        conn.execute(
            "INSERT INTO interest_state (community_id, last_message_id, last_reaction_id, "
            "last_unfurl_resource_id, resource_cursor, member_cursor, updated_at) "
            "SELECT id, 4, 0, 0, 0, 0, '2026-12-01 00:00:00' FROM communities"
        )
    checks = await run_checks(config_for(db), None, Secrets(), online=False, platform_checks={})
    topics = [render(c) for c in checks if c.name == "topics"]
    assert topics == [
        "ok    topics: 1 community worked out by an older version: the next start works them "
        "out again in the background"
    ]
    assert exit_code(checks) == 0
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE interest_state SET derived_version = 10000")
    checks = await run_checks(config_for(db), None, Secrets(), online=False, platform_checks={})
    assert not [c for c in checks if c.name == "topics"]
