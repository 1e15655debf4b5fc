"""case store: API clients, submissions, callback deliveries

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_clients",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("key_prefix", sa.String(16), nullable=False),
        sa.Column("scopes", sa.String(200), nullable=False),
        sa.Column("callback_url", sa.String(2000), nullable=True),
        sa.Column("callback_secret", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("client_id", sa.String(40), sa.ForeignKey("api_clients.id"), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("case_id", sa.String(200), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("batch", sa.String(200), nullable=True),
        sa.Column("location", sa.String(2000), nullable=False),
        sa.Column("callback_url", sa.String(2000), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("decision", sa.String(16), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(40), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("reports_written", sa.Integer(), nullable=False),
        sa.UniqueConstraint("client_id", "idempotency_key", name="uq_submissions_client_idempotency"),
    )
    op.create_index("ix_submissions_status_created", "submissions", ["status", "created_at"])
    op.create_index("ix_submissions_client_created", "submissions", ["client_id", "created_at"])
    op.create_index("ix_submissions_case_id", "submissions", ["case_id"])
    op.create_table(
        "callback_deliveries",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("submission_id", sa.String(40), sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("submission_id", "event", name="uq_callback_deliveries_submission_event"),
    )
    op.create_index("ix_callback_deliveries_due", "callback_deliveries", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("callback_deliveries")
    op.drop_table("submissions")
    op.drop_table("api_clients")
