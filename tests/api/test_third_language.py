"""A third language with no code change: the whole product, in a fresh process, serves German.

The catalogue root is a temporary copy of the shipped one with a ``de`` folder added the way
docs/LANGUAGES.md tells a translator: settings in ``_language.yaml`` (Babel locale ``de_DE``,
lingua ``GERMAN``, Snowball ``german``, the date pattern ``d. MMMM y``) and the domain files
copied from English (one message translated, as a marker: the machinery is under test, not the
translation). ``COACH_LOCALES_DIR`` points a fresh interpreter at it
(``tests/api/third_language_probe.py``): nothing is patched, no module is edited.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from knowledge.i18n.languages import LOCALES_ENV, SHIPPED_LOCALES

REPO = Path(__file__).resolve().parents[2]
GERMAN_SETTINGS = "name: German\nlocale: de_DE\ndetector: GERMAN\nstemmer: german\ndate_pattern: d. MMMM y\n"
LANGUAGES = ["de", "en", "nl"]


def german_root(root: Path) -> Path:
    """A catalogue root with the shipped languages and German, as a translator would start it."""
    shutil.copytree(SHIPPED_LOCALES, root)
    shutil.copytree(root / "en", root / "de")
    (root / "de" / "_language.yaml").write_text(GERMAN_SETTINGS, encoding="utf-8")
    agenda = root / "de" / "agenda.yaml"
    text = agenda.read_text(encoding="utf-8")
    assert "due: due {date}\n" in text
    agenda.write_text(text.replace("due: due {date}\n", "due: fällig am {date}\n"), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What a fresh coach process answered, pointed at the German catalogue root."""
    here = tmp_path_factory.mktemp("third_language")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("COACH_") and k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env[LOCALES_ENV] = str(german_root(here / "locales"))
    done = subprocess.run(
        [sys.executable, "-m", "tests.api.third_language_probe", str(here / "data")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_language_layer_serves_german_from_the_folder(probe: dict[str, Any]) -> None:
    layer = probe["layer"]
    assert layer["languages"] == LANGUAGES
    assert layer["completeness"] == []  # the completeness check covers the new folder
    assert layer["date"] == "30. Juni 2025" and layer["due"] == "fällig am 30. Juni 2025"
    assert layer["number"] == "1.234,5"
    assert layer["detected"] == "de"
    assert layer["stems_meet"] and layer["keys_meet"]


def test_the_api_schema_lists_german_and_the_api_validates_against_the_folders(probe: dict[str, Any]) -> None:
    api = probe["api"]
    assert {"enum": LANGUAGES, "type": "string"} in api["openapi_agenda_language"]["anyOf"]
    assert api["openapi_person_language"]["enum"] == LANGUAGES
    french = api["french"]
    assert french["status"] == 422 and french["type"].startswith("application/problem+json")
    assert french["body"]["errors"] == [
        {"loc": ["body", "language"], "msg": "Input should be 'de', 'en' or 'nl'", "type": "literal_error"}]


def test_a_person_can_be_german_and_the_records_keep_it(probe: dict[str, Any]) -> None:
    api = probe["api"]
    assert api["person"]["status"] == 201, api["person"]
    assert api["person"]["body"]["language"] == api["person_read_back"] == "de"
    assert api["nudges"] == {"status": 200, "language": "de"}


def test_the_coach_drafts_in_german(probe: dict[str, Any]) -> None:
    api = probe["api"]
    assert api["agenda"]["status"] == 200 and api["smart_goal"]["status"] == 200
    agenda, goal = api["agenda"]["body"], api["smart_goal"]["body"]
    # The texts are English copies, so the language check warns that the draft is not German:
    # the machinery is under test here, not a translation.
    assert agenda["language"] == goal["language"] == "de" and agenda["engine"] == "offline"
    assert "fällig am" in json.dumps(agenda, ensure_ascii=False)  # the German catalogue and Babel
    assert "Dezember" in goal["rewrite"] or any("Dezember" in v["value"] for v in goal["proposed_values"])


def test_the_web_app_offers_german_only_with_its_web_catalogue(probe: dict[str, Any]) -> None:
    # the folder is enough for the API; the page also needs api/web/i18n/de.json, which the
    # translator has not written yet, so its switch keeps to English and Dutch
    assert probe["api"]["web_languages"] == ["en", "nl"]
