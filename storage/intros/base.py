"""The base of the intro store's parts: one database."""

from __future__ import annotations

from storage.db import Database


class StoreBase:
    def __init__(self, db: Database) -> None:
        self.db = db
