"""What the web app needs from the API: who am I, cited passages by id, eval cases, its files."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.api.conftest import Api

WEB = Path(__file__).resolve().parents[2] / "api" / "web"


async def test_me_is_the_person_of_the_key(api: Api) -> None:
    r = await api.get("/v1/me", "femke")
    assert r.status_code == 200
    me = r.json()
    assert me["id"] == api.ids.people["femke"] and me["role"] == "manager" and me["language"] in ("en", "nl")
    behalf = (await api.get("/v1/me", "svc@daan")).json()
    assert behalf["id"] == api.ids.people["daan"] and behalf["role"] == "employee"
    bare = await api.get("/v1/me", "svc")
    assert bare.status_code == 403 and bare.headers["content-type"] == "application/problem+json"
    assert (await api.client.get("/v1/me")).status_code == 401


POLICY = "# Thuiswerken\n\n## Afspraken\n\nMedewerkers werken twee dagen per week thuis, in overleg met hun team.\n"


async def test_a_cited_passage_opens_by_its_id_within_the_organisation(api: Api) -> None:
    hits = (await api.post("/v1/knowledge/search", "daan", {"query": "SMART goals measurable", "k": 1})).json()
    guide = hits["passages"][0]
    r = await api.get(f"/v1/knowledge/passages/guidance/{guide['source']['id']}", "daan")
    assert r.status_code == 200, r.text
    assert r.json()["text"] == guide["text"] and r.json()["source"] == guide["source"]

    assert (await api.post("/v1/documents", "marieke", {"name": "thuiswerken.md", "text": POLICY})).status_code == 201
    hits = (await api.post("/v1/knowledge/search", "daan", {"query": "thuiswerken twee dagen", "k": 5})).json()
    policy = next(p for p in hits["passages"] if p["source"]["type"] == "policy")
    path = f"/v1/knowledge/passages/policy/{policy['source']['id']}"
    assert (await api.get(path, "daan")).json()["text"] == policy["text"]
    # another organisation's policy, a guidance id asked for as a policy, an unknown id: the same 404
    theirs, wrong_kind, unknown = (
        await api.get(path, "other_hr"),
        await api.get(f"/v1/knowledge/passages/policy/{guide['source']['id']}", "daan"),
        await api.get("/v1/knowledge/passages/guidance/no-such-passage", "daan"),
    )
    assert theirs.status_code == wrong_kind.status_code == unknown.status_code == 404
    assert theirs.content == unknown.content
    assert (await api.get("/v1/knowledge/passages/goal/x", "daan")).status_code == 404


async def test_hr_lists_the_eval_cases_of_a_task(api: Api) -> None:
    r = await api.get("/v1/prompts/cases/agenda", "marieke")
    assert r.status_code == 200
    cases = r.json()
    assert cases and all(c["id"].startswith("ag-") for c in cases)
    assert [c["id"] for c in cases] == sorted(c["id"] for c in cases)
    assert (await api.get("/v1/prompts/cases/agenda", "daan")).status_code == 403
    assert (await api.get("/v1/prompts/cases/nonsense", "marieke")).status_code == 422


async def test_the_web_app_is_served_with_a_policy_that_allows_only_this_server(api: Api) -> None:
    page = await api.client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    script = await api.client.get("/web/js/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert script.headers["content-security-policy"] == csp
    # the page names no other host: every script, style and fetch is relative to this server
    for path in [WEB / "index.html", *WEB.rglob("*.js"), *WEB.rglob("*.css")]:
        assert not re.search(r"https?://", path.read_text(encoding="utf-8")), path
    assert (await api.client.get("/web/nothing-here.js")).status_code == 404
    assert (await api.client.get("/v1/no-such-route")).headers["content-type"] == "application/problem+json"


def test_the_message_catalogues_have_every_text_in_every_language() -> None:
    catalogues = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in (WEB / "i18n").glob("*.json")}
    en, nl = catalogues["en"], catalogues["nl"]
    for lang, catalogue in catalogues.items():
        assert catalogue.keys() == en.keys(), (lang, sorted(en.keys() ^ catalogue.keys()))
        for key in en:
            assert set(re.findall(r"\{(\w+)\}", en[key])) == set(re.findall(r"\{(\w+)\}", catalogue[key])), (lang, key)
    used = set()
    for script in WEB.rglob("*.js"):
        used |= set(re.findall(r'\bt\("([a-z0-9_.]+)"', script.read_text(encoding="utf-8")))
    assert used and not used - en.keys(), sorted(used - en.keys())
    # Dutch is written in Dutch, not copied from English (names and shared words aside)
    same = [k for k in en if en[k] == nl[k] and len(en[k]) > 12]
    assert len(same) < 10, same


def test_the_scripts_never_turn_text_into_markup() -> None:
    """Record text is data: the app builds nodes and sets textContent, never HTML from strings."""
    for script in WEB.rglob("*.js"):
        code = script.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in code, f"{script.name} uses {sink}"
