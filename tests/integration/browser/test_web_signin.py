"""Signing in to the web app as each role, in a real browser; the key stays in the tab."""

from __future__ import annotations

import pytest

from tests.integration.browser.conftest import Web

pytestmark = pytest.mark.browser

NAV = {
    "manager": ["Team", "Prepare", "After the talk", "Feedback", "Review", "Goal chat", "Development",
                "Coach activity"],
    "employee": ["Goal chat", "Development", "Review", "Coach activity"],
    "hr": ["Prompts", "Policies", "Goal chat", "Development", "Coach activity"],
}
NAMES = {"manager": "Femke Jansen", "employee": "Daan Visser", "hr": "Marieke de Vries"}
HOME = {"manager": "team", "employee": "chat", "hr": "prompts"}


@pytest.mark.parametrize("role", ["manager", "employee", "hr"])
def test_signing_in_shows_the_pages_of_the_role_and_keeps_the_key_out_of_urls(web: Web, role: str) -> None:
    page = web.page
    web.page.add_init_script("sessionStorage.setItem('coach.lang', 'en')")
    web.sign_in(role)
    key = web.server.keys[role]
    assert page.locator(f"[data-page={HOME[role]}]").is_visible()
    assert page.get_by_test_id("who").inner_text().startswith(NAMES[role])
    assert page.locator("#nav a").all_inner_texts() == NAV[role]
    assert key not in page.url
    stored = page.evaluate(
        "() => ({ session: sessionStorage.getItem('coach.key'), local: JSON.stringify(localStorage) })")
    assert stored == {"session": key, "local": "{}"}
    assert web.context.cookies() == []
    # a reload keeps the sign-in (same tab), a sign-out forgets the key
    page.reload()
    page.wait_for_selector(f"[data-page={HOME[role]}]")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_selector("form.signin")
    assert page.evaluate("() => sessionStorage.getItem('coach.key')") is None


def test_a_wrong_key_is_refused_in_words(web: Web) -> None:
    web.expect_status(401)
    web.page.add_init_script("sessionStorage.setItem('coach.lang', 'en')")
    web.open()
    web.page.get_by_label("API key").fill("coach_not-a-real-key")
    web.page.locator("form.signin button[type=submit]").click()
    alert = web.page.get_by_role("alert")
    alert.wait_for()
    assert "not accepted" in alert.inner_text()
    assert web.page.evaluate("() => sessionStorage.getItem('coach.key')") is None
