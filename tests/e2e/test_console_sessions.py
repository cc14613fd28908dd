"""Console sessions side by side, and piped input that is not valid text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from adapters.console.session import ConsoleSession
from bot.app import Rhizome
from storage import models as m


async def test_two_sessions_on_one_community_never_share_a_message_id(rhizome: Rhizome) -> None:
    first, second = ConsoleSession(rhizome, speaker="ana"), ConsoleSession(rhizome, speaker="ben")
    said: list[str] = []
    for n in range(4):
        said.append(await first.handle(f"ana says {n}"))
        said.append(await second.handle(f"ben says {n}"))
    assert said == [f"[m{n}]" for n in range(1, 9)]
    async with rhizome.services.db.read() as conn:
        stored = (await conn.execute(select(func.count()).select_from(m.messages))).scalar_one()
    assert stored == 8  # none silently dropped as a redelivery of another's id
    # A session started later goes on from there.
    assert await ConsoleSession(rhizome).handle("later") == "[m9]"


def test_invalid_utf8_on_piped_stdin_is_read_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "rhizome.toml").write_text("[unfurl]\nenabled = false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(PYTHONIOENCODING="utf-8:strict", LC_ALL="C.UTF-8")
    script = b"caf\xe9 au lait https://example.org/a\n\xff\xfe\n/rhizome search lait\n:quit\n"
    run = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        cwd=tmp_path,
        input=script,
        capture_output=True,
        timeout=120,
        env=env,
        check=False,
    )
    out, err = run.stdout.decode(), run.stderr.decode()
    assert run.returncode == 0, err
    assert "Traceback" not in err
    assert out.splitlines()[:2] == ["[m1]", "[m2]"]
    # The line with a bad byte was stored (the byte replaced) and is found by its words.
    assert "Resources matching “lait”" in out and "https://example.org/a" in out
