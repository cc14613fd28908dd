"""Introductions: who should meet and why (`matching`, `explain`), rounds on a cadence
(`service`, `scheduler`), and the `/rhizome intros` and `/rhizome-admin intros` commands
(`commands`). Profiles come from `bot.interests`."""

from __future__ import annotations
