"""How often the text guards fired, as Prometheus counters (served by ``GET /metrics``).

* ``coach_input_stripped_total{where}``: text that lost invisible or bidi control characters
  on the way in (``where``: ``request_body``, ``document``);
* ``coach_output_guard_total{kind}``: answers the output guard changed or replaced
  (``system_prompt_leak``: held the canary or quoted the system prompt; ``markup_removed``:
  images, foreign links, HTML or invisible characters removed).

Labels are fixed words, never ids or text. The counters live here, at the bottom of the
stack, because both the API (request bodies) and the records layer (documents) strip input.
"""

from __future__ import annotations

from prometheus_client import Counter

INPUT_STRIPPED = Counter(
    "coach_input_stripped", "Texts that lost invisible or bidi control characters on the way in", ["where"])
OUTPUT_GUARD = Counter("coach_output_guard", "Answers the output guard repaired or replaced", ["kind"])


def count_input_stripped(where: str, n: int = 1) -> None:
    """Count ``n`` texts cleaned at ``where``."""
    INPUT_STRIPPED.labels(where=where).inc(n)


def count_output_guard(kind: str, n: int = 1) -> None:
    """Count ``n`` answers the output guard changed, by ``kind``."""
    OUTPUT_GUARD.labels(kind=kind).inc(n)
