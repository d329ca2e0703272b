"""The audit of a chat turn: which tools ran and which records they sent to the model.

Read from the turn's messages after it finished: the assistant's tool calls, and the tool
results of the record tools (``{"person": {"id": ...}, "<label>": [{"id": ...}, ...]}``, see
:mod:`tools.chat_tools`). Task tools leave their own ``coach.run`` event (with the records
the task sent), so only their names are listed here. No text is kept.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from langchain_core.messages import AIMessage, AnyMessage, ToolMessage

LABEL_TYPES = {"goals": "goal", "action_items": "action_item", "feedback": "feedback",
               "development_actions": "development_action"}
"""The record tools' labels and the record type of their items."""


def turn_messages(messages: Sequence[AnyMessage], human_id: str | None) -> list[AnyMessage]:
    """The messages after the turn's human message."""
    start = next((i for i, m in enumerate(messages) if m.id == human_id), len(messages) - 1)
    return list(messages[start + 1 :])


def tools_used(turn: Sequence[AnyMessage]) -> list[str]:
    """The names of the tools the model called in the turn, in order, each once."""
    names = [c["name"] for m in turn if isinstance(m, AIMessage) for c in m.tool_calls]
    return list(dict.fromkeys(names))


def records_sent(turn: Sequence[AnyMessage]) -> list[tuple[str, str, str]]:
    """(person id, type, id) of every record a record tool handed to the model in the turn."""
    out: list[tuple[str, str, str]] = []
    for message in turn:
        if not isinstance(message, ToolMessage) or not isinstance(message.content, str):
            continue
        try:
            payload = json.loads(message.content)
        except ValueError:
            continue
        if not isinstance(payload, dict) or not isinstance(payload.get("person"), dict):
            continue
        person = str(payload["person"].get("id", ""))
        for label, kind in LABEL_TYPES.items():
            for item in payload.get(label) or []:
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    out.append((person, kind, item["id"]))
    return out
