"""`rhizome doctor`'s questions to Slack: is the token good, what was granted, may it post there."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.manifest import BOT_SCOPES
from bot.config import Config, Secrets
from bot.doctor import Check


async def slack_checks(
    config: Config, secrets: Secrets, digests: Sequence[tuple[str, str, str | None]]
) -> list[Check]:
    client = AsyncWebClient(
        token=secrets.get("SLACK_BOT_TOKEN"), base_url=config.slack.api_base_url
    )
    try:
        auth = await client.auth_test()
    except SlackApiError as e:
        return [
            Check(
                "slack",
                "fail",
                f"SLACK_BOT_TOKEN was refused by auth.test ({e.response.get('error')}): copy the "
                "Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page",
            )
        ]
    team = str(auth["team_id"])
    checks = [Check("slack", "ok", f"bot token works in {auth.get('team') or team} ({team})")]
    checks.append(_scopes(auth.headers.get("x-oauth-scopes")))
    app_token = secrets.get("SLACK_APP_TOKEN")
    if app_token:
        checks.append(await _app_token(config, app_token))
    else:
        checks.append(Check("slack mode", "ok", "HTTP mode (SLACK_SIGNING_SECRET)"))
    for community, channel, name in digests:
        if community == team:
            checks.append(await _digest_channel(client, channel, name))
    return checks


def _scopes(granted_header: str | None) -> Check:
    if granted_header is None:
        return Check("slack scopes", "skip", "Slack did not list the granted scopes")
    granted = {s.strip() for s in granted_header.split(",") if s.strip()}
    missing = [s for s in BOT_SCOPES if s not in granted]
    if missing:
        return Check(
            "slack scopes",
            "fail",
            f"missing {', '.join(missing)}: update the app from `rhizome slack manifest` and "
            "reinstall it to the workspace",
        )
    return Check("slack scopes", "ok", "every scope of the manifest is granted")


async def _app_token(config: Config, app_token: str) -> Check:
    client = AsyncWebClient(base_url=config.slack.api_base_url)
    try:
        await client.apps_connections_open(app_token=app_token)
    except SlackApiError as e:
        return Check(
            "slack mode",
            "fail",
            f"SLACK_APP_TOKEN was refused ({e.response.get('error')}): create an app-level "
            "token with connections:write under Basic Information",
        )
    return Check("slack mode", "ok", "Socket Mode: the app-level token opens a connection")


async def _digest_channel(client: AsyncWebClient, channel: str, name: str | None) -> Check:
    label = f"#{name}" if name else channel
    try:
        info = await client.conversations_info(channel=channel)
    except SlackApiError as e:
        return Check(
            "slack digest",
            "fail",
            f"{label}: the bot cannot see it ({e.response.get('error')}): invite it with "
            "/invite @Rhizome, or choose another channel",
        )
    if not info["channel"].get("is_member"):
        return Check(
            "slack digest",
            "fail",
            f"{label}: the bot is not a member, so its digest cannot be posted: /invite @Rhizome "
            "there",
        )
    return Check("slack digest", "ok", f"{label}: the bot can post its digest")
