"""Per-turn chat tools reuse their argument schema, and each still runs its own closure (issue 9).

The chat makes its tools on every turn (they close over the turn's principal). LangChain's
``@tool`` inferred a pydantic model from the signature each time: 60 ms of a 90 ms turn.
"""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from langchain_core.tools import BaseTool, tool
from langchain_core.tools import structured as tools_structured
from langchain_core.utils.function_calling import convert_to_openai_tool

from tools.tool_cache import structured_tool, turn_tool


def _turn(owner: str) -> list[BaseTool]:
    """The tools of one turn of ``owner``: an async and a sync closure, and a named structured tool."""

    @turn_tool
    async def greet(name: Annotated[str, "Who to greet."], loud: bool = False) -> str:
        """Greet someone on behalf of the turn's user."""
        text = f"{owner} greets {name}"
        return text.upper() if loud else text

    @turn_tool
    def count(words: Annotated[list[str], "The words."]) -> str:
        """Count words for the turn's user."""
        return f"{owner}: {len(words)}"

    def run(person: str | None = None) -> str:
        return f"{owner} reads {person}"

    return [greet, count, structured_tool(run, name="read_goals", description="Read a person's goals.")]


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = tools_structured.create_schema_from_function

    def counting(model_name: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(model_name)
        return real(model_name, *args, **kwargs)

    monkeypatch.setattr(tools_structured, "create_schema_from_function", counting)
    return calls


async def test_later_turns_reuse_the_schema_and_run_their_own_closure(monkeypatch: pytest.MonkeyPatch) -> None:
    first = _turn("ana")
    calls = _counting(monkeypatch)
    second = _turn("bram")
    assert calls == [], "a later turn infers no schema again"

    assert await second[0].ainvoke({"name": "Cas", "loud": True}) == "BRAM GREETS CAS"
    assert await first[0].ainvoke({"name": "Cas"}) == "ana greets Cas"
    assert second[1].invoke({"words": ["a", "b"]}) == "bram: 2"
    assert second[2].invoke({"person": "Daan"}) == "bram reads Daan"
    assert await second[2].ainvoke({}) == "bram reads None"
    for a, b in zip(first, second, strict=True):
        assert convert_to_openai_tool(a) == convert_to_openai_tool(b)


def test_what_the_model_is_offered_is_what_tool_would_offer() -> None:
    async def greet(name: Annotated[str, "Who to greet."], loud: bool = False) -> str:
        """Greet someone on behalf of the turn's user."""
        return name

    for _ in range(2):
        assert convert_to_openai_tool(turn_tool(greet)) == convert_to_openai_tool(tool(greet))


async def test_invalid_arguments_are_still_refused() -> None:
    greet = _turn("ana")[0]
    greet.handle_validation_error = True
    answer = await greet.ainvoke({"loud": True})
    assert answer == "Tool input validation error"  # refused, not run with a missing name
