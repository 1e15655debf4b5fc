"""Alembic migrations of the case store (:mod:`pipeline.stores.cases`), applied when it is opened."""
