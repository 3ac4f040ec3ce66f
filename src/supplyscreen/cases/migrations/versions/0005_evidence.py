"""Evidence: documents (news articles, reports) kept beside the list entities they name.

``evidence_documents`` holds one row per stored document, known by the SHA-256 of its bytes;
``evidence_mentions`` one row per list entity a document names (the verified mentions only), with
the sentence that names it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_documents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("filename", sa.String(500), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("list_version", sa.String(100), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.Column("added_at", sa.String(40), nullable=False),
        sqlite_autoincrement=True,  # a removed document's id is never given to another
    )
    op.create_table(
        "evidence_mentions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "document_id",
            sa.Integer(),
            sa.ForeignKey("evidence_documents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.Column("entity_name", sa.Text(), nullable=False),
        sa.Column("lists", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("verdict", sa.String(20), nullable=False),
    )
    op.create_index("ix_evidence_mentions_entity_id", "evidence_mentions", ["entity_id"])
    op.create_index("ix_evidence_mentions_document_id", "evidence_mentions", ["document_id"])


def downgrade() -> None:
    op.drop_table("evidence_mentions")
    op.drop_table("evidence_documents")
