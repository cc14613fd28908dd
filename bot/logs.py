"""Logging guards shared by the adapters: no request content in logs, no floods.

Libraries (Bolt, slack_sdk) log request and response bodies at INFO or DEBUG; a body holds
members' message text and single-use secrets such as `response_url`. Anyone can POST to a
public endpoint, so a log line per rejected request is also a way to fill the disk.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable

# Where a library's log line starts quoting content: everything from here on is withheld.
_CONTENT = re.compile(
    r"(?i)\b(?:request body|response body|body|json_body|body_params|query_params|payload)\b"
    r"|Unhandled request \("
)
WITHHELD = "[content withheld]"
MAX_MESSAGE_CHARS = 500


class WithholdContent(logging.Filter):
    """Cut a record's message where it starts quoting a body, and cap its length.

    Applied to library loggers: their messages are f-strings with the body inside, so the
    only safe edit is to the formatted text.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a library's bad format string: keep only the template
            message = str(record.msg)
        found = _CONTENT.search(message)
        if found is not None:
            message = message[: found.start()].rstrip(" (:-,") + " " + WITHHELD
        elif len(message) > MAX_MESSAGE_CHARS:
            message = message[:MAX_MESSAGE_CHARS] + "… " + WITHHELD
        else:
            return True
        record.msg, record.args = message, ()
        return True


class RepeatLimiter(logging.Filter):
    """At most `burst` records of one kind (logger + message template) per `window` seconds
    at WARNING and above; the next one let through says how many were dropped meanwhile."""

    def __init__(
        self,
        *,
        window: float = 60.0,
        burst: int = 3,
        clock: Callable[[], float] = time.monotonic,
        max_kinds: int = 1000,
    ) -> None:
        super().__init__()
        self.window = window
        self.burst = burst
        self._clock = clock
        self._max_kinds = max_kinds
        # kind -> [window start, records let through in it, records dropped since last shown]
        self._seen: dict[tuple[str, str], list[float]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        now = self._clock()
        kind = (record.name, str(record.msg))
        state = self._seen.get(kind)
        if state is None or now - state[0] >= self.window:
            dropped = int(state[2]) if state else 0
            if len(self._seen) >= self._max_kinds and kind not in self._seen:
                self._seen.pop(next(iter(self._seen)))
            self._seen[kind] = [now, 1.0, 0.0]
            if dropped:
                record.msg = f"{record.msg} (and {dropped} more like it, not shown)"
            return True
        if state[1] < self.burst:
            state[1] += 1
            return True
        state[2] += 1
        return False


def guard(loggers: Iterable[logging.Logger], *filters: logging.Filter) -> None:
    """Put `filters` on each logger, replacing earlier guards of the same kinds (a logger such
    as Bolt's `slack_bolt.*` is global and outlives the adapter that guarded it first)."""
    kinds = tuple({type(f) for f in filters})
    for logger in loggers:
        for old in [f for f in logger.filters if isinstance(f, kinds)]:
            logger.removeFilter(old)
        for f in filters:
            logger.addFilter(f)


def library_loggers(*prefixes: str) -> list[logging.Logger]:
    """Every logger created so far whose name starts with one of `prefixes`."""
    names = [
        name
        for name, obj in logging.Logger.manager.loggerDict.items()
        if isinstance(obj, logging.Logger) and name.startswith(prefixes)
    ]
    return [logging.getLogger(name) for name in names]
