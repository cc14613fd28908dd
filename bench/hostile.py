"""Hostile pages and archives: how long they take and how long they stall the event loop.

Serves pages on 127.0.0.1 (port 0) that once froze or crashed the unfurler (a gzip body with
`charset=punycode`, other non-text codec names, a 1 MB `<meta a="a="…` head) and times each
unfurl while a ticker measures the longest gap between its wake-ups (the event loop's worst
stall). Then builds a Slack export zip whose one day file inflates to 1 GiB and imports it in
a child process, reporting how it ends and the child's peak RSS.

    python bench/hostile.py [--json] [--no-zip]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.interests.unfurl import Unfurler, UnfurlSettings

PAGES: dict[str, tuple[bytes, str]] = {}


def _pages() -> None:
    filler = ("ü" * 1_000_000).encode("utf-8")
    for codec in ("punycode", "bz2", "zlib", "base64", "rot13", "hex", "uu", "utf-7"):
        PAGES[f"/codec/{codec}"] = (gzip.compress(b"<html><head>" + filler), codec)
    PAGES["/plain"] = (b"<html><head><title>fine</title></head></html>", "utf-8")
    PAGES["/meta-bomb"] = (b"<html><head><meta a=" + b'"a=' * 333_333, "utf-8")
    PAGES["/gz/meta-bomb"] = (
        gzip.compress(b"<html><head><meta a=" + b'"a=' * 333_333),
        "utf-8",
    )
    PAGES["/attr-bomb"] = (b"<html><head><title>x</title><meta " + b"a " * 500_000, "utf-8")


async def _serve() -> tuple[web.AppRunner, int]:
    async def handler(request: web.Request) -> web.Response:
        body, charset = PAGES[request.path]
        headers = {"Content-Type": f"text/html; charset={charset}"}
        if request.path.startswith(("/codec/", "/gz/")):
            headers["Content-Encoding"] = "gzip"
        return web.Response(body=body, headers=headers)

    app = web.Application()
    for path in PAGES:
        app.router.add_get(path, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, runner.addresses[0][1]


class Ticker:
    """Wakes every 5 ms; `worst` is the longest it was kept waiting beyond that."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.stop = False

    async def run(self) -> None:
        last = time.perf_counter()
        while not self.stop:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            self.worst = max(self.worst, now - last - 0.005)
            last = now


async def _unfurl_all() -> list[dict[str, object]]:
    _pages()
    runner, port = await _serve()
    out: list[dict[str, object]] = []
    try:
        async with Unfurler(UnfurlSettings(allow_private=True)) as unfurler:
            # The client's first use loads the CA store (~60 ms): not the page's doing.
            await unfurler.fetch(f"http://127.0.0.1:{port}/plain")
            for path in PAGES:
                ticker = Ticker()
                task = asyncio.create_task(ticker.run())
                await asyncio.sleep(0.02)
                start = time.perf_counter()
                try:
                    result = await unfurler.unfurl(f"http://127.0.0.1:{port}{path}")
                    outcome = f"{result.status.value}: {result.error or ''}"[:90]
                except Exception as exc:  # what the unfurler promises never happens
                    outcome = f"RAISED {type(exc).__name__}: {exc}"[:90]
                took = time.perf_counter() - start
                ticker.stop = True
                await task
                out.append(
                    {
                        "page": path,
                        "seconds": round(took, 3),
                        "worst_stall_ms": round(ticker.worst * 1000, 1),
                        "outcome": outcome,
                    }
                )
    finally:
        await runner.cleanup()
    return out


def _zip_bomb(folder: Path) -> Path:
    """A Slack export whose one day file inflates to 1 GiB (valid JSON: one huge string)."""
    path = folder / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("channels.json", json.dumps([{"id": "C1", "name": "general"}]))
        archive.writestr("users.json", "[]")
        with archive.open("general/2020-01-01.json", "w", force_zip64=True) as day:
            day.write(b'[{"type": "message", "user": "U1", "ts": "1.0", "text": "')
            block = b"a" * (1 << 20)
            for _ in range(1024):
                day.write(block)
            day.write(b'"}]')
    return path


def _import_bomb() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bomb = _zip_bomb(folder)
        config = folder / "rhizome.toml"
        config.write_text(f'[storage]\nurl = "sqlite+aiosqlite:///{folder / "r.db"}"\n')
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "bot", "import", "slack", str(bomb), "--config", str(config)],
            capture_output=True,
            text=True,
            check=False,
        )
        took = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        return {
            "zip_mb": round(bomb.stat().st_size / 1e6, 2),
            "exit": proc.returncode,
            "seconds": round(took, 2),
            "peak_rss_mb": peak,
            "said": (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-1:],
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-zip", action="store_true")
    args = parser.parse_args()
    results: dict[str, object] = {"unfurl": asyncio.run(_unfurl_all())}
    if not args.no_zip:
        results["zip_bomb"] = _import_bomb()
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for row in results["unfurl"]:  # type: ignore[attr-defined]
        print(
            f"{row['page']:<16} {row['seconds']:>7.3f} s  worst stall "
            f"{row['worst_stall_ms']:>7.1f} ms  {row['outcome']}"
        )
    if "zip_bomb" in results:
        print("zip bomb:", results["zip_bomb"])


if __name__ == "__main__":
    main()
