"""The load benchmark runs end to end, small, and reports what it promises (marker ``bench``).

Its numbers are not asserted (machines differ; the benchmark prints its own verdicts). This
checks that a real server, the stub model in its own process and the ``/healthz`` probe in
another all work, that every call was answered, and that the JSON has its documented shape.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from benchmarks import load

pytestmark = pytest.mark.bench


def test_a_small_load_run_answers_everything_and_reports_each_section(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    rc = load.main(["--sections", "concurrency,overhead,react,cpu", "--levels", "5", "--tasks", "agenda,chat",
                    "--records", "10", "--repeat", "2", "--cpu-n", "2", "--cpu-count", "3", "--call-s", "0.2",
                    "--token-s", "0.001", "--no-postgres", "--out", str(out)])
    assert rc == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    rows = {(r["db"], r["task"], r["n"]): r for r in data["concurrency"]}
    assert set(rows) == {("sqlite", "agenda", 5), ("sqlite", "chat", 5)}
    for row in rows.values():
        assert row["errors"] == {}, row
        assert row["healthz_probes"] >= 1 and math.isfinite(row["healthz_p95_ms"])
        assert row["p95_ms_minus_stub"] is not None
    assert rows[("sqlite", "chat", 5)]["ttft_p95_ms"] is not None
    assert rows[("sqlite", "agenda", 5)]["model_calls_per_task"] == 1.0
    assert data["one_task_s"] > 0.2, "one task waits at least the stub's 0.2 s"
    assert {r["task"] for r in data["overhead"]} == set(load.TASKS)
    assert all(r["calls_per_task"] == 1.0 and r["prompt_tokens_per_task"] > 0 for r in data["overhead"])
    assert all(0 < r["cpu_p50_ms"] for r in data["overhead"])  # the service's own CPU is measured
    assert {r["task"] for r in data["react"]} == set(load.TASKS)
    assert all(r["react_calls"] > r["ours_calls"] == 1.0 for r in data["react"])
    assert data["cpu"]["cpu_ms_per_offline_task"] > 0
    assert {t["target"] for t in data["targets"]} >= {"model calls per task (happy path, worst)"}
