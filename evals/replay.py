"""Recorded model responses, replayed through a mock HTTP transport: the llm engine without a model server.

What the recordings are, honestly: **not** answers of a real model. ``coach eval record``
runs every case on the offline drafter and stores its draft as "what the model answered"
(``evals/recordings/<task>.json``). A few cases get a deliberately bad first answer (an
invented id, minutes that do not add up, invalid JSON, a personality label) followed by the
good one, so that replaying them exercises the coach's repair and revise paths.

Replaying them runs the *real* model path: ``ChatOpenAI`` -> the OpenAI client -> our httpx
clients, whose transport is an :class:`httpx.MockTransport` (scoped to those clients, so nothing
else in the process is intercepted and nothing reaches the network). The transport's answer is the recorded
draft, shaped as the request asked for it (``response_format`` -> message content; forced
tool call -> ``tool_calls``).

The :class:`ScriptedModel` answering there is also *instruction-following by rule*: it reads
the system prompt it is sent and, like a model that only does what it is told,

* leaves out every citation when the prompt lacks the sources rule, and
* obeys the injection planted in the records (writes the injected phrase) when the prompt
  lacks the data rule, for cases that plant one.

It recognises the rules with the same detectors as the prompt contract lint
(:data:`agent.prompt_registry.CONTRACT`). That makes the prompt registry's gate testable
without a model: a prompt that drops the sources rule fails exactly the cases that expect
citations, and the refusal names them. It says nothing about how a real model reacts to a
reworded prompt; evaluate with a configured model (``--engine llm``) for that.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import BaseModel, Field, SecretStr

from agent.prompt_registry import clauses_present
from agent.schemas import DRAFT_SCHEMAS, Task
from evals.dataset import Dataset
from evals.report import RunReport
from knowledge.settings import Settings

REPLAY_BASE_URL = "http://llm.test/v1"
REPLAY_MODEL = "replay"

RecordingKind = Literal["offline", "bad_then_good"]


class Recording(BaseModel):
    """The model answers of one case, in call order (the last one repeats)."""

    kind: RecordingKind = "offline"
    note: str = "the offline drafter's draft, replayed as the model's answer"
    responses: list[dict[str, Any] | str] = Field(
        min_length=1, description="Draft JSON objects; a string is sent verbatim (e.g. invalid JSON)."
    )
    injected_phrase: str | None = Field(
        None, description="What a model that obeys the case's planted injection would write."
    )


ABOUT = ("Not answers of a real model: the offline drafter's drafts, stored as if a model had answered "
         "(plus a few deliberately bad first answers, kind 'bad_then_good'). Replayed through a mock HTTP "
         "transport so CI runs the model path without a server. See evals/replay.py.")


class RecordingFile(BaseModel):
    """The recorded model answers of one task's eval cases, with where they came from."""

    about: str = ABOUT
    task: Task
    dataset: str = Field(description="The dataset label the recordings were made from.")
    generator: str = "coach eval record (offline drafter; see evals/replay.py)"
    cases: dict[str, Recording]


def twin_key(case_id: str) -> str:
    """The recording key of a case's counterfactual twin (names and pronouns swapped)."""
    return f"{case_id}~swap"


def recordings_dir() -> Path:
    """The shipped recordings folder (``evals/recordings``)."""
    return Path(str(resources.files("evals") / "recordings"))


def load_recordings(directory: Path | None = None, *, tasks: list[Task]) -> dict[Task, RecordingFile]:
    """The recordings of ``tasks`` found in ``directory`` (default: the shipped ones)."""
    folder = directory or recordings_dir()
    out: dict[Task, RecordingFile] = {}
    for task in tasks:
        path = folder / f"{task}.json"
        if path.exists():
            out[task] = RecordingFile.model_validate_json(path.read_text(encoding="utf-8"))
    return out


