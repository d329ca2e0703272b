"""Language detection on short chat messages: the product's detector against the data set.

``python -m benchmarks.language_detection`` prints accuracy (right / all), the share of
messages it declined (None, so the caller falls back), and every miss. With ``--old`` it
also scores a detector passed by import path, e.g. a previous implementation.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from pathlib import Path

import yaml

from knowledge.i18n import detect

DATA = Path(__file__).parent / "data" / "short_messages.yaml"


def labelled() -> list[tuple[str, str]]:
    """(message, language) pairs; a group name's first two letters are its language."""
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return [(text, group[:2]) for group, texts in raw.items() for text in texts]


def score(detector: Callable[[str], str | None]) -> tuple[float, float, list[str]]:
    """(accuracy, share declined, misses) of ``detector`` on the data set."""
    cases = labelled()
    misses, declined = [], 0
    for text, lang in cases:
        found = detector(text)
        declined += found is None
        if found != lang:
            misses.append(f"{lang} -> {found}: {text}")
    return 1 - len(misses) / len(cases), declined / len(cases), misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--old", help="module:function of another detector to compare")
    args = parser.parse_args()
    detectors: dict[str, Callable[[str], str | None]] = {"knowledge.i18n.detect": detect}
    if args.old:
        module, _, name = args.old.partition(":")
        detectors[args.old] = getattr(importlib.import_module(module), name)
    print(f"{len(labelled())} messages")
    for label, detector in detectors.items():
        accuracy, declined, misses = score(detector)
        print(f"{label}: accuracy {accuracy:.1%}, declined {declined:.1%}")
        for miss in misses:
            print(f"  {miss}")


if __name__ == "__main__":
    main()
