"""Stores: the enrollment reference and the invoice register (one engine factory in ``_db``)."""
