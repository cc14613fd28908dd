"""Slack as a registered platform (see `bot.platforms.AdapterSpec`)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from bot.config import Config, ConfigError, Secrets, SlackConfig
from bot.platforms import AdapterSpec

if TYPE_CHECKING:
    from bot.doctor import OnlineCheck
    from bot.ports import Outlet

BOT_TOKEN = "SLACK_BOT_TOKEN"
SIGNING_SECRET = "SLACK_SIGNING_SECRET"
APP_TOKEN = "SLACK_APP_TOKEN"


def enabled(config: Config, secrets: Secrets) -> bool:
    if not (config.slack.enabled and secrets.get(BOT_TOKEN)):
        return False
    if not secrets.get(SIGNING_SECRET) and not secrets.get(APP_TOKEN):
        raise ConfigError(
            "slack: SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP mode) nor "
            "SLACK_APP_TOKEN (Socket Mode) is; set one, or unset SLACK_BOT_TOKEN"
        )
    return True


def token_problems(secrets: Secrets) -> list[str]:
    problems: list[str] = []
    if not (secrets.get(BOT_TOKEN) or "").startswith("xoxb-"):
        problems.append(
            "SLACK_BOT_TOKEN is not a bot token (they start with xoxb-): copy the Bot User "
            "OAuth Token from the app's OAuth & Permissions page"
        )
    app_token = secrets.get(APP_TOKEN)
    if app_token and not app_token.startswith("xapp-"):
        problems.append(
            "SLACK_APP_TOKEN is not an app-level token (they start with xapp-): create one "
            "with connections:write under the app's Basic Information"
        )
    signing = secrets.get(SIGNING_SECRET)
    if signing and (len(signing) < 16 or not signing.isalnum()):
        problems.append(
            "SLACK_SIGNING_SECRET is not a signing secret (32 letters and digits): copy it "
            "from the app's Basic Information page"
        )
    return problems


async def run(rhizome: Any, config: Config, secrets: Secrets) -> None:
    from adapters.slack.app import run_slack

    await run_slack(rhizome, config, secrets)


def outlet(config: Config, secrets: Secrets, say: Callable[[str], None]) -> Outlet:
    token = secrets.get(BOT_TOKEN)
    if not token:
        raise ConfigError("set SLACK_BOT_TOKEN to post to Slack")
    from adapters.slack.app import outlet_for_token

    return outlet_for_token(token, config)


def moderators(config: Config) -> Collection[str]:
    return config.slack.moderators


def online_checks() -> OnlineCheck:
    from adapters.slack.doctor import slack_checks

    return slack_checks


def cli() -> Any:
    from adapters.slack.cli import slack_app

    return slack_app


SPEC = AdapterSpec(
    name="slack",
    section="slack",
    settings=SlackConfig,
    enabled=enabled,
    secrets=(BOT_TOKEN, SIGNING_SECRET, APP_TOKEN),
    token_problems=token_problems,
    run=run,
    outlet=outlet,
    moderators=moderators,
    online_checks=online_checks,
    cli=cli,
)
