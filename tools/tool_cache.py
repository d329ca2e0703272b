"""LangChain tools for one chat turn, with their argument schemas built once per process.

The chat's tools are closures over the turn's principal, so they are made on every turn.
LangChain's ``@tool`` then infers a pydantic model from the function's signature each time:
about 60 ms of a chat turn's 90 ms of CPU in issue 9's profile (200 concurrent chats ran at
6 turns/s). The schema depends only on the function's code and the tool's name, never on the
closure's values, so :func:`turn_tool` and :func:`structured_tool` build it on first use and
hand it to every later tool of the same code.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import CodeType
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool

_Schema = tuple[Any, str]
"""The args schema and the description of a tool, as LangChain inferred them."""

_SCHEMAS: dict[tuple[CodeType, str], _Schema] = {}
_LOCK = threading.Lock()


def structured_tool(
    func: Callable[..., Any] | None = None,
    *,
    coroutine: Callable[..., Any] | None = None,
    name: str,
    description: str | None = None,
) -> BaseTool:
    """``StructuredTool.from_function(func, coroutine=..., name=..., description=...)``, schema cached.

    The first tool of a (code, name) pair is built by LangChain as usual; later ones reuse its
    argument schema and description instead of inferring them again.
    """
    source = coroutine if coroutine is not None else func
    if source is None:
        raise ValueError("a tool needs a function or a coroutine")
    key = (source.__code__, name)
    with _LOCK:
        known = _SCHEMAS.get(key)
    if known is None:
        built = StructuredTool.from_function(func, coroutine=coroutine, name=name, description=description)
        with _LOCK:
            _SCHEMAS[key] = (built.args_schema, built.description)
        return built
    schema, inferred = known
    return StructuredTool.from_function(func, coroutine=coroutine, name=name, description=description or inferred,
                                        args_schema=schema, infer_schema=False)


def turn_tool(fn: Callable[..., Any]) -> BaseTool:
    """``@tool`` for a function made on every turn (sync or async); its schema is built once."""
    import inspect

    if inspect.iscoroutinefunction(fn):
        return structured_tool(coroutine=fn, name=fn.__name__)
    return structured_tool(fn, name=fn.__name__)
