"""Alembic environment: always handed a live connection by storage.migrate."""

from __future__ import annotations

import importlib

from alembic import context

from bot.feature import table_modules
from bot.features import FEATURES
from storage.models import Base

# Feature tables live on the same metadata; import them so autogenerate sees every table.
for module in table_modules(FEATURES):
    importlib.import_module(module)

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only the programmatic path is supported
    raise RuntimeError("run migrations through `rhizome db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
