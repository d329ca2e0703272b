"""The employee's pages in a real browser: a goal chat streamed token by token, kept across
reloads; the SMART verdicts as a table with proposals to confirm; development actions."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.integration.browser.conftest import REPLY, WORDS, Model, Server, Web

pytestmark = pytest.mark.browser


def test_a_chat_reply_arrives_in_pieces_and_the_thread_survives_a_reload(
    web_on: Callable[..., Web], llm_server: tuple[Server, Model]
) -> None:
    server, model = llm_server
    web = web_on(server)
    page = web.page
    page.add_init_script("sessionStorage.setItem('coach.lang', 'en')")
    web.sign_in("employee")
    web.go("chat")
    # record the reply's text every time it changes, as the page renders it
    page.evaluate("""() => {
        window.__seen = [];
        new MutationObserver(() => {
            const reply = document.querySelector('.msg-assistant[data-state] .msg-text');
            if (reply) window.__seen.push(reply.textContent);
        }).observe(document.querySelector('[data-testid=chat-log]'),
                   { subtree: true, childList: true, characterData: true });
    }""")
    page.get_by_label("Your message").fill("I want to get better at presenting to clients")
    page.get_by_role("button", name="Send").click()
    reply = page.locator(".msg-assistant[data-state=done]")
    reply.wait_for()
    assert reply.locator(".msg-text").inner_text() == REPLY
    seen = [s for s in page.evaluate("() => window.__seen") if s and s in REPLY and s != REPLY]
    partial = sorted({s for s in seen if REPLY.startswith(s)}, key=len)
    assert len(partial) >= len(WORDS) // 2, partial  # the reply grew piece by piece on screen
    assert int(reply.get_attribute("data-tokens") or 0) == len(WORDS)
    sent = model.requests[-1]
    assert sent["stream"] is True and "presenting to clients" in str(sent["messages"])

    thread = page.evaluate("() => Object.entries(sessionStorage).find(([k]) => k.startsWith('coach.thread.'))")
    assert thread and thread[1].startswith("thr_")
    page.reload()
    page.wait_for_selector("[data-page=chat]")
    web.settle()
    log = page.get_by_test_id("chat-log")
    assert log.locator(".msg-user .msg-text").all_inner_texts() == ["I want to get better at presenting to clients"]
    assert log.locator(".msg-assistant .msg-text").all_inner_texts() == [REPLY]


def test_the_smart_check_is_a_table_with_proposals_to_confirm(web: Web) -> None:
    page = web.page
    page.add_init_script("sessionStorage.setItem('coach.lang', 'en')")
    web.sign_in("employee")
    web.go("chat")
    goal = "Reduce the false alerts of the payments service"
    page.get_by_label("Your message").fill(goal)
    page.get_by_role("button", name="SMART check").click()
    smart = page.get_by_test_id("smart")
    smart.wait_for()
    expected = web.server.api("POST", "/v1/coach/smart-goal", "employee", json={"text": goal, "language": "en"}).json()
    rows = smart.locator("tbody tr")
    assert rows.count() == 5
    assert [r.get_attribute("data-criterion") for r in rows.all()] == [
        "specific", "measurable", "achievable", "relevant", "time_bound"]
    verdicts = {c["criterion"]: c for c in expected["criteria"]}
    for row in rows.all():
        criterion = row.get_attribute("data-criterion") or ""
        assert verdicts[criterion]["note"] in row.inner_text()
    shown = smart.get_by_test_id("smart-rewrite").text_content() or ""
    assert shown.replace(" (proposal, please confirm)", "") == expected["rewrite"]
    proposed = [p["value"] for p in expected["proposed_values"] if p["value"] in expected["rewrite"]]
    assert proposed, "the offline drafter proposes values for a goal without numbers"
    assert [(m or "").split(" (")[0] for m in smart.locator("mark.proposal").all_text_contents()] == sorted(
        proposed, key=expected["rewrite"].index)
    assert smart.locator(".proposals input[type=checkbox]").count() == len(expected["proposed_values"])

    # Nothing proposed is saved unconfirmed: saving waits for every proposal, and a changed value
    # is what gets saved (the mark in the rewrite follows it).
    save = smart.get_by_role("button", name="Save as my goal")
    assert save.is_disabled()
    values = smart.get_by_label("Proposed value")
    assert values.count() == len(expected["proposed_values"])
    first = expected["proposed_values"][0]["value"]
    values.first.fill("40% fewer")
    boxes = smart.get_by_label("I confirm this value")
    for i in range(boxes.count()):
        boxes.nth(i).check()
        assert save.is_disabled() == (i < boxes.count() - 1)
    assert smart.locator("mark.proposal.confirmed").count() == len(proposed)
    save.click()
    done = smart.get_by_test_id("smart-saved").locator(".success[role=status]")
    done.wait_for()
    saved = web.server.api("GET", f"/v1/goals/{done.get_attribute('data-goal')}", "employee").json()
    me = web.server.api("GET", "/v1/me", "employee").json()
    assert (saved["title"], saved["owner_person_id"], saved["level"]) == (goal, me["id"], "individual")
    assert first in expected["rewrite"]
    assert saved["description"].split("\n")[0] == expected["rewrite"].replace(first, "40% fewer", 1)
    assert saved["description"].split("\n")[1:] == [f"- {k}" for k in expected["key_results"]]
    assert save.is_disabled()


def test_coach_activity_names_who_asked_and_opens_the_records_used(web: Web) -> None:
    daan = web.server.api("GET", "/v1/me", "employee").json()
    asked = web.server.api("POST", "/v1/coach/agenda", "manager",
                           json={"employee_id": daan["id"], "kind": "one_on_one", "minutes": 30})
    assert asked.status_code == 200, asked.text
    manager = web.server.api("GET", "/v1/me", "manager").json()
    runs = web.server.api("GET", "/v1/me/coach-activity?limit=100", "employee").json()["items"]
    page = web.page
    page.add_init_script("sessionStorage.setItem('coach.lang', 'en')")
    web.sign_in("employee")
    web.go("activity")
    rows = page.get_by_test_id("activity").locator("tbody tr")
    assert rows.count() == len(runs)
    newest = rows.first
    assert newest.get_attribute("data-run") == runs[0]["id"]
    assert newest.get_by_test_id("asked-by").inner_text() == manager["name"]
    assert "Conversation prep" in newest.inner_text()
    sources = newest.locator("button.source")
    assert sources.count() == len(runs[0]["records"]) > 0
    sources.first.click()
    page.locator("#record-dialog[open]").wait_for()


def test_development_actions_for_my_goals(web: Web) -> None:
    page = web.page
    page.add_init_script("sessionStorage.setItem('coach.lang', 'en')")
    web.sign_in("employee")
    web.go("development")
    assert page.locator(".two-col .card").first.locator("li").count() >= 1  # the goals they serve
    page.get_by_role("button", name="Suggest actions").click()
    result = page.get_by_test_id("development")
    result.wait_for()
    cards = result.locator(".cards > li")
    assert 2 <= cards.count() <= 5
    assert all("Success looks like:" in c.inner_text() for c in cards.all())
