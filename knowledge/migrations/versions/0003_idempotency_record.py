"""The idempotency_record table: first answers of POSTs sent with an Idempotency-Key (issue 11.6).

Revision ID: 0003_idempotency_record
Revises: 0002_chat_history_link
Create Date: 2026-12-01 11:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_idempotency_record"
down_revision: str | None = "0002_chat_history_link"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=200), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_idempotency_record_expires", "idempotency_record", ["expires_at"])
    op.create_index("ix_idempotency_record_org_id", "idempotency_record", ["org_id"])
    op.create_index("ix_idempotency_record_person_id", "idempotency_record", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_record_person_id", table_name="idempotency_record")
    op.drop_index("ix_idempotency_record_org_id", table_name="idempotency_record")
    op.drop_index("ix_idempotency_record_expires", table_name="idempotency_record")
    op.drop_table("idempotency_record")
