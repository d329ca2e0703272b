"""The revision cache: kept for the TTL, dropped by a write, never kept across a racing write (issue 9)."""

from __future__ import annotations

from knowledge.revisions import RevisionCache


def test_a_revision_is_kept_for_the_ttl_then_read_again() -> None:
    now = [0.0]
    cache = RevisionCache(clock=lambda: now[0])
    answers = iter(["r1", "r2"])
    assert cache.read("k", lambda: next(answers), ttl_s=1.0) == "r1"
    now[0] = 0.99
    assert cache.read("k", lambda: "never", ttl_s=1.0) == "r1"
    now[0] = 1.0
    assert cache.read("k", lambda: next(answers), ttl_s=1.0) == "r2"


def test_a_ttl_of_zero_reads_on_every_call() -> None:
    cache = RevisionCache(clock=lambda: 5.0)
    answers = iter(["r1", "r2"])
    assert [cache.read("k", lambda: next(answers), ttl_s=0) for _ in range(2)] == ["r1", "r2"]


def test_a_write_drops_what_was_kept_for_that_key_only() -> None:
    cache = RevisionCache(clock=lambda: 0.0)
    cache.read("a", lambda: "a1", ttl_s=60)
    cache.read("b", lambda: "b1", ttl_s=60)
    cache.invalidate("a")
    assert cache.read("a", lambda: "a2", ttl_s=60) == "a2"
    assert cache.read("b", lambda: "never", ttl_s=60) == "b1"


def test_a_read_that_raced_a_write_is_not_kept() -> None:
    cache = RevisionCache(clock=lambda: 0.0)

    def fetch_while_someone_writes() -> str:
        cache.invalidate("k")  # the write lands while the old revision is on its way back
        return "before-the-write"

    assert cache.read("k", fetch_while_someone_writes, ttl_s=60) == "before-the-write"
    assert cache.read("k", lambda: "after-the-write", ttl_s=60) == "after-the-write"
