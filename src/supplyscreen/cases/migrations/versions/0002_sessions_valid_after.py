"""Users get ``sessions_valid_after``: signing out revokes the sessions issued until then.

Revision ID: 0002
Revises: 0001
Create Date: 2026-03-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("sessions_valid_after", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("sessions_valid_after")
