"""The manager's pages in a real browser: prepare an agenda and open its sources; phrase feedback."""

from __future__ import annotations

import pytest

from tests.integration.browser.conftest import Web

pytestmark = pytest.mark.browser


def test_prepare_an_agenda_and_open_a_source(web: Web) -> None:
    page = web.page
    page.add_init_script("sessionStorage.setItem('coach.lang', 'en')")
    web.sign_in("manager")
    web.go("agenda")
    daan = web.server.api("GET", "/v1/people?email=daan@noordlicht.example", "manager").json()["items"][0]
    page.get_by_label("With").select_option(daan["id"])
    page.get_by_label("Kind of conversation").select_option("check_in")
    page.get_by_label("Length in minutes").fill("45")
    page.get_by_label("Their own topics (optional)").fill("on-call load")
    page.get_by_role("button", name="Prepare the agenda").click()
    agenda = page.get_by_test_id("agenda")
    agenda.wait_for()
    assert "Check-in with Daan Visser" in agenda.locator("h2").inner_text()
    items = agenda.locator(".agenda-item")
    assert items.count() >= 3
    # every item shows its why, its questions, its minutes and who leads it
    minutes = 0
    for i in range(items.count()):
        item = items.nth(i)
        assert item.locator(".why").inner_text().startswith("Why:")
        assert item.locator(".questions li").count() >= 1
        meta = item.locator(".item-meta").inner_text()
        assert "min" in meta and "led by the" in meta
        minutes += int(meta.split(" min")[0])
    assert minutes == 45
    assert "on-call load" in agenda.locator(".agenda-items").inner_text().lower()
    assert agenda.get_by_test_id("engine-offline").is_visible()

    # open a cited goal: the dialog shows the record the API gives for that id
    source = agenda.locator("button.source[data-source-type=goal]").first
    goal_id = source.get_attribute("data-source-id")
    source.click()
    dialog = page.locator("#record-dialog")
    dialog.locator("h3").wait_for()
    goal = web.server.api("GET", f"/v1/goals/{goal_id}", "manager").json()
    assert dialog.locator("h3").inner_text() == goal["title"]
    page.keyboard.press("Escape")
    assert not dialog.is_visible()


NOTES = "Jonas is lazy and always late with the weekly report."


def test_phrase_feedback_highlights_the_flagged_words_with_their_reason(web: Web) -> None:
    page = web.page
    page.add_init_script("sessionStorage.setItem('coach.lang', 'en')")
    web.sign_in("manager")
    web.go("feedback")
    page.get_by_label("Your notes").fill(NOTES)
    page.get_by_label("Intent").select_option("constructive")
    page.get_by_role("button", name="Phrase it").click()
    result = page.get_by_test_id("feedback")
    result.wait_for()
    expected = web.server.api("POST", "/v1/coach/feedback", "manager",
                              json={"text": NOTES, "intent": "constructive", "language": "en"}).json()
    flagged = {i["words"].lower() for i in expected["issues"] if i["words"] and i["words"].lower() in NOTES.lower()}
    assert {"lazy", "always"} <= flagged
    marks = result.locator("mark.flag")
    assert {m.lower() for m in marks.all_inner_texts()} >= {w for w in flagged}
    # the notes read as written, with the marks in place
    assert result.get_by_test_id("notes-marked").inner_text().replace("\n", "").startswith("Jonas is")
    lazy = marks.filter(has_text="lazy").first
    tip = lazy.locator(".tip")
    assert not tip.is_visible()
    lazy.focus()  # keyboard users get the reason on focus
    assert tip.is_visible()
    issue = next(i for i in expected["issues"] if i["words"].lower() == "lazy")
    assert issue["suggestion"] in tip.inner_text()
    assert lazy.get_attribute("aria-describedby") == tip.get_attribute("id")
    assert result.get_by_test_id("rewrite").inner_text() == expected["rewrite"]
    assert "lazy" not in expected["rewrite"].lower()


def test_the_team_page_lists_the_reports_with_their_nudges(web: Web) -> None:
    page = web.page
    page.add_init_script("sessionStorage.setItem('coach.lang', 'en')")
    web.sign_in("manager")
    web.settle()
    me = web.server.api("GET", "/v1/me", "manager").json()
    reports = web.server.api("GET", f"/v1/people?manager_id={me['id']}", "manager").json()["items"]
    nudges = web.server.api("GET", "/v1/coach/nudges?language=en", "manager").json()["nudges"]
    cards = page.locator("li.report")
    assert sorted(cards.locator("h2").all_inner_texts()) == sorted(p["name"] for p in reports)
    about_reports = [n for n in nudges if n["employee_id"] != me["id"]]
    assert about_reports, "the demo year leaves Femke something to follow up"
    for nudge in about_reports:
        card = page.locator(f"li.report[data-person='{nudge['employee_id']}']")
        assert nudge["message"] in card.locator(".nudge-text").all_inner_texts()
    # a report's card leads to the agenda for that report
    first = reports[0]
    page.locator(f"li.report[data-person='{first['id']}'] a", has_text="Prepare a conversation").click()
    page.wait_for_selector("[data-page=agenda]")
    assert page.get_by_label("With").input_value() == first["id"]


