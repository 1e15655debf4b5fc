"""Stores (SQLAlchemy 2; embedded SQLite by default, PostgreSQL by URL; one engine factory in ``_db``):
the enrollment reference, the invoice register and the case store (submissions, API clients, deliveries)."""
