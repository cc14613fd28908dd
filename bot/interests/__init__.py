"""Interests: what resources are about, who knows what, who wants to learn what.

The modules here are pure (no storage, no network) except `unfurl`, which fetches page
metadata; storage and the round service wire them to the database later.
"""

from __future__ import annotations
