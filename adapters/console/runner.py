"""Run a console session on a terminal or over a piped script."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from adapters.console.session import ConsoleOutlet, ConsoleSession
from bot.app import Rhizome
from bot.config import Config
from bot.model import CommunityRef


async def run_console(
    rhizome: Rhizome,
    config: Config,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    community: CommunityRef | None = None,
) -> int:
    """Read lines until EOF or :quit. Interactive when stdin is a terminal; returns an exit code."""
    stdin = stdin or sys.stdin
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
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        try:
            write(await session.handle(line))
        except Exception as e:  # keep the session alive; the core already logged details
            write(f"Sorry, that failed: {type(e).__name__}. Your data is unchanged.")
    await rhizome.flush()
    return 0
