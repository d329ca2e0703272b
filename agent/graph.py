"""The task graph: gather -> draft -> check -> (revise -> check, at most twice) -> finalize."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from agent.finalize import finalize_output
from agent.nodes import check_output, draft_output, gather_evidence, revise_output, route_after_check
from agent.state import TaskContext, TaskState
from agent.telemetry import traced


def build_graph() -> StateGraph[TaskState, TaskContext, TaskState, TaskState]:
    """The uncompiled task graph; entry points compile it (no checkpointer: a task run is one call)."""
    graph = StateGraph(TaskState, context_schema=TaskContext)
    graph.add_node("gather_evidence", traced("gather_evidence", gather_evidence))
    graph.add_node("draft_output", traced("draft_output", draft_output))
    graph.add_node("check_output", traced("check_output", check_output))
    graph.add_node("revise_output", traced("revise_output", revise_output))
    graph.add_node("finalize_output", traced("finalize_output", finalize_output))
    graph.add_edge(START, "gather_evidence")
    graph.add_edge("gather_evidence", "draft_output")
    graph.add_edge("draft_output", "check_output")
    graph.add_conditional_edges("check_output", route_after_check, ["revise_output", "finalize_output"])
    graph.add_edge("revise_output", "check_output")
    graph.add_edge("finalize_output", END)
    return graph
