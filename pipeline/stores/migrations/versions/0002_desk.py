"""review desk: report summary columns on submissions; desk users, sessions, login attempts, case
reviews (state, version, claim), the append-only case event log, per-flag verdicts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_NO_CHANGE = "case_events is append-only"
DESK_INDEX = (
    "status",
    "decision",
    "created_at",
    "id",
    "source",
    "service",
    "region",
    "case_id",
    "flag_codes",
)


def _summary(report: Any) -> tuple[str | None, str | None, str]:
    if isinstance(report, str):
        try:
            report = json.loads(report)
        except ValueError:
            report = None
    if not isinstance(report, dict):
        return None, None, ""
    codes = sorted({str(f.get("code")) for f in report.get("flags") or [] if isinstance(f, dict)})
    return report.get("service"), report.get("region"), (" " + " ".join(codes) + " ") if codes else ""


def upgrade() -> None:
    with op.batch_alter_table("submissions") as b:
        b.add_column(sa.Column("service", sa.String(60), nullable=True))
        b.add_column(sa.Column("region", sa.String(60), nullable=True))
        b.add_column(sa.Column("flag_codes", sa.String(4000), nullable=True))  # " code code " for LIKE
    # covers the desk's queue queries (the table's rows hold whole reports: scanning them is slow)
    op.create_index("ix_submissions_desk", "submissions", list(DESK_INDEX))
    conn = op.get_bind()
    subs = sa.table(
        "submissions",
        sa.column("id", sa.String),
        sa.column("report", sa.JSON),
        sa.column("service", sa.String),
        sa.column("region", sa.String),
        sa.column("flag_codes", sa.String),
    )
    for sid, report in conn.execute(sa.select(subs.c.id, subs.c.report).where(subs.c.report.is_not(None))):
        service, region, codes = _summary(report)
        conn.execute(
            subs.update().where(subs.c.id == sid).values(service=service, region=region, flag_codes=codes)
        )

    op.create_table(
        "desk_users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(80), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "desk_sessions",
        sa.Column("id", sa.String(64), primary_key=True),  # SHA-256 of the session token
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("desk_users.id"), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "desk_login_attempts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_desk_login_attempts_user_at", "desk_login_attempts", ["username", "at"])
    op.create_index("ix_desk_login_attempts_ip_at", "desk_login_attempts", ["ip", "at"])
    op.create_table(
        "case_reviews",
        sa.Column("submission_id", sa.String(40), sa.ForeignKey("submissions.id"), primary_key=True),
        sa.Column(
            "state", sa.String(16), nullable=False
        ),  # open | approved | returned | more_material | escalated
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.Integer(), sa.ForeignKey("desk_users.id"), nullable=True),
        sa.Column("claim_until", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.Integer(), sa.ForeignKey("desk_users.id"), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),  # the applicant message of a return / request
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_case_reviews_state", "case_reviews", ["state"])
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("submission_id", sa.String(40), sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("desk_users.id"), nullable=True),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_case_events_submission", "case_events", ["submission_id", "id"])
    op.create_index("ix_case_events_action_at", "case_events", ["action", "at"])
    op.create_table(
        "flag_verdicts",
        sa.Column("submission_id", sa.String(40), sa.ForeignKey("submissions.id"), primary_key=True),
        sa.Column("flag_index", sa.Integer(), primary_key=True),
        sa.Column("flag_code", sa.String(80), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),  # confirmed | false_alarm
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("desk_users.id"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_flag_verdicts_code", "flag_verdicts", ["flag_code", "verdict"])
    # The event log refuses UPDATE and DELETE in the database too (the app has no method for them).
    if conn.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER case_events_no_{verb.lower()} BEFORE {verb} ON case_events "
                f"BEGIN SELECT RAISE(ABORT, '{_NO_CHANGE}'); END"
            )
    elif conn.dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{_NO_CHANGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events "
            "FOR EACH ROW EXECUTE FUNCTION case_events_append_only()"
        )


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_events_append_only ON case_events")
        op.execute("DROP FUNCTION IF EXISTS case_events_append_only()")
    op.drop_table("flag_verdicts")
    op.drop_table("case_events")
    op.drop_table("case_reviews")
    op.drop_table("desk_login_attempts")
    op.drop_table("desk_sessions")
    op.drop_table("desk_users")
    op.drop_index("ix_submissions_desk", "submissions")
    with op.batch_alter_table("submissions") as b:
        b.drop_column("flag_codes")
        b.drop_column("region")
        b.drop_column("service")
