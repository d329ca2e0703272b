"""The latency benchmark runs end to end and reports what it promises.

Timings are not asserted here (machines differ): the benchmark gates its own ratios against
its ceilings. This only checks that every ratio is measured, is a positive finite number, and
that the JSON has its documented shape.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from benchmarks import latency

pytestmark = pytest.mark.bench


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def test_quick_latency_benchmark_reports_every_ratio(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "latency.json"
    rc = latency.main(["--quick", "--repeat", "2", "--warmup", "0", "--out", str(out)])

    data = json.loads(out.read_text(encoding="utf-8"))
    # 1 means a ratio is above its ceiling: the benchmark's verdict, not this test's.
    assert rc == (0 if data["ok"] else 1)
    assert data["benchmark"] == "latency" and data["quick"] is True
    assert data["plan"]["repeat"] == 2 and data["plan"]["warmup"] == 0
    assert data["transport"] == "asgi"
    assert _positive(data["seconds"])
    assert set(data["sections_s"]) == {"set-up", "tasks vs gather", "dense vs hybrid", "API vs direct", "memory"}

    assert set(data["ratios"]) == set(latency.TARGETS)
    measurements = data["measurements"]
    for name, ratio in data["ratios"].items():
        assert _positive(ratio["value"]), name
        assert ratio["ceiling"] == latency.TARGETS[name]
        assert ratio["ok"] is (ratio["value"] <= ratio["ceiling"])
        for side in ("baseline", "candidate"):
            m = measurements[ratio[side]]
            if m["kind"] == "time":
                assert m["n"] == 2 and _positive(m["median_ms"]) and _positive(m["p95_ms"]), ratio[side]
                assert m["p95_ms"] >= m["median_ms"]
            else:
                assert m["kind"] == "memory" and m["n"] >= 1 and _positive(m["peak_kib"]), ratio[side]
    assert data["ok"] is all(r["ok"] for r in data["ratios"].values())

    printed = capsys.readouterr().out
    for name in latency.TARGETS:
        assert name in printed
