"""The service's own tables, beside the performance records.

The service's own tables: API keys, the audit log, HR's prompt versions, chat thread ownership,
policy documents, idempotency records and chat history links.

The performance records are in :mod:`knowledge.models`; the schema changes only through the
Alembic migrations in ``knowledge/migrations/``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from knowledge.columns import LANGUAGE_COLUMN, UTCDateTime, new_id, utc_timestamp, utcnow
from knowledge.vocabulary import Language


class ApiKey(SQLModel, table=True):
    """An API key. Only a SHA-256 hash of the secret is stored; ``prefix`` is shown in listings."""

    id: str = Field(default_factory=lambda: new_id("key"), primary_key=True)
    org_id: str = Field(foreign_key="organization.id", index=True)
    person_id: str | None = Field(default=None, foreign_key="person.id")
    service_name: str | None = Field(default=None, max_length=100)
    prefix: str = Field(max_length=16)
    secret_hash: str = Field(unique=True, index=True, max_length=64)
    created_at: datetime = utc_timestamp()
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditEvent(SQLModel, table=True):
    """One audited action: who did what to which record, when (details without record text)."""

    __table_args__ = (Index("ix_audit_org_at", "org_id", "at"),)

    id: str = Field(default_factory=lambda: new_id("aud"), primary_key=True)
    org_id: str = Field(foreign_key="organization.id")
    actor: str = Field(max_length=200, description="Who acted: person id, or service:<name>.")
    action: str = Field(max_length=100)
    target_type: str = Field(max_length=50)
    target_id: str | None = Field(default=None, max_length=64)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = utc_timestamp()


# --- the service's own tables: prompt versions, chat threads, policy documents --------------

def prompt_hash(system: str) -> str:
    """The first 12 hex digits of the SHA-256 of a system text (what reports show)."""
    return hashlib.sha256(system.encode("utf-8")).hexdigest()[:12]


class PromptStatus(StrEnum):
    """Where a prompt version stands: a draft, the active one, or retired."""

    draft = "draft"
    active = "active"
    retired = "retired"


class PromptVersion(SQLModel, table=True):
    """One HR-written system prompt for one task of one organisation."""

    __tablename__ = "prompt_version"
    __table_args__ = (
        UniqueConstraint("org_id", "task", "version", name="uq_prompt_version_org_task_version"),
        Index("ix_prompt_version_org_task_status", "org_id", "task", "status"),
    )

    id: str = Field(default_factory=lambda: new_id("pv"), primary_key=True)
    org_id: str = Field(foreign_key="organization.id")
    task: str = Field(max_length=20)
    version: str = Field(max_length=20, description="v1, v2, ... per organisation and task.")
    number: int = Field(ge=1)
    system: str = Field(sa_column=Column(Text, nullable=False))
    note: str | None = Field(default=None, max_length=500)
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: PromptStatus = PromptStatus.draft
    activated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    replaces_id: str | None = Field(
        default=None, max_length=64, description="The version this one replaced when last activated (None: built-in)."
    )
    eval_summary: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))

    @property
    def hash(self) -> str:
        """The short hash of the system text (what reports show)."""
        return prompt_hash(self.system)


class ChatThread(SQLModel, table=True):
    """Ownership of one chat thread (its messages are in the checkpointer)."""

    __tablename__ = "chat_thread"

    id: str = Field(primary_key=True, max_length=64)
    org_id: str = Field(foreign_key="organization.id", index=True)
    # No foreign key to person: erasing a person deletes their threads first (delete_threads_of).
    person_id: str | None = Field(default=None, index=True, max_length=64)
    service: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class PolicyDocument(SQLModel, table=True):
    """An HR policy document of one organisation (its chunks live in the ``policy`` collection)."""

    __tablename__ = "policy_document"
    __table_args__ = (UniqueConstraint("org_id", "key", name="uq_policy_document_org_key"),)

    id: str = Field(primary_key=True, description="pdoc_…, stable for (org, key).")
    org_id: str = Field(foreign_key="organization.id", index=True)
    key: str = Field(max_length=100, description="Slug of the file name; unique within the org.")
    title: str = Field(max_length=300)
    filename: str | None = Field(default=None, max_length=300)
    language: Language = Field(sa_type=LANGUAGE_COLUMN)
    format: str = Field(default="markdown", max_length=16, description="markdown, text or pdf.")
    content_hash: str = Field(max_length=64, description="SHA-256 of the source text.")
    content: str = Field(sa_column=Column(Text, nullable=False), description="The source text.")
    chunk_count: int = Field(ge=0)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class IdempotencyRecord(SQLModel, table=True):
    """One ``Idempotency-Key`` of one caller: in progress, or the answer it got."""

    __tablename__ = "idempotency_record"
    __table_args__ = (Index("ix_idempotency_record_expires", "expires_at"),)

    id: str = Field(primary_key=True, max_length=64, description="SHA-256 of the caller and the key.")
    org_id: str = Field(max_length=64, index=True)
    person_id: str | None = Field(default=None, max_length=64, index=True,
                                  description="The person acting or acted for; None for a bare service key.")
    fingerprint: str = Field(max_length=64, description="SHA-256 of method, path, query, content type and body.")
    state: str = Field(max_length=16, description="in_progress or done.")
    status_code: int | None = None
    content_type: str | None = Field(default=None, max_length=200)
    body: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class ChatHistoryLink(SQLModel, table=True):
    """Which chat thread a stateless client's message history continues (OpenAI-compatible API).

    Such a client sends the whole conversation every time. ``key`` is a hash of the principal and
    of the history up to and including the coach's last reply, so the next request, which carries
    that history, finds its thread again. Only hashes are stored, never the texts; the link is
    deleted with its thread.
    """

    __tablename__ = "chat_history_link"

    key: str = Field(primary_key=True, max_length=64)
    # No foreign key: the coach deletes a thread's links with the thread (ThreadService._delete_rows).
    thread_id: str = Field(index=True, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
