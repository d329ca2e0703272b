"""The period review in a real browser: a manager's draft of a report's year and an employee's
own self-review, each statement with the records it cites, exactly as the API drafts them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.browser.conftest import Web

pytestmark = pytest.mark.browser


def _cited(result: dict[str, Any]) -> list[tuple[str, str]]:
    """Every source the draft cites, in the order the page shows them."""
    out: list[dict[str, str]] = list(result["summary"]["sources"])
    for goal in result["goals"]:
        out += goal["sources"]
    for key in ("strengths", "growth_areas"):
        for theme in result[key]:
            out += [ex["source"] for ex in theme["examples"]]
    out += result["conversations"]["sources"] + result["development"]["sources"]
    for focus in result["next_focus"]:
        out += focus["sources"]
    return [(s["type"], s["id"]) for s in out]


def _shown(web: Web) -> list[tuple[str, str]]:
    buttons = web.page.get_by_test_id("review").locator("button.source").all()
    return [(b.get_attribute("data-source-type") or "", b.get_attribute("data-source-id") or "") for b in buttons]


def test_a_manager_drafts_the_review_of_a_report_with_its_sources(web: Web) -> None:
    page = web.page
    page.add_init_script("sessionStorage.setItem('coach.lang', 'en')")
    web.sign_in("manager")
    web.go("review")
    daan = web.server.api("GET", "/v1/people?email=daan@noordlicht.example", "manager").json()["items"][0]
    page.get_by_label("With").select_option(daan["id"])
    start, end = page.get_by_label("From").input_value(), page.get_by_label("To").input_value()
    page.get_by_label("Perspective").select_option("manager")
    page.get_by_role("button", name="Draft the review").click()
    review = page.get_by_test_id("review")
    review.wait_for()
    web.settle()
    expected = web.server.api("POST", "/v1/coach/review", "manager", json={
        "employee_id": daan["id"], "period_start": start, "period_end": end, "perspective": "manager",
        "language": "en"}).json()
    assert expected["period_start"] == start and expected["period_end"] == end
    assert f"Review draft for {daan['name']}" in review.locator("h2").inner_text()
    assert _shown(web) == _cited(expected) and _shown(web)
    assert review.locator(".theme").count() == len(expected["strengths"]) + len(expected["growth_areas"])
    singles = sum(t["single_observation"] for k in ("strengths", "growth_areas") for t in expected[k])
    assert review.locator(".theme[data-single=true]").count() == singles
    assert review.locator("[data-part=questions] li").all_inner_texts() == expected["questions"]
    facts = review.get_by_test_id("review-facts").inner_text()
    assert f"{expected['facts']['one_on_ones']} of {expected['facts']['expected_one_on_ones']} expected" in facts
    assert "proposes no rating" in review.inner_text()
    # A cited record opens in its dialog.
    review.locator("button.source").first.click()
    page.locator("#record-dialog[open]").wait_for()


def test_an_employee_drafts_their_own_self_review(web: Web) -> None:
    page = web.page
    page.add_init_script("sessionStorage.setItem('coach.lang', 'en')")
    web.sign_in("employee")
    web.go("review")
    assert page.get_by_label("Perspective").count() == 0 and page.get_by_label("With").count() == 0
    page.get_by_role("button", name="Draft the review").click()
    review = page.get_by_test_id("review")
    review.wait_for()
    web.settle()
    me = web.server.api("GET", "/v1/me", "employee").json()
    expected = web.server.api("POST", "/v1/coach/review", "employee", json={
        "employee_id": me["id"], "period_start": page.get_by_label("From").input_value(),
        "period_end": page.get_by_label("To").input_value(), "perspective": "self", "language": "en"}).json()
    assert expected["perspective"] == "self"
    assert review.locator("h2").inner_text() == "Your self-review draft"
    assert _shown(web) == _cited(expected)
    assert review.locator("[data-part=summary] .statement").inner_text().startswith(expected["summary"]["text"])