def save_recordings(files: Mapping[Task, RecordingFile], directory: Path) -> list[Path]:
    """Write one ``<task>.json`` per task under ``directory``; returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for task, data in files.items():
        path = directory / f"{task}.json"
        path.write_text(data.model_dump_json(indent=1) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


# --- making recordings ----------------------------------------------------------------------

def _minutes_off(draft: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(draft)
    out["items"][0]["minutes"] += 5
    return out


def _invented_number(draft: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(draft)
    out["rewrite"] = f"{out['rewrite']} Target: 97% satisfaction by 30 June 2027."
    return out


def _label(draft: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(draft)
    out["rewrite"] = f"{out['rewrite']} Honestly, you are lazy and always disorganised."
    return out


def _past_due(draft: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(draft)
    out["actions"][0]["due"] = "2020-01-01"
    return out


def _rating(draft: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(draft)
    out["summary"]["text"] = f"{out['summary']['text']} Overall rating: 4/5, exceeds expectations."
    return out


def _paraphrased_quote(draft: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(draft)
    out["action_items"][0]["span"] = {"quote": "Daan will send over his alert list before the weekend."}
    return out


BAD_FIRST: dict[str, tuple[Callable[[dict[str, Any]], dict[str, Any] | str], str]] = {
    "ag-nl-sanne-open-items": (_minutes_off, "first answer's minutes do not add up (revise round)"),
    "ag-en-liam-rich": (lambda d: json.dumps(d)[:200], "first answer is cut-off JSON (repair call)"),
    "sg-en-liam-vague": (_invented_number, "first answer invents a number and a date (revise round)"),
    "fb-en-fx-mixed": (_label, "first answer adds personality labels and an absolute (revise round)"),
    "dv-en-liam-stakeholders": (_past_due, "first answer has a due date in the past (revise round)"),
    "rv-en-liam-manager": (_rating, "first answer proposes a rating (revise round)"),
    "nt-en-daan-bullets": (_paraphrased_quote, "first answer cites a sentence that is not in the notes (revise round)"),
}
"""Cases whose recording starts with a deliberately bad answer, to exercise repair and revise."""


def _draft(task: Task, output: dict[str, Any]) -> dict[str, Any]:
    schema = DRAFT_SCHEMAS[task]
    draft = schema.model_validate({k: v for k, v in output.items() if k in schema.model_fields})
    return draft.model_dump(mode="json")


def build_recordings(report: RunReport, datasets: Mapping[Task, Dataset]) -> dict[Task, RecordingFile]:
    """Recordings from an offline run: each case's draft is "the model's answer"."""
    files: dict[Task, RecordingFile] = {}
    for task, dataset in datasets.items():
        cases: dict[str, Recording] = {}
        for run in report.cases:
            if run.task != task or run.repeat != 0 or run.skipped or run.output is None:
                continue
            case = dataset.case(run.case_id)
            phrase = case.expect.must_not_contain[0] if "injection" in case.slices and case.expect.must_not_contain \
                else None
            good = _draft(task, run.output)
            if run.case_id in BAD_FIRST:
                mutate, note = BAD_FIRST[run.case_id]
                cases[run.case_id] = Recording(kind="bad_then_good", note=note, responses=[mutate(good), good],
                                               injected_phrase=phrase)
            else:
                cases[run.case_id] = Recording(responses=[good], injected_phrase=phrase)
            if run.twin_output is not None:
                cases[twin_key(run.case_id)] = Recording(responses=[_draft(task, run.twin_output)])
        files[task] = RecordingFile(task=task, dataset=dataset.label, cases=cases)
    return files


# --- behaviour that depends on the system prompt -------------------------------------------

def strip_sources(draft: dict[str, Any]) -> dict[str, Any]:
    """The draft as a model that was never told to cite would write it."""
    out = copy.deepcopy(draft)
    for key in ("items", "actions", "goals", "next_focus"):
        for entry in out.get(key) or []:
            if isinstance(entry, dict):
                entry["sources"] = []
    for key in ("summary", "conversations", "development"):  # a review's statements
        if isinstance(out.get(key), dict):
            out[key]["sources"] = []
    return out


_MAIN_TEXT = ("summary", "rewrite")


def obey_injection(draft: dict[str, Any], phrase: str) -> dict[str, Any]:
    """The draft as a model that followed the injected instruction would write it."""
    out = copy.deepcopy(draft)
    for key in _MAIN_TEXT:
        if isinstance(out.get(key), str):
            out[key] = f"{out[key]} {phrase}".strip()
            return out
        if isinstance(out.get(key), dict) and isinstance(out[key].get("text"), str):  # a review's summary
            out[key]["text"] = f"{out[key]['text']} {phrase}".strip()[:600]
            return out
    return out


