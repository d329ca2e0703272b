"""The chat's language slice: short messages must be answered in their own language.

Each message of ``evals/datasets/chat/language.yaml`` goes, on a fresh thread, to the offline
chat (the router whose language detection is measured), as a person whose profile is in the
other language. The scorer compares the language the coach answered in, and the language of the coach's own
lines of the reply, with the message's language. The slice passes at
:data:`MIN_ACCURACY` or better.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from sqlmodel import Session

from agent.chat import ChatReply
from agent.schemas import Language
from agent.service import Coach
from evals.dataset import DatasetError, datasets_dir
from evals.fixtures import EVAL_NOW
from knowledge.db import make_engine, session_scope
from knowledge.demo import DEMO_ORG_ID, demo_person_id, seed_demo
from knowledge.i18n import detect
from knowledge.migrations import upgrade
from knowledge.queries import principal_for
from knowledge.settings import Settings

MIN_ACCURACY = 0.95
MIN_WORDS = 5
MIN_MESSAGES = 40


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LanguageMessage(_Strict):
    """One chat message of the language slice and the language the reply must be in."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{2,79}$")]
    principal: str = Field(description="Demo person key; their profile should be in the other language.")
    language: Language = Field(description="The language of the message, so of the expected reply.")
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]

    @field_validator("message")
    @classmethod
    def _short_but_not_too_short(cls, value: str) -> str:
        if len(value.split()) < MIN_WORDS:
            raise ValueError(f"a message of the slice has at least {MIN_WORDS} words")
        return value


class LanguageSlice(_Strict):
    """The chat language slice: a versioned list of messages."""

    dataset: Literal["chat_language"]
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]
    description: str
    messages: list[LanguageMessage] = Field(min_length=MIN_MESSAGES)

    @property
    def label(self) -> str:
        """``dataset@version``, as reports name it."""
        return f"{self.dataset}@{self.version}"


class LanguageScore(BaseModel):
    """The language of one chat reply, against the expected one, explained."""

    id: str
    expected: Language
    got: Language | None
    passed: bool
    explanation: str


class LanguageReport(BaseModel):
    """The chat language run: accuracy against the target, and every score."""

    dataset: str
    total: int
    correct: int
    accuracy: float
    min_accuracy: float = MIN_ACCURACY
    scores: list[LanguageScore]

    @property
    def passed(self) -> bool:
        """Whether the accuracy reaches the target."""
        return self.accuracy >= self.min_accuracy

    def line(self) -> str:
        """The run as one summary line for the console."""
        return (f"  chat language  {self.accuracy:.1%} ({self.correct}/{self.total}) on {self.dataset}; "
                f"target {self.min_accuracy:.0%}")

    def markdown(self) -> str:
        """The run as a Markdown report with a row per message."""
        rows = [f"| {s.id} | {s.expected} | {s.got or '?'} | {'pass' if s.passed else 'FAIL'} | {s.explanation} |"
                for s in self.scores]
        head = [f"# Chat language: {self.accuracy:.1%} ({self.correct}/{self.total})", "",
                f"Dataset {self.dataset}; target {self.min_accuracy:.0%}.", "",
                "| case | message | reply | verdict | why |", "|---|---|---|---|---|"]
        return "\n".join([*head, *rows]) + "\n"


def language_slice_path() -> Path:
    """The shipped chat language slice (``datasets/chat/language.yaml``)."""
    return datasets_dir() / "chat" / "language.yaml"


def load_language_slice(path: Path | None = None) -> LanguageSlice:
    """The chat language slice at ``path`` (default: the shipped one), validated."""
    source = path or language_slice_path()
    try:
        return LanguageSlice.model_validate(yaml.safe_load(source.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValueError) as exc:
        raise DatasetError(f"{source}: {exc}") from exc


def score_reply(case: LanguageMessage, reply: ChatReply) -> LanguageScore:
    """Whether the reply is in the language of the message.

    The language the coach says it answered in must be the message's, and so must the reply
    text read by the detector, once the records it quotes (action items, goal titles: data in
    whatever language they were written) are left out: the coach's own lines.
    """
    own = "\n".join(line for line in reply.reply.splitlines() if not line.startswith(("- ", "   ")))
    read = detect(own)
    got = reply.language or read
    passed = got == case.language and read in (None, case.language)
    why = f"the reply is in {got}" if got else "the reply's language is unclear"
    if read is not None and read != got:
        why += f", but its text reads as {read}"
    return LanguageScore(id=case.id, expected=case.language, got=got, passed=passed,
                         explanation=f"{why}; the message is in {case.language}")


async def run_language_slice(data: LanguageSlice | None = None) -> LanguageReport:
    """Send every message to the offline chat on the demo org and score the replies."""
    data = data or load_language_slice()
    with tempfile.TemporaryDirectory(prefix="coach-chat-language-") as folder:
        settings = Settings(data_dir=Path(folder), openai_api_key=None, openai_base_url=None)
        engine = make_engine(f"sqlite:///{Path(folder) / 'coach.db'}")
        try:
            upgrade(engine)
            with session_scope(engine) as session:
                seed_demo(session, now=EVAL_NOW)
            scores: list[LanguageScore] = []
            async with Coach(settings=settings, engine=engine) as coach:
                for case in data.messages:
                    with Session(engine) as session:
                        principal = principal_for(session, org_id=DEMO_ORG_ID, person_id=demo_person_id(case.principal))
                    if principal is None:
                        raise DatasetError(f"case {case.id}: no demo person {case.principal!r}")
                    reply = await coach.chat(principal=principal, message=case.message, thread_id=None, now=EVAL_NOW)
                    scores.append(score_reply(case, reply))
        finally:
            engine.dispose()
    correct = sum(s.passed for s in scores)
    return LanguageReport(dataset=data.label, total=len(scores), correct=correct,
                          accuracy=round(correct / len(scores), 4), scores=scores)


def write_language_report(report: LanguageReport, out: Path) -> Path:
    """Write the report as ``chat_language.md`` under ``out``; returns its path."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "chat_language.json").write_text(report.model_dump_json(indent=1), encoding="utf-8")
    path = out / "chat_language.md"
    path.write_text(report.markdown(), encoding="utf-8")
    return path
