"""The one way blocking work leaves the event loop: :func:`run_sync`, in a worker thread.

The rule of the codebase (docs/ARCHITECTURE.md, "Concurrency"): nothing that blocks (a
database session, Chroma, the embedder, a file read) runs on the event loop. FastAPI runs
plain ``def`` routes and dependencies in its threadpool; ``async`` code hands blocking work
to :func:`run_sync`. Both draw on anyio's default thread limiter, sized once per process
by :func:`set_worker_threads`, so one number bounds the threads of the whole process.

Our own CPU work (the offline drafter, the checks, the repair and output guard) goes through
:func:`run_cpu` instead: a worker thread too, but behind a second, small limiter sized to the
cores (:func:`set_cpu_threads`). Run on the loop, a 50-100 ms draft-and-check stalls every
other request, ``/healthz`` included, for that long (issue 9: ``/healthz`` p95 359 ms at 50
concurrent tasks); in a thread the loop gets the GIL back every switch interval (5 ms), and
with at most ~cores such threads it competes with few of them. I/O waits keep the large limiter.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import os
import weakref
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import anyio
import anyio.to_thread

P = ParamSpec("P")
T = TypeVar("T")


async def run_sync(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` in a worker thread; the caller's context variables go along."""
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))


def set_worker_threads(count: int) -> None:
    """Size the worker threads of the running event loop (FastAPI's threadpool included)."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = count


_cpu_threads = max(1, os.cpu_count() or 1)
_cpu_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def set_cpu_threads(count: int) -> None:
    """Size the CPU limiter of :func:`run_cpu` (default: the number of cores)."""
    global _cpu_threads
    _cpu_threads = max(1, count)
    for limiter in _cpu_limiters.values():
        limiter.total_tokens = _cpu_threads


def _cpu_limiter() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _cpu_limiters.get(loop)
    if limiter is None:
        limiter = _cpu_limiters[loop] = anyio.CapacityLimiter(_cpu_threads)
    return limiter


async def run_cpu(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)``, CPU-bound and pure, in a worker thread behind the CPU limiter."""
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs), limiter=_cpu_limiter())


def settle_heap() -> None:
    """Hide what the process holds after start-up from the cyclic garbage collector.

    A running service holds a few hundred thousand long-lived objects (LangChain, LangGraph,
    pydantic schemas, Chroma's client, the catalogues). Every full collection walked all of
    them, and a task allocates enough to set one off every few tasks: issue 9 measured the
    agenda's overhead at 1,000 records at p95 69 ms before and 52 ms after ``gc.freeze()``
    (feedback 54 -> 36). Frozen objects are still freed by reference counting; only cycles
    among them wait until :func:`unsettle_heap`. The server calls this once it has started.
    """
    gc.freeze()


def unsettle_heap() -> None:
    """Give the frozen objects back to the collector (the server's shutdown; tests that start many)."""
    gc.unfreeze()
