"""action_item.goal_id: the goal an action item serves (issue 15, notes to record).

Revision ID: 0004_action_item_goal
Revises: 0003_idempotency_record
Create Date: 2026-12-01 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_action_item_goal"
down_revision: str | None = "0003_idempotency_record"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode: SQLite adds a column with a foreign key by copying the table.
    with op.batch_alter_table("actionitem", schema=None) as batch_op:
        batch_op.add_column(sa.Column("goal_id", sa.String(), nullable=True))
        batch_op.create_foreign_key("fk_actionitem_goal", "goal", ["goal_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("actionitem", schema=None) as batch_op:
        batch_op.drop_constraint("fk_actionitem_goal", type_="foreignkey")
        batch_op.drop_column("goal_id")
