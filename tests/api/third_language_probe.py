"""Run in a fresh process by ``test_third_language.py``: the product as shipped, over a catalogue root with German.

``python -m tests.api.third_language_probe <data_dir>`` with ``COACH_LOCALES_DIR`` set: seeds the
demo data (as ``tests/api/conftest.py`` does), starts the real app with the real offline
coach, and prints one JSON object of what the language layer and the API answered. No code is
changed or patched here: the third language comes from the environment alone.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from agent.service import Coach
from api.app import create_app
from api.deps import get_now
from evals.service import SuiteEvaluation
from knowledge.corpus import sync_corpus
from knowledge.db import make_engine
from knowledge.i18n import catalog, detect, format_date, format_number, languages, match_key, stem, t
from knowledge.reconcile import reconcile_store
from knowledge.settings import Settings
from knowledge.store import open_store
from tests.api.conftest import NOW, HashEmbedder, seed
from tests.unit.knowledge.test_i18n_catalog import completeness_problems


def language_layer() -> dict[str, Any]:
    """What the language layer makes of German, outside the API."""
    return {
        "locales": str(languages.LOCALES),
        "languages": list(catalog().languages),
        "completeness": completeness_problems(catalog()),
        "date": format_date(date(2025, 6, 30), "de"),
        "due": t("agenda.due", "de", date=format_date(date(2025, 6, 30), "de")),
        "number": format_number(1234.5, "de"),
        "detected": detect("Wie kann ich mein Feedback für Daan verbessern?"),
        "stems_meet": stem("Gespräche", "de") == stem("Gespräch", "de"),
        "keys_meet": match_key("Gespräche") == match_key("Gespräch"),
    }


async def api_answers(data_dir: Path) -> dict[str, Any]:
    """The API's answers to German requests, from a freshly seeded data folder."""
    settings = Settings(data_dir=data_dir)
    ids, secrets = seed(settings)
    store = open_store(settings, embedder=HashEmbedder())
    sync_corpus(store)
    engine = make_engine(settings.effective_database_url)
    reconcile_store(engine, store)
    coach = Coach(settings=settings, engine=engine, store=store)
    app = create_app(settings, coach=coach, store=store, evaluation=SuiteEvaluation(settings))
    app.dependency_overrides[get_now] = lambda: NOW
    daan = ids.people["daan"]

    def auth(actor: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {secrets[actor]}"}

    out: dict[str, Any] = {}
    async with app.router.lifespan_context(app):
        await asyncio.to_thread(app.state.reconciler.join)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://coach.test") as client:
            schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
            out["openapi_agenda_language"] = schemas["AgendaBody"]["properties"]["language"]
            out["openapi_person_language"] = schemas["PersonCreate"]["properties"]["language"]
            r = await client.post("/v1/coach/agenda", headers=auth("femke"),
                                  json={"employee_id": daan, "minutes": 30, "language": "de"})
            out["agenda"] = {"status": r.status_code, "body": r.json()}
            r = await client.post("/v1/coach/smart-goal", headers=auth("daan"),
                                  json={"text": "Get better at alerting", "language": "de"})
            out["smart_goal"] = {"status": r.status_code, "body": r.json()}
            r = await client.get("/v1/coach/nudges", headers=auth("femke"), params={"language": "de"})
            out["nudges"] = {"status": r.status_code, "language": r.json().get("language")}
            r = await client.post("/v1/people", headers=auth("marieke"),
                                  json={"name": "Greta", "email": "greta@example.com", "language": "de"})
            out["person"] = {"status": r.status_code, "body": r.json()}
            if r.status_code == 201:
                r = await client.get(f"/v1/people/{r.json()['id']}", headers=auth("marieke"))
                out["person_read_back"] = r.json().get("language")
            r = await client.post("/v1/coach/agenda", headers=auth("femke"),
                                  json={"employee_id": daan, "language": "fr"})
            out["french"] = {"status": r.status_code, "type": r.headers["content-type"], "body": r.json()}
            offered = (await client.get("/web/i18n/languages.json")).json()["languages"]
            out["web_languages"] = [language["code"] for language in offered]
    await coach.aclose()
    engine.dispose()
    return out


def main() -> None:
    """Print the probe's findings as one JSON object on stdout."""
    data_dir = Path(sys.argv[1])
    print(json.dumps({"layer": language_layer(), "api": asyncio.run(api_answers(data_dir))}))


if __name__ == "__main__":
    main()
