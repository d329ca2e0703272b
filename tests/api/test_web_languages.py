"""The web app's languages are data: those with a server catalogue folder and a web catalogue.

``/web/i18n/languages.json`` tells the page which languages to offer, by their own names; a
language that lacks either half is not offered, and adding one needs no code.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from api.routes import web
from knowledge.i18n import languages
from knowledge.i18n.languages import SHIPPED_LOCALES
from tests.api.conftest import Api

SHIPPED = {"default": "en", "languages": [
    {"code": "en", "name": "English", "locale": "en-GB"},
    {"code": "nl", "name": "Nederlands", "locale": "nl-NL"},
]}


def test_every_shipped_language_has_a_web_catalogue_and_a_server_folder() -> None:
    offered = {path.stem for path in web.WEB_CATALOGUES.glob("*.json")}
    assert offered == set(languages.available_languages(SHIPPED_LOCALES)) == {"en", "nl"}


async def test_the_page_is_told_the_shipped_languages_by_their_own_names(api: Api) -> None:
    r = await api.client.get("/web/i18n/languages.json")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json() == SHIPPED
    # served like the other web files: this server's policy, revalidated on every use
    page = await api.client.get("/")
    assert r.headers["content-security-policy"] == page.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-cache" and r.headers["x-content-type-options"] == "nosniff"
    tag = r.headers["etag"]
    assert tag.startswith('"') and tag.endswith('"')
    again = await api.client.get("/web/i18n/languages.json", headers={"If-None-Match": f'"other", {tag}'})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    stale = await api.client.get("/web/i18n/languages.json", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200 and stale.json() == SHIPPED
    # the catalogues themselves are still the static files
    nl = await api.client.get("/web/i18n/nl.json")
    assert nl.status_code == 200 and nl.json()["language.label"] == "Taal"


def _folder(root: Path, code: str, settings: str) -> None:
    shutil.copytree(root / "en", root / code)
    (root / code / "_language.yaml").write_text(settings, encoding="utf-8")


async def test_a_language_is_offered_when_it_has_both_catalogues(
        api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = (await api.client.get("/web/i18n/languages.json")).headers["etag"]
    root = tmp_path / "locales"
    shutil.copytree(SHIPPED_LOCALES, root)
    _folder(root, "de", "name: German\nendonym: Deutsch\nlocale: de_DE\ndetector: GERMAN\nstemmer: german\n")
    _folder(root, "sv", "name: Swedish\nlocale: sv_SE\ndetector: SWEDISH\nstemmer: swedish\n")  # no endonym
    _folder(root, "fr", "name: French\nendonym: Français\nlocale: fr_FR\ndetector: FRENCH\nstemmer: french\n")
    catalogues = tmp_path / "i18n"
    catalogues.mkdir()
    for code in ("en", "nl", "de", "sv"):
        shutil.copy(web.WEB_CATALOGUES / "en.json", catalogues / f"{code}.json")
    (catalogues / "it.json").write_text("{}", encoding="utf-8")  # a web catalogue without a server folder
    monkeypatch.setattr(languages, "LOCALES", root)
    monkeypatch.setattr(web, "WEB_CATALOGUES", catalogues)

    r = await api.client.get("/web/i18n/languages.json", headers={"If-None-Match": shipped})
    assert r.status_code == 200 and r.headers["etag"] != shipped  # a new list is a new tag
    assert r.json() == {"default": "en", "languages": [
        {"code": "de", "name": "Deutsch", "locale": "de-DE"},
        *SHIPPED["languages"],
        {"code": "sv", "name": "Swedish", "locale": "sv-SE"},  # its English name when it gives no endonym
    ]}  # fr (no web catalogue) and it (no server folder) are not offered
    assert [info.code for info in web.web_languages(catalogues, root)] == ["de", "en", "nl", "sv"]
