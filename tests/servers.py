"""Real servers on loopback for the tests that need one: a free port, and uvicorn in a thread.

``serving(app)`` runs an ASGI app on ``127.0.0.1`` at a free port in a daemon thread, waits
until uvicorn has started (or fails the test when it dies or takes too long) and yields the
base URL; on exit it asks uvicorn to stop and joins the thread. Used by the streaming, MCP,
OpenAI-compatible, concurrency, provider-fault and browser tests.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import uvicorn


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(
    app: Any,
    *,
    port: int | None = None,
    start_s: float = 20,
    stop_s: float = 10,
    log_level: str = "warning",
    lifespan: Literal["auto", "on", "off"] = "on",
) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 (``port``, or a free one) and yield its base URL."""
    port = port if port is not None else free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level=log_level, lifespan=lifespan))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the test server on port {port} did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=stop_s)
