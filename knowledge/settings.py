"""The one settings class. Read it at entry points (CLI, app factory) and pass it down."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration of the coach. Every field can be set as ``COACH_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="COACH_", extra="ignore")

    data_dir: Path = Field(Path(".coach"), description="Folder holding the SQLite database and Chroma files.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default SQLite under data_dir. Use postgresql+psycopg://... at scale."
    )
    chroma_url: str | None = Field(None, description="URL of a Chroma server; default: embedded Chroma under data_dir.")
    chroma_tenant: str = Field("default_tenant", description="Tenant on the Chroma server (chroma_url only).")
    chroma_database: str = Field("default_database", description="Database on the Chroma server (chroma_url only).")
    store_revision_ttl_s: float = Field(
        1.0, ge=0, description="How soon a guidance or policy change made by another replica reaches this one's "
                               "search caches, in seconds (changes made through this process: at once)."
    )

    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("COACH_OPENAI_API_KEY", "OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("COACH_OPENAI_BASE_URL", "OPENAI_BASE_URL")
    )
    model: str = Field("gpt-4o-mini", description="Chat model name at the OpenAI-compatible endpoint.")
    model_timeout_s: float = Field(30.0, gt=0, description="Timeout of one model HTTP call, in seconds.")
    model_max_retries: int = Field(
        2, ge=0, le=5, description="Retries of one model call (timeouts, connection errors, 429, 5xx, malformed body)."
    )
    model_retry_budget_s: float = Field(
        60.0, gt=0, description="Total time one model call may take, all attempts and waits included."
    )
    model_backoff_base_s: float = Field(
        0.5, ge=0, description="First backoff between attempts; doubles per retry, with jitter (no Retry-After)."
    )
    model_backoff_max_s: float = Field(8.0, ge=0, description="Longest backoff between two attempts.")
    model_breaker_failures: int = Field(
        5, ge=1, le=1000, description="Consecutive failed model calls that open the provider's circuit breaker."
    )
    model_breaker_cooldown_s: float = Field(
        30.0, gt=0, description="How long an open breaker fails fast before one probe call is let through."
    )
    model_max_tokens: int = Field(2000, ge=64, le=32_000, description="Most tokens the model may write per call.")
    structured_output: Literal["auto", "json_schema", "function_calling", "json_mode"] = Field(
        "auto", description="How to ask the model for structured output; auto falls back across methods."
    )

    embedding: Literal["offline", "openai"] = Field("offline", description="Embedding backend.")
    embedding_model: str = Field("text-embedding-3-small", description="Model for embedding=openai.")

    judge_model: str | None = Field(None, description="Model for the eval judge (separate from the coach).")
    judge_base_url: str | None = None
    judge_api_key: SecretStr | None = None

    api_key: SecretStr | None = Field(
        None, description="The coach key `coach mcp` acts with (COACH_API_KEY); read by that command only."
    )
    on_behalf_of: str | None = Field(
        None, description="With a service key in api_key: the person `coach mcp` acts for."
    )

    metrics_token: SecretStr | None = Field(
        None, description="Bearer token that opens /metrics from anywhere (unset: only metrics_networks)."
    )
    metrics_networks: str = Field(
        "127.0.0.0/8,::1/128", description="Comma-separated networks that may read /metrics without the token."
    )
    log_format: Literal["text", "json"] = Field("text", description="json: one JSON object per log line.")

    db_pool_size: int = Field(
        10, ge=1, le=200, description="Pooled connections to the records database, per process."
    )
    db_max_overflow: int = Field(
        10, ge=0, le=200, description="Extra connections the pool may open beyond db_pool_size under load."
    )
    db_pool_timeout_s: float = Field(
        10.0, gt=0, description="How long a request waits for a pooled connection before it gets a 503."
    )
    sqlite_busy_timeout_s: float = Field(
        5.0, gt=0, description="SQLite only: how long a write waits for another writer's lock."
    )
    worker_threads: int | None = Field(
        None, ge=1, le=1000,
        description="Worker threads for blocking work (database, store, embeddings, files); default: the cores (>= 2).",
    )
    cpu_threads: int | None = Field(
        None, ge=1, le=64,
        description="Worker threads for our own CPU work (drafting, checks); default: the number of cores.",
    )
    retry_after_s: int = Field(2, ge=1, le=300, description="Retry-After of a 503 when the pool or store is busy.")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    max_body_bytes: int = Field(256_000, gt=0, description="Largest accepted request body.")
    max_document_bytes: int = Field(
        10_000_000, gt=0, description="Largest accepted policy document upload (POST /v1/documents, e.g. a PDF)."
    )

    link_allowlist: str = Field(
        "", description="Hosts (comma-separated) whose links may appear in coach output; all others are removed."
    )
    rate_limit_api: str = Field(
        "600/minute", description="Requests per principal (API key and X-On-Behalf-Of), e.g. 600/minute; off disables."
    )
    rate_limit_coach: str = Field(
        "30/minute", description="Model-backed requests (coach tasks, chat) per principal; off disables."
    )
    redis_url: str | None = Field(
        None,
        description="Redis URL (redis://host:6379/0) for rate-limit counters shared by replicas; default: memory.",
    )
    rate_limit_prefix: str = Field("coach", description="Key prefix of the rate-limit counters in Redis.")
    idempotency_ttl_s: int = Field(
        86_400, gt=0, description="How long the answer to a POST with an Idempotency-Key is kept for replays."
    )

    @field_validator("openai_api_key", "openai_base_url", "judge_api_key", "judge_base_url", "judge_model",
                     "database_url", "chroma_url", "api_key", "on_behalf_of", "metrics_token", "redis_url",
                     mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """``OPENAI_API_KEY=`` (empty) means unset, not a configured model."""
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def effective_worker_threads(self) -> int:
        """The worker threads to run with: ``worker_threads``, or one per core, at least two.

        At least two, so that one long blocking call never holds every thread of a one-core container.

        Our blocking work is mostly CPU under the GIL (SQLite, Chroma, BM25), so threads beyond
        a few only take turns with the event loop, which then waits for the GIL. On 2 cores,
        200 concurrent agendas ran faster with 4 threads than with 40 (9.4 against 8.0 tasks/s;
        ``/healthz`` p95 540 -> 140 ms), and, once a task's own work had shrunk, faster with 2
        than with 4: p95 latency 11.3 against 12.1 s on SQLite, 16.6 against 18.4 s on
        PostgreSQL, ``/healthz`` p95 30 against 66 ms and 26 against 80 ms (issue 9;
        ``benchmarks/load.py``). Raise it for a database that is far away (its waits release the GIL).
        """
        return self.worker_threads or max(2, os.cpu_count() or 1)

    @property
    def llm_configured(self) -> bool:
        """True when a model endpoint is configured; otherwise the offline drafter answers."""
        return self.openai_api_key is not None or self.openai_base_url is not None

    @property
    def link_hosts(self) -> frozenset[str]:
        """The hosts of :attr:`link_allowlist`, lower case."""
        return frozenset(h.strip().lower() for h in self.link_allowlist.split(",") if h.strip())

    @property
    def effective_database_url(self) -> str:
        """The configured database URL, or the SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'coach.db').as_posix()}"

    @property
    def chroma_path(self) -> Path:
        """The embedded Chroma folder inside the data folder."""
        return self.data_dir / "chroma"

    @property
    def checkpoint_path(self) -> Path:
        """The SQLite file of the chat checkpointer inside the data folder."""
        return self.data_dir / "checkpoints.db"
