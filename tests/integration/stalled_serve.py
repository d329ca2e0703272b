"""``coach serve`` with one store write held up, so a crash test can kill it exactly there.

Run as ``python -m tests.integration.stalled_serve --host ... --port ...`` with
``COACH_TEST_STALL=<collection>:<before|after>`` and ``COACH_TEST_STALL_MARKER=<file>``: the
first time the server writes vectors to ``<collection>`` it writes the marker file and sleeps
(before or after the write reached the store), and the test kills it with SIGKILL meanwhile.
Everything else is the real ``coach serve``: the same app, database, store and start-up.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from api.cli import main
from knowledge.store import Store

STALL_S = 120.0


def _install_stall() -> None:
    spec = os.environ.get("COACH_TEST_STALL")
    if not spec:
        return
    kind, _, phase = spec.partition(":")
    marker = Path(os.environ["COACH_TEST_STALL_MARKER"])
    real_upsert = Store.upsert

    def upsert(self: Store, collection: Any, **kwargs: Any) -> None:
        # Only a request's write of real vectors stalls (not the start-up reconciliation's).
        armed = collection == kind and bool(kwargs.get("ids")) and threading.current_thread().name != "coach-reconcile"
        if armed and phase == "before":
            marker.write_text("stalled before the store write")
            time.sleep(STALL_S)
        real_upsert(self, collection, **kwargs)
        if armed and phase == "after":
            marker.write_text("stalled after the store write")
            time.sleep(STALL_S)

    Store.upsert = upsert  # type: ignore[method-assign,assignment]


if __name__ == "__main__":
    _install_stall()
    sys.argv = ["coach", "serve", *sys.argv[1:]]
    main()
