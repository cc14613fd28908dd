"""Alembic environment: always handed a live connection by storage.migrate."""

from __future__ import annotations

from alembic import context

# Feature tables live on the same metadata; import them so autogenerate sees every table.
import storage.activity
import storage.digests
import storage.interests
import storage.intros  # noqa: F401
from storage.models import Base

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
