"""Rejected requests leave no content in the logs, at any level, and cannot flood them."""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlencode

import pytest

from bot.app import Rhizome
from bot.logs import RepeatLimiter, WithholdContent
from storage import models as m
from tests.adapters.slack.conftest import GENERAL, MEMBER, TEAM, SlackDriver, ts_at
from tests.adapters.slack.test_app_http import count
from tests.fakes.slack_api import FakeSlackApi

SECRET_TEXT = "confidential-plan-4711"


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(
        f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
    )


def message_body(slack: SlackDriver, padding: int = 0) -> str:
    envelope = slack.envelope(
        {
            "type": "message",
            "channel": GENERAL,
            "user": MEMBER,
            "text": f"{SECRET_TEXT} <https://x.example/> " + "x" * padding,
            "ts": ts_at(5),
        }
    )
    return json.dumps(envelope)


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # every logger, every level
    return caplog


async def test_unsigned_flood_logs_a_few_short_lines(
    slack: SlackDriver, rhizome: Rhizome, all_logs: pytest.LogCaptureFixture
) -> None:
    body = message_body(slack, padding=200_000)
    for _ in range(20):
        resp = await slack.session.post(
            slack.url, data=body, headers={"Content-Type": "application/json"}
        )
        assert resp.status == 401
    logged = everything_logged(all_logs)
    assert SECRET_TEXT not in logged
    refusals = [r for r in all_logs.records if "refused a request" in r.getMessage()]
    assert len(refusals) == RepeatLimiter().burst  # the rest are counted, not written
    assert len(logged) < 5_000  # 20 × 200 kB bodies in: a few lines out
    assert await count(rhizome, m.messages) == 0


async def test_clock_skewed_genuine_request_leaks_no_text_or_response_url(
    slack: SlackDriver, fake: FakeSlackApi, rhizome: Rhizome, all_logs: pytest.LogCaptureFixture
) -> None:
    skewed = int(time.time()) - 10 * 60
    resp = await slack.post(message_body(slack), "application/json", timestamp=skewed)
    assert resp.status == 401
    form = {
        "team_id": TEAM,
        "user_id": MEMBER,
        "command": "/rhizome",
        "text": f"search {SECRET_TEXT}",
        "response_url": fake.response_url("skewed"),
        "trigger_id": "1.2.skewed",
    }
    resp = await slack.post(urlencode(form), "application/x-www-form-urlencoded", timestamp=skewed)
    assert resp.status == 401
    logged = everything_logged(all_logs)
    assert SECRET_TEXT not in logged
    assert "/response/skewed" not in logged
    assert "more than 5 minutes off" in logged  # the operator still learns why
    assert not fake.responses.get("skewed")


async def test_non_numeric_timestamp_is_a_401_without_traceback(
    slack: SlackDriver, all_logs: pytest.LogCaptureFixture
) -> None:
    body = message_body(slack)
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": "yesterday",
        "X-Slack-Signature": "v0=" + "0" * 64,
    }
    resp = await slack.session.post(slack.url, data=body, headers=headers)
    assert resp.status == 401
    assert not any(r.exc_info for r in all_logs.records)
    assert "not a number" in everything_logged(all_logs)


def test_withhold_content_cuts_library_lines_at_the_body() -> None:
    record = logging.LogRecord(
        "slack_bolt.AsyncRequestVerification",
        logging.INFO,
        __file__,
        1,
        "Invalid request signature detected (signature: v0=1, timestamp: 1, body: %s)",
        (f'{{"text": "{SECRET_TEXT}"}}',),
        None,
    )
    assert WithholdContent().filter(record)
    assert SECRET_TEXT not in record.getMessage()
    assert record.getMessage().startswith("Invalid request signature detected")


def test_repeat_limiter_reports_what_it_dropped() -> None:
    now = [0.0]
    limiter = RepeatLimiter(window=60, burst=2, clock=lambda: now[0])

    def warn() -> logging.LogRecord:
        return logging.LogRecord("x", logging.WARNING, __file__, 1, "refused %s", ("a",), None)

    assert [limiter.filter(warn()) for _ in range(5)] == [True, True, False, False, False]
    info = logging.LogRecord("x", logging.INFO, __file__, 1, "refused %s", ("a",), None)
    assert limiter.filter(info)  # below WARNING: never limited
    now[0] = 61.0
    record = warn()
    assert limiter.filter(record)
    assert "3 more like it" in record.getMessage()
