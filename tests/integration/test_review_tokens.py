"""The review's prompt stays flat between 3 and 12 months of records (benchmarks/review_tokens.py).

Unlike timings, prompt size is deterministic: the same records give the same prompt on every
machine, so the target (12 months within 10% of 3 months) is asserted here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import review_tokens
from tests.api.conftest import HashEmbedder

pytestmark = pytest.mark.bench


def test_a_year_of_records_gives_the_prompt_of_a_quarter(tmp_path: Path) -> None:
    result = review_tokens.report(review_tokens.run(tmp_path, embedder=HashEmbedder()))
    short, year = result["periods"]
    assert year["records"] >= 4 * short["records"] - 4  # four times the records ...
    assert result["record_ratio"] > 3.5
    assert result["flat"], result  # ... and the same prompt, within 10%
    assert short["prompt_tokens"] < 5000
