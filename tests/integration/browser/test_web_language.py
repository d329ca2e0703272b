"""The language switch: the profile language by default, every text of the page and the
coach's answers follow the choice, which the tab keeps. The switch offers the languages the
server lists (/web/i18n/languages.json), each by its own name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.browser.conftest import Web

pytestmark = pytest.mark.browser

CATALOGUES = Path(__file__).resolve().parents[3] / "api" / "web" / "i18n"


def _catalogue(lang: str) -> dict[str, str]:
    return json.loads((CATALOGUES / f"{lang}.json").read_text(encoding="utf-8"))


def test_the_language_switch(web: Web) -> None:
    en, nl = _catalogue("en"), _catalogue("nl")
    page = web.page
    me = web.server.api("GET", "/v1/me", "manager").json()
    assert me["language"] == "nl"  # Femke's profile
    web.sign_in("manager")
    assert page.evaluate("() => document.documentElement.lang") == "nl"
    assert page.locator("#nav a").first.inner_text() == nl["nav.team"]
    assert page.locator("h1").inner_text() == nl["team.title"]
    offered = web.server.api("GET", "/web/i18n/languages.json", "manager").json()["languages"]
    switch = page.get_by_label(nl["language.label"])
    shown = switch.locator("option").evaluate_all("(os) => os.map((o) => [o.value, o.textContent, o.lang])")
    assert shown == [[lang["code"], lang["name"], lang["code"]] for lang in offered]
    assert [lang["name"] for lang in offered] == ["English", "Nederlands"]  # the endonyms, whatever the page's language
    assert switch.input_value() == "nl"

    web.go("agenda")
    with page.expect_request("**/v1/coach/agenda") as dutch:
        page.get_by_role("button", name=nl["agenda.submit"]).click()
    assert dutch.value.post_data_json["language"] == "nl"
    page.get_by_test_id("agenda").wait_for()

    switch.select_option("en")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert page.evaluate("() => document.activeElement.id") == "language"  # focus stays on the switch
    assert page.locator("h1").inner_text() == en["agenda.title"]
    assert page.locator("#nav a").all_inner_texts()[:3] == [en["nav.team"], en["nav.agenda"], en["nav.notes"]]
    with page.expect_response("**/v1/coach/agenda") as english:
        page.get_by_role("button", name=en["agenda.submit"]).click()
    answer = english.value.json()
    assert english.value.request.post_data_json["language"] == "en" and answer["language"] == "en"
    agenda = page.get_by_test_id("agenda")
    agenda.wait_for()
    assert en["agenda.why"] in agenda.inner_text() and answer["items"][0]["title"] in agenda.inner_text()

    page.reload()  # the tab keeps the choice
    page.wait_for_selector("[data-page=agenda]")
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert page.locator("h1").inner_text() == en["agenda.title"]
