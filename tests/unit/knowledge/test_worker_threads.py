"""The default worker threads: one per core, at least two (issue 9: more only compete for the GIL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.settings import Settings


@pytest.mark.parametrize(("cores", "threads"), [(1, 2), (2, 2), (8, 8), (None, 2)])
def test_one_worker_thread_per_core_and_never_fewer_than_two(
    cores: int | None, threads: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("knowledge.settings.os.cpu_count", lambda: cores)
    assert Settings(data_dir=tmp_path).effective_worker_threads == threads


def test_the_setting_overrides_the_default(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path, worker_threads=12).effective_worker_threads == 12
