"""Alembic's entry point: run the migrations on the connection `Store` hands over (never a URL)."""

from __future__ import annotations

from alembic import context
from phonehome.db.models import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
