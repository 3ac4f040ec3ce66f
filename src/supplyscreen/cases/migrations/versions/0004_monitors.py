"""Monitors: saved vendor masters, their rows' last screening, runs, changes and deliveries.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitors",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("created", sa.String(40), nullable=False),
        sa.Column("updated", sa.String(40), nullable=False),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("last_run", sa.String(40), nullable=True),
        sa.Column("list_version", sa.String(100), nullable=False),
        sa.Column("detectors", sa.String(64), nullable=False),
    )
    op.create_table(
        "monitor_rows",
        sa.Column("monitor", sa.String(200), primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("vendor", sa.Text(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=True),
        sa.Column("previous", sa.Text(), nullable=True),
        sa.Column("cause", sa.String(40), nullable=True),
    )
    op.create_table(
        "monitor_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("monitor", sa.String(200), nullable=False),
        sa.Column("started", sa.String(40), nullable=False),
        sa.Column("finished", sa.String(40), nullable=False),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("list_version", sa.String(100), nullable=False),
        sa.Column("previous_version", sa.String(100), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.Column("stats", sa.Text(), nullable=False),
    )
    op.create_table(
        "monitor_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("monitor", sa.String(200), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("created", sa.String(40), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("vendor", sa.Text(), nullable=False),
        sa.Column("change", sa.String(20), nullable=False),
        sa.Column("entity_id", sa.String(200), nullable=True),
        sa.Column("entity_name", sa.Text(), nullable=True),
        sa.Column("source", sa.String(100), nullable=True),
        sa.Column("list_change", sa.Text(), nullable=True),
        sa.Column("cause", sa.String(40), nullable=False),
        sa.Column("risk_before", sa.String(20), nullable=True),
        sa.Column("risk_after", sa.String(20), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("seen_by", sa.String(200), nullable=True),
        sa.Column("seen_at", sa.String(40), nullable=True),
        sa.Column("delivered_at", sa.String(40), nullable=True),
    )
    op.create_table(
        "monitor_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("monitor", sa.String(200), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(1000), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
    )
    for table in ("monitor_runs", "monitor_changes", "monitor_deliveries"):
        op.create_index(f"ix_{table}_monitor", table, ["monitor"])
    # covers a run's look at every row of a master without reading their records and states
    op.create_index("ix_monitor_rows_index", "monitor_rows", ["monitor", "row", "key", "cause"])


def downgrade() -> None:
    for table in ("monitor_deliveries", "monitor_changes", "monitor_runs", "monitor_rows", "monitors"):
        op.drop_table(table)
