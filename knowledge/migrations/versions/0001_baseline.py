"""Baseline: the schema when migrations were introduced (what ``create_all`` built before).

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-01 11:00:27.416374
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Enum types are created once, up front (PostgreSQL; elsewhere they are plain strings): two
# tables share `language` and `visibility`, and a per-table CREATE TYPE would run twice.
CONVERSATIONKIND = postgresql.ENUM(
    "one_on_one", "check_in", "review", "development", name="conversationkind", create_type=False
)
DEVCATEGORY = postgresql.ENUM("experience", "social", "formal", name="devcategory", create_type=False)
DEVSTATUS = postgresql.ENUM("planned", "in_progress", "done", "dropped", name="devstatus", create_type=False)
FEEDBACKKIND = postgresql.ENUM("praise", "constructive", "feedback_360", name="feedbackkind", create_type=False)
GOALLEVEL = postgresql.ENUM("organization", "team", "individual", name="goallevel", create_type=False)
GOALSTATUS = postgresql.ENUM("on_track", "at_risk", "off_track", "done", name="goalstatus", create_type=False)
LANGUAGE = postgresql.ENUM("en", "nl", name="language", create_type=False)
PROMPTSTATUS = postgresql.ENUM("draft", "active", "retired", name="promptstatus", create_type=False)
ROLE = postgresql.ENUM("employee", "manager", "hr", name="role", create_type=False)
VISIBILITY = postgresql.ENUM("shared", "private_to_manager", name="visibility", create_type=False)
ENUMS = (
    CONVERSATIONKIND,
    DEVCATEGORY,
    DEVSTATUS,
    FEEDBACKKIND,
    GOALLEVEL,
    GOALSTATUS,
    LANGUAGE,
    PROMPTSTATUS,
    ROLE,
    VISIBILITY,
)

revision: str = "0001_baseline"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    for enum in ENUMS:
        enum.create(bind, checkfirst=True)
    op.create_table(
        "organization",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organization_slug"), ["slug"], unique=True)

    op.create_table(
        "auditevent",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("target_type", sa.String(length=50), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.create_index("ix_audit_org_at", ["org_id", "at"], unique=False)

    op.create_table(
        "chat_thread",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("service", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("chat_thread", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_thread_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_chat_thread_person_id"), ["person_id"], unique=False)

    op.create_table(
        "cycle_rhythm",
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("one_on_one_days", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
        ),
        sa.PrimaryKeyConstraint("org_id"),
    )
    op.create_table(
        "policy_document",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=True),
        sa.Column("language", LANGUAGE, nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "key", name="uq_policy_document_org_key"),
    )
    with op.batch_alter_table("policy_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_document_org_id"), ["org_id"], unique=False)

    op.create_table(
        "prompt_version",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("task", sa.String(length=20), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("system", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", PROMPTSTATUS, nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replaces_id", sa.String(length=64), nullable=True),
        sa.Column("eval_summary", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "task", "version", name="uq_prompt_version_org_task_version"),
    )
    with op.batch_alter_table("prompt_version", schema=None) as batch_op:
        batch_op.create_index("ix_prompt_version_org_task_status", ["org_id", "task", "status"], unique=False)

    op.create_table(
        "team",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("manager_id", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_org_id"), ["org_id"], unique=False)

    op.create_table(
        "person",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", ROLE, nullable=False),
        sa.Column("manager_id", sa.String(), nullable=True),
        sa.Column("team_id", sa.String(), nullable=True),
        sa.Column("language", LANGUAGE, nullable=False),
        sa.Column("job_title", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "email", name="uq_person_org_email"),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_manager_id"), ["manager_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_team_id"), ["team_id"], unique=False)

    op.create_table(
        "apikey",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=True),
        sa.Column("service_name", sa.String(length=100), nullable=True),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("apikey", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_apikey_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_apikey_secret_hash"), ["secret_hash"], unique=True)

    op.create_table(
        "conversation",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("kind", CONVERSATIONKIND, nullable=False),
        sa.Column("employee_id", sa.String(), nullable=False),
        sa.Column("manager_id", sa.String(), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notes", sa.String(length=20000), nullable=False),
        sa.Column("visibility", VISIBILITY, nullable=False),
        sa.Column("employee_topics", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_manager_id"), ["manager_id"], unique=False)
        batch_op.create_index("ix_conversation_org_employee_held", ["org_id", "employee_id", "held_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_conversation_org_id"), ["org_id"], unique=False)

    op.create_table(
        "feedback",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("giver_id", sa.String(), nullable=True),
        sa.Column("recipient_id", sa.String(), nullable=False),
        sa.Column("kind", FEEDBACKKIND, nullable=False),
        sa.Column("text", sa.String(length=10000), nullable=False),
        sa.Column("visibility", VISIBILITY, nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["giver_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_giver_id"), ["giver_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            "ix_feedback_org_recipient_created", ["org_id", "recipient_id", "created_at"], unique=False
        )

    op.create_table(
        "goal",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("level", GOALLEVEL, nullable=False),
        sa.Column("owner_person_id", sa.String(), nullable=True),
        sa.Column("owner_team_id", sa.String(), nullable=True),
        sa.Column("parent_id", sa.String(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.String(length=5000), nullable=False),
        sa.Column("key_results", sa.JSON(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("status", GOALSTATUS, nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
        ),
        sa.ForeignKeyConstraint(
            ["owner_person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["owner_team_id"],
            ["team.id"],
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["goal.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goal_org_id"), ["org_id"], unique=False)
        batch_op.create_index("ix_goal_org_level", ["org_id", "level"], unique=False)
        batch_op.create_index("ix_goal_org_owner_person", ["org_id", "owner_person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_goal_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "actionitem",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("conversation_id", sa.String(), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("owner_id", sa.String(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("actionitem", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actionitem_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_actionitem_org_id"), ["org_id"], unique=False)

    op.create_table(
        "developmentaction",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("category", DEVCATEGORY, nullable=False),
        sa.Column("goal_id", sa.String(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("status", DEVSTATUS, nullable=False),
        sa.Column("success_indicator", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["goal.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("developmentaction", schema=None) as batch_op:
        batch_op.create_index("ix_devaction_org_person", ["org_id", "person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_developmentaction_org_id"), ["org_id"], unique=False)
    # team.manager_id and person.team_id point at each other: this key comes last (batch mode,
    # because SQLite adds a foreign key by copying the table).
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.create_foreign_key("fk_team_manager", "person", ["manager_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_constraint("fk_team_manager", type_="foreignkey")
    with op.batch_alter_table("developmentaction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_developmentaction_org_id"))
        batch_op.drop_index("ix_devaction_org_person")

    op.drop_table("developmentaction")
    with op.batch_alter_table("actionitem", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actionitem_org_id"))
        batch_op.drop_index(batch_op.f("ix_actionitem_conversation_id"))

    op.drop_table("actionitem")
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goal_parent_id"))
        batch_op.drop_index("ix_goal_org_owner_person")
        batch_op.drop_index("ix_goal_org_level")
        batch_op.drop_index(batch_op.f("ix_goal_org_id"))

    op.drop_table("goal")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_org_recipient_created")
        batch_op.drop_index(batch_op.f("ix_feedback_org_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_giver_id"))

    op.drop_table("feedback")
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_org_id"))
        batch_op.drop_index("ix_conversation_org_employee_held")
        batch_op.drop_index(batch_op.f("ix_conversation_manager_id"))

    op.drop_table("conversation")
    with op.batch_alter_table("apikey", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apikey_secret_hash"))
        batch_op.drop_index(batch_op.f("ix_apikey_org_id"))

    op.drop_table("apikey")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_team_id"))
        batch_op.drop_index(batch_op.f("ix_person_org_id"))
        batch_op.drop_index(batch_op.f("ix_person_manager_id"))

    op.drop_table("person")
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_org_id"))

    op.drop_table("team")
    with op.batch_alter_table("prompt_version", schema=None) as batch_op:
        batch_op.drop_index("ix_prompt_version_org_task_status")

    op.drop_table("prompt_version")
    with op.batch_alter_table("policy_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_document_org_id"))

    op.drop_table("policy_document")
    op.drop_table("cycle_rhythm")
    with op.batch_alter_table("chat_thread", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_thread_person_id"))
        batch_op.drop_index(batch_op.f("ix_chat_thread_org_id"))

    op.drop_table("chat_thread")
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_org_at")

    op.drop_table("auditevent")
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_slug"))

    op.drop_table("organization")
    bind = op.get_bind()
    for enum in ENUMS:
        enum.drop(bind, checkfirst=True)