def test_copy_the_agenda_as_markdown(web: Web) -> None:
    web.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=web.server.url)
    page = web.page
    page.add_init_script("sessionStorage.setItem('coach.lang', 'en')")
    web.sign_in("manager")
    web.go("agenda")
    page.get_by_role("button", name="Prepare the agenda").click()
    agenda = page.get_by_test_id("agenda")
    agenda.wait_for()
    page.get_by_role("button", name="Copy as Markdown").click()
    page.get_by_role("status").filter(has_text="Copied.").wait_for()
    text = page.evaluate("() => navigator.clipboard.readText()")
    titles = agenda.locator(".agenda-item h3").all_inner_texts()
    assert text.startswith("# One-on-one with ")
    assert len([line for line in text.splitlines() if line.startswith("## ")]) == len(titles)
    for i, title in enumerate(titles, 1):
        assert f"## {i}. {title} (" in text
    for question in agenda.locator(".questions li").all_inner_texts():
        assert f"- {question}" in text


MEETING_NOTES = """1:1 notes
- Decided: Daan leads the alert review from now on.
- Action: Daan sends the alert inventory by Friday.
- Someone should update the on-call runbook.
- Next time: Daan wants to discuss his promotion path.
"""


def test_notes_to_record_ask_for_missing_owners_and_feed_the_next_agenda(web: Web) -> None:
    page = web.page
    page.add_init_script("sessionStorage.setItem('coach.lang', 'en')")
    web.sign_in("manager")
    web.go("notes")
    daan = web.server.api("GET", "/v1/me", "employee").json()["id"]
    page.get_by_label("With").select_option(daan)
    page.get_by_label("Day of the conversation").fill("2026-11-02")
    page.get_by_label("Notes or transcript").fill(MEETING_NOTES)
    page.get_by_role("button", name="Turn into a record").click()
    shown = page.get_by_test_id("notes")
    shown.wait_for()
    expected = web.server.api("POST", "/v1/coach/notes", "manager", json={
        "employee_id": daan, "text": MEETING_NOTES, "held_on": "2026-11-02", "language": "en",
        "kind": "one_on_one"}).json()
    items = shown.locator("li.note-item")
    assert items.count() == len(expected["action_items"]) >= 2
    runbook = next(i for i, x in enumerate(expected["action_items"]) if "runbook" in x["text"])
    row = items.nth(runbook)
    # What the notes don't give is asked for, never filled in.
    assert row.locator(".pill.asked").all_inner_texts() == ["owner", "due date"]
    assert row.get_by_label("Owner").input_value() == "" and row.get_by_label("Due").input_value() == ""
    assert shown.get_by_test_id("notes-questions").locator("li").all_inner_texts() == expected["questions"]
    # The manager answers: they own it, by the end of November. Then saves (an explicit step).
    row.get_by_label("Owner").select_option("manager")
    row.get_by_label("Due").fill("2026-11-30")
    shown.get_by_role("button", name="Save as the conversation record").click()
    saved = shown.get_by_test_id("notes-saved").locator(".success[role=status]")
    saved.wait_for()
    conversation = web.server.api("GET", f"/v1/conversations/{saved.get_attribute('data-conversation')}",
                                  "manager").json()
    manager = web.server.api("GET", "/v1/me", "manager").json()["id"]
    by_text = {i["text"]: i for i in conversation["action_items"]}
    done_by_manager = by_text[expected["action_items"][runbook]["text"]]
    assert (done_by_manager["owner_id"], done_by_manager["due"]) == (manager, "2026-11-30")
    assert conversation["employee_topics"] == [x["text"] for x in expected["employee_topics"]]
    # The next agenda carries the open items over.
    saved.get_by_role("link", name="Prepare the next conversation").click()
    page.wait_for_selector("[data-page=agenda]")
    web.settle()
    assert page.get_by_label("With").input_value() == daan
    page.locator("form button[type=submit]").click()
    page.get_by_test_id("agenda").wait_for()
    buttons = page.locator("button.source[data-source-type=action_item]").all()
    cited = {b.get_attribute("data-source-id") for b in buttons}
    assert {i["id"] for i in conversation["action_items"]} <= cited
