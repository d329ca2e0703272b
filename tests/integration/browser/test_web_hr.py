"""HR's pages in a real browser: activating a prompt that regresses is refused, with the
failing cases shown; policy documents upload and list; problems are shown in words."""

from __future__ import annotations

import re

import pytest

from agent.prompts import BUILTIN_PROMPTS
from agent.prompts.common import SOURCES_RULES
from tests.integration.browser.conftest import Web

pytestmark = pytest.mark.browser


def test_activation_is_refused_with_the_failing_cases_shown(web: Web) -> None:
    web.expect_status(409)
    page = web.page
    page.add_init_script("sessionStorage.setItem('coach.lang', 'en')")
    web.sign_in("hr")
    web.settle()
    assert page.get_by_label("Task").input_value() == "agenda"
    system = page.get_by_label("System prompt")
    assert system.input_value() == BUILTIN_PROMPTS["agenda"].system  # a draft starts as the active prompt
    system.fill(BUILTIN_PROMPTS["agenda"].system.replace(SOURCES_RULES, ""))
    page.get_by_label("What changed and why").fill("drop the sources rules")
    page.get_by_role("button", name="Save as draft").click()
    saved = page.get_by_role("status").filter(has_text=re.compile(r"Draft v\d+ saved\."))
    saved.wait_for()
    version = saved.inner_text().split()[1]
    page.get_by_role("button", name=f"Activate {version}").click()
    refusal = page.get_by_test_id("refusal")
    refusal.wait_for(timeout=240_000)
    row = next(v for v in web.server.api("GET", "/v1/prompts?task=agenda", "hr").json() if v["version"] == version)
    failures = row["eval_summary"]["failures"]
    assert failures and row["status"] == "draft"
    shown = refusal.locator(".failing-cases li").all_inner_texts()
    assert len(shown) == len(failures)
    assert {f["case_id"] for f in failures} == {s.split(" — ")[0] for s in shown}
    assert "Activation refused" in refusal.inner_text()
    # the refused evaluation shows in the table too; the built-in prompt is still active
    assert f"{row['eval_summary']['passed']} of" in page.locator(f"tr[data-version={row['id']}] td.eval").inner_text()
    active = web.server.api("GET", "/v1/prompts/active/agenda", "hr").json()
    assert active["source"] == "builtin"


POLICY = "# Remote work\n\n## Agreements\n\nEmployees may work from home two days a week, agreed with their team.\n"


def test_upload_and_list_a_policy_and_see_a_refused_upload_in_words(web: Web, tmp_path) -> None:  # type: ignore[no-untyped-def]
    web.expect_status(422)
    page = web.page
    page.add_init_script("sessionStorage.setItem('coach.lang', 'en')")
    web.sign_in("hr")
    web.go("documents")
    good = tmp_path / "remote-work.md"
    good.write_text(POLICY, encoding="utf-8")
    page.get_by_label("File").set_input_files(str(good))
    assert page.get_by_label("Name").input_value() == "remote-work.md"
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("status").filter(has_text="Added").wait_for()
    web.settle()
    assert "Remote work" in page.get_by_test_id("documents").inner_text()

    broken = tmp_path / "scan.pdf"
    broken.write_bytes(b"this is not a pdf at all")
    page.get_by_label("File").set_input_files(str(broken))
    page.get_by_role("button", name="Upload").click()
    alert = page.locator(".problem[role=alert]")
    alert.wait_for()
    assert "Some input is not valid." in alert.inner_text()  # the status in words, then the server's detail
    assert len(alert.inner_text()) > len("Some input is not valid.") + 10


def test_delete_a_policy_document_in_two_steps(web: Web) -> None:
    policy = "# Travel\n\n## Trains\n\nTrain travel within Europe is preferred over flying.\n"
    made = web.server.api("POST", "/v1/documents", "hr", json={"name": "travel-policy.md", "text": policy,
                                                                "format": "markdown"})
    assert made.status_code in (200, 201), made.text
    doc_id = made.json()["id"]
    page = web.page
    page.add_init_script("sessionStorage.setItem('coach.lang', 'en')")
    web.sign_in("hr")
    web.go("documents")
    row = page.locator(f"tr[data-document='{doc_id}']")
    row.get_by_role("button", name="Delete “Travel”").click()
    row.get_by_role("button", name="Keep").click()  # the first press only asks
    assert web.server.api("GET", f"/v1/documents/{doc_id}", "hr").status_code == 200
    row.get_by_role("button", name="Delete “Travel”").click()
    row.get_by_test_id("delete-confirm").click()
    page.get_by_test_id("documents-status").get_by_role("status").filter(has_text="Deleted").wait_for()
    assert page.locator(f"tr[data-document='{doc_id}']").count() == 0
    assert web.server.api("GET", f"/v1/documents/{doc_id}", "hr").status_code == 404
    found = web.server.api("POST", "/v1/knowledge/search", "hr", json={"query": "train travel within Europe"}).json()
    assert all(p["doc_key"] != made.json()["key"] for p in found["passages"] if p["source"]["type"] == "policy")

