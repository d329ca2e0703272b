"""The MCP server, through the official SDK's own client: in memory, over HTTP and over stdio.

Every tool is listed and called; a key for one person never reads another's records through
any tool (tasks about someone outside one's scope fail as "not found", record tools only ever
return the caller's own records).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client, StdioServerParameters
from sqlmodel import Session

from agent.service import Coach
from api.app import create_app
from api.mcp import RECORD_TOOLS, TASK_TOOLS, Services, build_mcp_server, fixed_principal
from knowledge.db import make_engine
from knowledge.queries import principal_for
from knowledge.settings import Settings
from knowledge.store import Store
from tests.api.conftest import DEMO_ORG_ID, Template
from tests.servers import serving

TOOL_NAMES = set(TASK_TOOLS) | set(RECORD_TOOLS)


def _arguments(name: str, template: Template, subject: str = "daan") -> dict[str, Any]:
    person = template.ids.people[subject]
    arguments: dict[str, dict[str, Any]] = {
        "prepare_conversation": {"employee_id": person, "minutes": 30, "language": "en"},
        "rewrite_smart_goal": {"text": "Get better at presenting to clients", "language": "en"},
        "phrase_feedback": {"text": "You always interrupt in meetings", "language": "en"},
        "suggest_development_actions": {"employee_id": person, "language": "en"},
    }
    return arguments.get(name, {})


@pytest.fixture
async def services(settings: Settings, store: Store) -> AsyncIterator[Services]:
    engine = make_engine(settings.effective_database_url)
    async with Coach(settings=settings, engine=engine, store=store) as coach:
        yield Services(coach, engine)
    engine.dispose()


def _client_as(services: Services, template: Template, actor: str) -> Client:
    with Session(services.engine) as session:
        principal = principal_for(session, org_id=DEMO_ORG_ID, person_id=template.ids.people[actor])
    assert principal is not None
    return Client(build_mcp_server(lambda: services, fixed_principal(principal)))


def _text(result: Any) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


async def test_every_tool_is_listed_with_a_description_and_schema(services: Services, template: Template) -> None:
    async with _client_as(services, template, "femke") as client:
        listed = {t.name: t for t in (await client.list_tools()).tools}
    assert set(listed) == TOOL_NAMES
    for tool in listed.values():
        assert tool.description and len(tool.description) > 40
        assert tool.input_schema["type"] == "object"
    agenda = listed["prepare_conversation"].input_schema
    assert agenda["required"] == ["employee_id"]
    assert agenda["properties"]["minutes"]["minimum"] == 10  # the body's constraints reach the model
    assert "ctx" not in agenda["properties"]
    assert listed["my_goals"].input_schema.get("properties", {}) == {}  # nobody to choose: it is you


async def test_every_tool_answers_for_someone_in_scope(services: Services, template: Template) -> None:
    async with _client_as(services, template, "femke") as client:  # Daan's manager
        for name in sorted(TOOL_NAMES):
            result = await client.call_tool(name, _arguments(name, template))
            assert not result.is_error, (name, _text(result))
            assert json.loads(_text(result)) is not None
        agenda = json.loads(_text(await client.call_tool("prepare_conversation", _arguments("prepare_conversation",
                                                                                             template))))
    assert agenda["employee_id"] == template.ids.people["daan"] and agenda["sources"]


async def test_no_tool_reads_another_persons_records(services: Services, template: Template) -> None:
    daan_records = (template.ids.daan_goal, template.ids.daan_feedback, template.ids.daan_conversation,
                    template.ids.daan_action)
    for actor in ("priya", "sanne"):  # another manager, a peer
        async with _client_as(services, template, actor) as client:
            for name in ("prepare_conversation", "suggest_development_actions"):
                result = await client.call_tool(name, _arguments(name, template))
                assert result.is_error and "not found" in _text(result).lower()
                assert "Daan" not in _text(result)
            for name in RECORD_TOOLS:
                text = _text(await client.call_tool(name, {}))
                assert not any(record in text for record in daan_records), (actor, name)
            # Arguments a tool does not take are refused, not used to pick someone else.
            sneaky = await client.call_tool("my_goals", {"person_id": template.ids.people["daan"]})
            assert template.ids.daan_goal not in _text(sneaky)


async def test_bad_arguments_are_a_tool_error(services: Services, template: Template) -> None:
    async with _client_as(services, template, "femke") as client:
        result = await client.call_tool("prepare_conversation", {"employee_id": template.ids.people["daan"],
                                                                 "minutes": 5})
    assert result.is_error


# --- over HTTP, mounted in the app at /mcp ------------------------------------------------------

@pytest.fixture
def served(settings: Settings, store: Store) -> Iterator[str]:
    app = create_app(settings, store=store)
    with serving(app) as url:
        yield f"{url}/mcp/"


def _http_client(url: str, secret: str) -> Client:
    from mcp.client.streamable_http import streamable_http_client

    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {secret}"}, timeout=30)
    return Client(streamable_http_client(url, http_client=http))


async def test_http_transport_acts_as_the_keys_person(served: str, template: Template) -> None:
    async with _http_client(served, template.secrets["daan"]) as client:
        assert {t.name for t in (await client.list_tools()).tools} == TOOL_NAMES
        mine = _text(await client.call_tool("my_goals", {}))
    assert template.ids.daan_goal in mine
    async with _http_client(served, template.secrets["priya"]) as client:
        theirs = _text(await client.call_tool("my_goals", {}))
        refused = await client.call_tool("prepare_conversation", _arguments("prepare_conversation", template))
    assert template.ids.daan_goal not in theirs and refused.is_error


def test_http_transport_refuses_a_missing_or_bad_key(served: str) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Accept": "application/json, text/event-stream"}
    assert httpx2.post(served, json=body, headers=headers).status_code == 401
    bad = {**headers, "Authorization": "Bearer coach_nope"}
    assert httpx2.post(served, json=body, headers=bad).status_code == 401


# --- over stdio: `coach mcp` ---------------------------------------------------------------------

async def test_stdio_serves_the_person_of_coach_api_key(settings: Settings, template: Template) -> None:
    coach = shutil.which("coach", path=str(Path(sys.executable).parent))
    assert coach is not None
    env = {"PATH": os.environ.get("PATH", ""), "COACH_DATA_DIR": str(settings.data_dir),
           "COACH_API_KEY": template.secrets["sanne"]}
    async with Client(StdioServerParameters(command=coach, args=["mcp"], env=env)) as client:
        assert {t.name for t in (await client.list_tools()).tools} == TOOL_NAMES
        goals = _text(await client.call_tool("my_goals", {}))
        refused = await client.call_tool("prepare_conversation", _arguments("prepare_conversation", template))
    assert template.ids.daan_goal not in goals and refused.is_error
