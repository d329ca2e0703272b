"""The one way blocking work leaves the event loop: :func:`run_sync`, in a worker thread.

The rule of the codebase (docs/ARCHITECTURE.md, "Concurrency"): nothing that blocks (a
database session, Chroma, the embedder, a file read) runs on the event loop. FastAPI runs
plain ``def`` routes and dependencies in its threadpool; ``async`` code hands blocking work
to :func:`run_sync`. Both draw on anyio's default thread limiter, sized once per process
by :func:`set_worker_threads`, so one number bounds the threads of the whole process.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import anyio.to_thread

P = ParamSpec("P")
T = TypeVar("T")


async def run_sync(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` in a worker thread; the caller's context variables go along."""
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))


def set_worker_threads(count: int) -> None:
    """Size the worker threads of the running event loop (FastAPI's threadpool included)."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = count
