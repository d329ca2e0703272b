"""The revisions of the store's collections, read from Chroma at most once a second per process.

Retrieval keeps a lexical index and its answers per revision of the guidance and policy
collections (:mod:`knowledge.retrieval`), so every search asks for both revisions. Reading
them from Chroma cost two collection lookups, 1.4 ms of each agenda's 9 ms gather (issue 9).
:data:`REVISIONS` keeps what was read, process-wide and by the store's *location* (the
embedded store's folder, or the Chroma server, tenant and database), so that:

* a write through any :class:`~knowledge.store.Store` of this process at that location
  (the API, a CLI command run in-process, a second store opened on the same folder) is seen
  at once: the write drops what was kept, and the next read asks Chroma;
* a write by another process or replica is seen within the TTL
  (``COACH_STORE_REVISION_TTL_S``, 1 s by default; 0 reads Chroma on every call, as before).

A read that started before a write is not kept after it: a generation count per key tells.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

REVISION_TTL_S = 1.0
"""How long a revision read from Chroma is trusted, by default (Settings.store_revision_ttl_s)."""


@dataclass
class RevisionCache:
    """Revisions by key (location, kind) with the time they were read; thread-safe."""

    clock: Callable[[], float] = time.monotonic
    _kept: dict[Hashable, tuple[float, str]] = field(default_factory=dict)
    _generation: dict[Hashable, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def read(self, key: Hashable, fetch: Callable[[], str], *, ttl_s: float) -> str:
        """The revision of ``key``: kept if read less than ``ttl_s`` ago, else ``fetch()``-ed now."""
        now = self.clock()
        with self._lock:
            kept = self._kept.get(key)
            generation = self._generation.get(key, 0)
        if kept is not None and now - kept[0] < ttl_s:
            return kept[1]
        revision = fetch()
        with self._lock:
            if self._generation.get(key, 0) == generation:  # no write since the fetch began
                self._kept[key] = (now, revision)
        return revision

    def invalidate(self, key: Hashable) -> None:
        """``key`` changed through this process: the next read asks Chroma."""
        with self._lock:
            self._kept.pop(key, None)
            self._generation[key] = self._generation.get(key, 0) + 1


REVISIONS = RevisionCache()
"""The process-wide cache every store reads its revisions through."""