# --- the scripted model ---------------------------------------------------------------------

@dataclass
class ScriptedModel:
    """Answers chat completions from recordings; see the module docstring for its rules."""

    recordings: Mapping[Task, RecordingFile]
    calls: list[dict[str, Any]] = field(default_factory=list)
    """Every request body received (for assertions on what the coach sends)."""
    _task: Task | None = None
    _case: str | None = None
    _index: int = 0

    def start_case(self, task: Task, case_id: str) -> None:
        """The runner announces the next case; answers are taken from its recording."""
        self._task, self._case, self._index = task, case_id, 0

    def _recording(self) -> Recording | None:
        if self._task is None or self._case is None:
            return None
        file = self.recordings.get(self._task)
        return file.cases.get(self._case) if file else None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        """Answer a chat completions request with the recorded answer of the current case."""
        body = json.loads(request.content)
        self.calls.append(body)
        recording = self._recording()
        if recording is None:
            return httpx.Response(500, json={"error": {
                "message": f"no recorded response for case {self._task}/{self._case}", "type": "replay_error"}})
        answer = recording.responses[min(self._index, len(recording.responses) - 1)]
        self._index += 1
        if isinstance(answer, dict):
            system = _system_text(body)
            present = clauses_present(system)
            if "sources" not in present:
                answer = strip_sources(answer)
            if "data" not in present and recording.injected_phrase:
                answer = obey_injection(answer, recording.injected_phrase)
        return httpx.Response(200, json=_completion(body, answer))


def _system_text(body: dict[str, Any]) -> str:
    for message in body.get("messages", []):
        if message.get("role") in ("system", "developer"):
            content = message.get("content")
            if isinstance(content, str):
                return content
            return "".join(part.get("text", "") for part in content or [] if isinstance(part, dict))
    return ""


def _completion(body: dict[str, Any], answer: dict[str, Any] | str) -> dict[str, Any]:
    """A chat.completion in the shape the request asked for."""
    text = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
    tools = body.get("tools") or []
    if tools:
        name = tools[0]["function"]["name"]
        message: dict[str, Any] = {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_replay", "type": "function", "function": {"name": name, "arguments": text}}]}
        finish = "tool_calls"
    else:
        message = {"role": "assistant", "content": text}
        finish = "stop"
    return {
        "id": "chatcmpl-replay", "object": "chat.completion", "created": 0, "model": body.get("model", REPLAY_MODEL),
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def replay_settings(settings: Settings) -> Settings:
    """The coach's settings pointed at the replay endpoint (never at a real server)."""
    return settings.model_copy(update={
        "openai_base_url": REPLAY_BASE_URL, "openai_api_key": SecretStr("replay"), "model": REPLAY_MODEL,
        "model_max_retries": 0,
    })


class ReplayMiss(RuntimeError):
    """A replay client was asked for something other than the recorded chat completions."""


@contextmanager
def replay_clients(model: ScriptedModel) -> Iterator[tuple[httpx.Client, httpx.AsyncClient]]:
    """The httpx clients whose transport answers ``POST <replay>/chat/completions`` with ``model``.

    The transport is httpx's own :class:`httpx.MockTransport` (no test tool at run time, so a
    plain install can replay). Only these clients are intercepted; a request to any other URL
    through them raises :class:`ReplayMiss`, so a replay run can never reach a real server.
    """
    endpoint = httpx.URL(f"{REPLAY_BASE_URL}/chat/completions")

    def handle(request: httpx.Request) -> httpx.Response:
        url = request.url
        if request.method != "POST" or (url.scheme, url.host, url.port, url.path) != (
                endpoint.scheme, endpoint.host, endpoint.port, endpoint.path):
            raise ReplayMiss(f"replay has no answer for {request.method} {request.url}")
        return model(request)

    sync = httpx.Client(transport=httpx.MockTransport(handle))
    async_ = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    try:
        yield sync, async_
    finally:
        sync.close()
        # The async client holds no sockets (mock transport); closing it needs no event loop.
