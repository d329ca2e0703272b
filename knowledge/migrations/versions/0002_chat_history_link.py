"""Chat history links: which coach thread a stateless (OpenAI-compatible) client's history continues.

Revision ID: 0002_chat_history_link
Revises: 0001_baseline
Create Date: 2026-12-01 11:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_chat_history_link"
down_revision: str | None = "0001_baseline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``chat_history_link`` (hashes only, no text)."""
    op.create_table(
        "chat_history_link",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("thread_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("chat_history_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_history_link_thread_id"), ["thread_id"], unique=False)


def downgrade() -> None:
    """Drop ``chat_history_link``."""
    with op.batch_alter_table("chat_history_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_history_link_thread_id"))
    op.drop_table("chat_history_link")
