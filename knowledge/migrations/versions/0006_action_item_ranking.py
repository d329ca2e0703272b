"""actionitem.employee_id and conversation_held_at: copies of the conversation's, for ranking (issue 9).

An agenda lists the employee's open action items, due first, then the newest undated ones.
Ranked over a join, that read sorted every open item of the employee (6.2 ms of SQL at 10,000
records); with the two copies and ``ix_actionitem_employee_open`` it is two index range reads.
The upgrade fills the copies of every existing item from its conversation.

Revision ID: 0006_action_item_ranking
Revises: 0005_language_as_string
Create Date: 2026-12-02 02:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_action_item_ranking"
down_revision: str | None = "0005_language_as_string"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("actionitem", schema=None) as batch_op:
        batch_op.add_column(sa.Column("employee_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("conversation_held_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE actionitem SET "
        "employee_id = (SELECT c.employee_id FROM conversation c WHERE c.id = actionitem.conversation_id), "
        "conversation_held_at = (SELECT c.held_at FROM conversation c WHERE c.id = actionitem.conversation_id)"
    )
    with op.batch_alter_table("actionitem", schema=None) as batch_op:
        batch_op.create_index("ix_actionitem_employee_open", ["employee_id", "done", "due", "conversation_held_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("actionitem", schema=None) as batch_op:
        batch_op.drop_index("ix_actionitem_employee_open")
        batch_op.drop_column("conversation_held_at")
        batch_op.drop_column("employee_id")
