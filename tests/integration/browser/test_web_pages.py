"""Every page of the web app at 1280 px and at 390 px: screenshots (test artifacts), axe-core
with 0 serious or critical violations, nothing wider than the screen; and the banners for a
server out of reach and for a degraded answer."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agent.faults import reason_text
from tests.integration.browser.conftest import WIDTHS, Model, Server, Web

pytestmark = pytest.mark.browser


def _agenda(web: Web) -> None:
    web.page.locator("form button[type=submit]").click()
    web.page.get_by_test_id("agenda").wait_for()


def _feedback(web: Web) -> None:
    web.page.locator("textarea[name=notes]").fill("Jonas is lazy and always late with the weekly report.")
    web.page.locator("form button[type=submit]").click()
    web.page.get_by_test_id("feedback").wait_for()


def _smart(web: Web) -> None:
    web.page.locator("textarea[name=message]").fill("Reduce the false alerts of the payments service")
    web.page.get_by_role("button", name="SMART check").click()
    web.page.get_by_test_id("smart").wait_for()


def _development(web: Web) -> None:
    web.page.locator("form button[type=submit]").click()
    web.page.get_by_test_id("development").wait_for()


def _notes(web: Web) -> None:
    web.page.locator("textarea[name=notes]").fill(
        "- Decided: Daan leads the alert review.\n- Someone should update the on-call runbook.\n")
    web.page.locator("form button[type=submit]").click()
    web.page.get_by_test_id("notes").wait_for()


def _review(web: Web) -> None:
    web.page.get_by_role("button", name="Draft the review").click()
    web.page.get_by_test_id("review").wait_for()


def _documents(web: Web) -> None:
    """A listed document, its delete button asked once (the confirm step shown)."""
    text = "# Leave\n\n## Parental leave\n\nParents may take up to nine weeks of paid leave in the first year.\n"
    made = web.server.api("POST", "/v1/documents", "hr", json={"name": "leave.md", "text": text, "format": "markdown"})
    assert made.status_code in (200, 201), made.text
    web.page.reload()
    web.page.wait_for_selector("[data-page=documents] table[data-testid=documents]")
    web.page.get_by_role("button", name="Delete “Leave”").click()
    web.page.get_by_test_id("delete-confirm").wait_for()


PAGES: dict[str, list[tuple[str, Callable[[Web], None] | None]]] = {
    "manager": [("team", None), ("agenda", _agenda), ("notes", _notes), ("feedback", _feedback), ("review", _review),
                ("development", _development), ("activity", None)],
    "employee": [("chat", _smart), ("development", None), ("review", _review), ("activity", None)],
    "hr": [("prompts", None), ("documents", _documents)],
}


def _check(web: Web, name: str) -> None:
    web.settle()
    violations = web.axe()
    assert not violations, f"{name}: {violations}"
    overflow = web.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} is {overflow} px wider than the screen"
    assert web.shot(name).stat().st_size > 5_000


@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_page_is_accessible_and_fits_the_screen(
    web_on: Callable[..., Web], coach_server: Server, width: str
) -> None:
    web = web_on(coach_server, WIDTHS[width])
    web.page.add_init_script("sessionStorage.setItem('coach.lang', 'en')")
    web.open()
    _check(web, f"signin-{width}")
    for role, pages in PAGES.items():
        web = web_on(coach_server, WIDTHS[width])
        web.page.add_init_script("sessionStorage.setItem('coach.lang', 'en')")
        web.sign_in(role)
        for name, act in pages:
            web.go(name)
            if act is not None:
                act(web)
            _check(web, f"{role}-{name}-{width}")
        if role == "manager":  # a cited record, opened in its dialog
            web.go("agenda")
            _agenda(web)
            web.page.locator("button.source").first.click()
            web.page.locator("#record-dialog h3").wait_for()
            _check(web, f"{role}-source-{width}")


def test_a_server_out_of_reach_shows_a_banner_and_keeps_the_input(web: Web) -> None:
    page = web.page
    page.add_init_script("sessionStorage.setItem('coach.lang', 'en')")
    web.sign_in("manager")
    web.go("feedback")
    page.get_by_label("Your notes").fill("Jonas always helps the new people.")
    web.context.set_offline(True)
    page.get_by_role("button", name="Phrase it").click()
    banner = page.get_by_test_id("unreachable")
    banner.wait_for()
    assert "cannot be reached" in banner.inner_text()
    assert page.get_by_label("Your notes").input_value() == "Jonas always helps the new people."
    web.context.set_offline(False)
    page.get_by_role("button", name="Phrase it").click()
    page.get_by_test_id("feedback").wait_for()
    assert page.get_by_test_id("unreachable").count() == 0
    web.console_errors[:] = [e for e in web.console_errors if "ERR_INTERNET_DISCONNECTED" not in e]


def test_a_degraded_answer_says_so_with_the_reason(
    web_on: Callable[..., Web], llm_server: tuple[Server, Model]
) -> None:
    server, model = llm_server
    web = web_on(server)
    page = web.page
    page.add_init_script("sessionStorage.setItem('coach.lang', 'en')")
    web.sign_in("manager")
    web.go("agenda")
    with page.expect_response("**/v1/coach/agenda") as answer:
        page.get_by_role("button", name="Prepare the agenda").click()
    result = answer.value.json()
    assert result["degraded"] is True and result["degraded_reason"]
    banner = page.get_by_test_id("degraded")
    banner.wait_for()
    # The reason code, translated for people (the model answered HTTP 500).
    assert result["degraded_reason"] == "provider_error"
    assert "Degraded answer." in banner.inner_text() and reason_text("provider_error", "en") in banner.inner_text()
    assert page.get_by_test_id("engine-offline").count() == 0
    assert any(not r.get("stream") for r in model.requests)  # the model was asked, and failed
