"""Run a console session on a terminal or over a piped script."""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
from typing import TextIO

from adapters.console.session import ConsoleOutlet, ConsoleSession
from bot.app import Rhizome
from bot.config import Config
from bot.model import CommunityRef


def _tolerant(stream: TextIO) -> TextIO:
    """Piped input may hold bytes invalid in the locale's encoding: read them as U+FFFD
    instead of ending the session with a traceback."""
    if isinstance(stream, io.TextIOWrapper):
        with contextlib.suppress(ValueError, io.UnsupportedOperation):
            stream.reconfigure(errors="replace")
    return stream


async def run_console(
    rhizome: Rhizome,
    config: Config,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    community: CommunityRef | None = None,
) -> int:
    """Read lines until EOF or :quit. Interactive when stdin is a terminal; returns an exit code."""
    stdin = _tolerant(stdin or sys.stdin)
    stdout = stdout or sys.stdout

    def write(text: str) -> None:
        if text:
            stdout.write(text + "\n")
            stdout.flush()

    rhizome.add_outlet(ConsoleOutlet(write))
    session = ConsoleSession(
        rhizome,
        community_name=config.console.community,
        speaker=config.console.default_member,
        channel=config.console.default_channel,
        target=community,
    )
    interactive = stdin.isatty()
    if interactive:
        write("Rhizome console. Type :help for commands, :quit to leave.")
    while not session.quit:
        if interactive:
            stdout.write(f"{session.speaker}@#{session.channel}> ")
            stdout.flush()
        try:
            line = await asyncio.to_thread(stdin.readline)
        except UnicodeDecodeError:  # a stream we could not make tolerant
            write("Skipped input that is not valid text.")
            continue
        if not line:
            break
        try:
            write(await session.handle(line))
        except Exception as e:  # keep the session alive; the core already logged details
            write(f"Sorry, that failed: {type(e).__name__}. Your data is unchanged.")
    await rhizome.flush()
    return 0
