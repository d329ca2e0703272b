"""The layout rules a reader relies on: no product module over 400 lines (CONTRIBUTING.md)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("agent", "tools", "knowledge", "api", "evals")
MAX_LINES = 400
"""The ceiling per product module; aim for about 300. Migration versions are generated and exempt."""


def product_modules() -> list[Path]:
    """Every Python module of the product packages, except the Alembic migration versions."""
    found = [p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))]
    return [p for p in found if "migrations/versions" not in p.relative_to(ROOT).as_posix()]


def line_count(path: Path) -> int:
    """Lines in ``path``, counted as ``wc -l`` does."""
    return path.read_bytes().count(b"\n")


def test_the_product_packages_are_found() -> None:
    modules = {p.relative_to(ROOT).as_posix() for p in product_modules()}
    assert {"agent/service.py", "knowledge/models.py", "api/app.py", "evals/runner.py", "tools/records.py"} <= modules
    assert not any("migrations/versions/" in m for m in modules)


def test_no_product_module_is_over_400_lines() -> None:
    over = {p.relative_to(ROOT).as_posix(): n for p in product_modules() if (n := line_count(p)) > MAX_LINES}
    assert over == {}, f"split these by job (max {MAX_LINES} lines): {over}"
