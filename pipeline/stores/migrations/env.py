"""Alembic environment of the case store: always run online, on the connection the store passes in."""

from __future__ import annotations

from alembic import context

from pipeline.stores.cases import Base

config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
