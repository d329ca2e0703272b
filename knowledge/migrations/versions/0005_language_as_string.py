"""Language columns as plain strings: a new language is a catalogue folder, not a migration (issue 10).

``person.language`` and ``policy_document.language`` were of the PostgreSQL enum type
``language`` ('en', 'nl'); they become ``VARCHAR(16)`` and the type is dropped. The codes are
checked by the application against the catalogue folders (``knowledge/i18n/locales``).
SQLite already stored them as ``VARCHAR(2)`` text; only the declared length changes there.

The downgrade restores the enum and fails (nothing changed) when a row holds a language
other than 'en' or 'nl'.

Revision ID: 0005_language_as_string
Revises: 0004_action_item_goal
Create Date: 2026-12-01 16:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_language_as_string"
down_revision: str | None = "0004_action_item_goal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("person", "policy_document")
LANGUAGE = postgresql.ENUM("en", "nl", name="language", create_type=False)


def upgrade() -> None:
    """The language columns become ``VARCHAR(16)``; the enum type ``language`` is dropped."""
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("language", existing_type=LANGUAGE, type_=sa.String(length=16),
                                  existing_nullable=False, postgresql_using="language::text")
    if op.get_bind().dialect.name == "postgresql":
        LANGUAGE.drop(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    """Back to the enum type ``language`` ('en', 'nl')."""
    if op.get_bind().dialect.name == "postgresql":
        LANGUAGE.create(op.get_bind(), checkfirst=True)
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("language", existing_type=sa.String(length=16), type_=LANGUAGE,
                                  existing_nullable=False, postgresql_using="language::language")
