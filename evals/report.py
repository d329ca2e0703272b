"""What an eval run produced, and its readable forms (JSON, Markdown, HTML).

:class:`RunReport` is the JSON written to ``results.json``; ``coach eval compare`` reads it
back. The Markdown and HTML reports are rendered from the same tables: per task, per slice,
per criterion (scorer and judge rubric), then every failing case with the explanations.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field

# Defined in agent.evaluation (the registry and the API use them too); re-exported for the suite.
from agent.evaluation import CaseRun as CaseRun
from agent.evaluation import JudgeGrade as JudgeGrade
from agent.evaluation import Score as Score


class Thresholds(BaseModel):
    """Below these the run fails (non-zero exit)."""

    min_pass_rate: float = Field(1.0, ge=0, le=1, description="Per task: share of case runs passing every scorer.")
    min_judge_mean: float = Field(3.5, ge=1, le=5, description="Per task, when judged: mean rubric score.")


class RunConfig(BaseModel):
    """How the run was made: enough to reproduce it and to know what a comparison compares."""

    engine: str
    replay: bool = False
    model: str | None = None
    prompts: dict[str, dict[str, str]] = Field(description="task -> {version, hash}.")
    datasets: dict[str, str] = Field(description="task -> name@version+hash.")
    judge_model: str | None = None
    repeat: int = 1
    thresholds: Thresholds
    selection: str = "all cases"
    started_at: datetime
    duration_s: float = 0.0


class Rate(BaseModel):
    """A pass rate: how many passed of how many."""

    total: int = 0
    passed: int = 0

    @property
    def rate(self) -> float:
        """The share that passed (1.0 when nothing was counted)."""
        return self.passed / self.total if self.total else 1.0

    def add(self, ok: bool) -> None:
        """Count one more result."""
        self.total += 1
        self.passed += int(ok)


class TaskSummary(BaseModel):
    """The results of one task: cases, skips, slices, languages, scorers and judge scores."""

    cases: Rate = Field(default_factory=Rate)
    skipped: int = 0
    slices: dict[str, Rate] = Field(default_factory=dict)
    languages: dict[str, Rate] = Field(default_factory=dict)
    scorers: dict[str, Rate] = Field(default_factory=dict)
    judge: dict[str, float] = Field(default_factory=dict, description="criterion -> mean score.")
    judge_mean: float | None = None


class Verdict(BaseModel):
    """Whether the run passed its thresholds, and why not."""

    passed: bool
    reasons: list[str] = Field(default_factory=list)


class RunReport(BaseModel):
    """A whole eval run: its config, every case run, the summary and the verdict."""

    config: RunConfig
    cases: list[CaseRun]
    summary: dict[str, TaskSummary]
    verdict: Verdict

    @classmethod
    def load(cls, path: Path) -> RunReport:
        """A run report from ``results.json`` (or the folder holding it)."""
        if path.is_dir():
            path = path / "results.json"
        return cls.model_validate_json(path.read_text(encoding="utf-8"))


def summarise(cases: Iterable[CaseRun]) -> dict[str, TaskSummary]:
    """The per-task summary of ``cases``."""
    out: dict[str, TaskSummary] = {}
    grades: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for run in cases:
        s = out.setdefault(run.task, TaskSummary())
        if run.skipped:
            s.skipped += 1
            continue
        s.cases.add(run.passed)
        for name in run.slices:
            s.slices.setdefault(name, Rate()).add(run.passed)
        s.languages.setdefault(run.language, Rate()).add(run.passed)
        for score in run.scores:
            s.scorers.setdefault(score.name, Rate()).add(score.passed)
        if run.error:
            s.scorers.setdefault("error", Rate()).add(False)
        for g in run.judge:
            if g.score is not None:
                grades[run.task][g.criterion].append(g.score)
    for task, by_criterion in grades.items():
        s = out[task]
        s.judge = {c: sum(v) / len(v) for c, v in by_criterion.items()}
        every = [x for v in by_criterion.values() for x in v]
        s.judge_mean = sum(every) / len(every) if every else None
    return out


def decide(summary: dict[str, TaskSummary], thresholds: Thresholds, *, judged: bool) -> Verdict:
    """The verdict of a summary against the thresholds (judge thresholds only when ``judged``)."""
    reasons = []
    for task, s in summary.items():
        if s.cases.rate < thresholds.min_pass_rate:
            reasons.append(f"{task}: pass rate {s.cases.rate:.0%} ({s.cases.passed}/{s.cases.total}) "
                           f"is below {thresholds.min_pass_rate:.0%}")
        if judged and s.judge_mean is None:
            reasons.append(f"{task}: the judge gave no score")
        if s.judge_mean is not None and s.judge_mean < thresholds.min_judge_mean:
            reasons.append(f"{task}: mean judge score {s.judge_mean:.2f} is below {thresholds.min_judge_mean}")
    if not summary:
        reasons.append("no case was run")
    return Verdict(passed=not reasons, reasons=reasons)


# --- rendering ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Table:
    """One table of the report, as rows of text."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    note: str = ""


def _pct(r: Rate) -> str:
    return f"{r.rate:.0%} ({r.passed}/{r.total})"


def tables(report: RunReport) -> list[Table]:
    """The report's tables: config, per task, per slice, per language, per scorer, judge."""
    c = report.config
    out = [
        Table("Configuration", ("setting", "value"), [
            ("engine", c.engine + (" (recorded responses replayed)" if c.replay else "")),
            ("model", c.model or "none (offline drafter)"),
            *((f"prompt: {t}", f"{p['version']} (sha256 {p['hash']})") for t, p in c.prompts.items()),
            *((f"dataset: {t}", label) for t, label in c.datasets.items()),
            ("judge", c.judge_model or "off"),
            ("repeat", str(c.repeat)),
            ("selection", c.selection),
            ("thresholds", f"pass rate >= {c.thresholds.min_pass_rate:.0%}"
                           + (f", judge mean >= {c.thresholds.min_judge_mean}" if c.judge_model else "")),
            ("started", c.started_at.isoformat(timespec="seconds")),
            ("duration", f"{c.duration_s:.1f} s"),
        ]),
        Table("Per task", ("task", "cases passed", "skipped", "judge mean"), [
            (t, _pct(s.cases), str(s.skipped), f"{s.judge_mean:.2f}" if s.judge_mean is not None else "-")
            for t, s in report.summary.items()
        ]),
    ]
    slice_rows = [(t, name, _pct(r)) for t, s in report.summary.items() for name, r in sorted(s.slices.items())]
    out.append(Table("Per slice", ("task", "slice", "passed"), slice_rows))
    lang_rows = [(t, name, _pct(r)) for t, s in report.summary.items() for name, r in sorted(s.languages.items())]
    out.append(Table("Per language", ("task", "language", "passed"), lang_rows))
    crit_rows = [(t, name, _pct(r)) for t, s in report.summary.items() for name, r in s.scorers.items()]
    out.append(Table("Per criterion: deterministic scorers", ("task", "scorer", "passed"), crit_rows))
    judge_rows = [(t, name, f"{m:.2f}") for t, s in report.summary.items() for name, m in s.judge.items()]
    if judge_rows:
        out.append(Table("Per criterion: judge (1-5)", ("task", "criterion", "mean"), judge_rows))
    skipped = [(r.task, r.case_id, r.skipped or "") for r in report.cases if r.skipped and r.repeat == 0]
    if skipped:
        out.append(Table("Skipped cases", ("task", "case", "why"), skipped))
    failing = [r for r in report.cases if not r.passed]
    fail_rows = []
    for r in failing:
        why = [f"{s.name}: {s.explanation}" for s in r.scores if not s.passed]
        if r.error:
            why.insert(0, f"error: {r.error}")
        fail_rows.append((r.task, r.case_id + (f" #{r.repeat + 1}" if report.config.repeat > 1 else ""),
                          ", ".join(r.slices), " | ".join(why)))
    out.append(Table("Failing cases", ("task", "case", "slices", "why"), fail_rows,
                     note="none" if not fail_rows else ""))
    low = [(r.task, r.case_id, g.criterion, str(g.score), g.reasoning[:300])
           for r in report.cases for g in r.judge if g.score is not None and g.score <= 2]
    if low:
        out.append(Table("Low judge scores (1-2)", ("task", "case", "criterion", "score", "reasoning"), low))
    all_rows = [(r.task, r.case_id, r.language, ", ".join(r.slices),
                 "SKIP" if r.skipped else "PASS" if r.passed else "FAIL",
                 f"{r.judge_mean:.2f}" if r.judge_mean is not None else "-", f"{r.duration_s:.2f}")
                for r in report.cases]
    out.append(Table("All cases", ("task", "case", "lang", "slices", "result", "judge", "seconds"), all_rows))
    return out


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: RunReport, *, brief: bool = False) -> str:
    """The report as Markdown; ``brief`` leaves out the table of all cases (for the terminal)."""
    v = report.verdict
    lines = ["# Coach eval report", "", f"**Result: {'PASSED' if v.passed else 'FAILED'}**", ""]
    lines += [f"- {reason}" for reason in v.reasons]
    for table in tables(report):
        if brief and table.title == "All cases":
            continue
        lines += ["", f"## {table.title}", ""]
        if not table.rows:
            lines.append(table.note or "(nothing)")
            continue
        lines.append("| " + " | ".join(table.headers) + " |")
        lines.append("|" + "---|" * len(table.headers))
        lines += ["| " + " | ".join(_md_cell(str(c)) for c in row) + " |" for row in table.rows]
    return "\n".join(lines) + "\n"


_CSS = ("body{font:14px system-ui,sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;"
        "margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
        "th{background:#f3f3f3}.pass{color:#1a7f37}.fail{color:#cf222e;font-weight:bold}")


def render_html(report: RunReport) -> str:
    """The report as one self-contained HTML page."""
    v = report.verdict
    esc = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Coach eval report</title>"
             f"<style>{_CSS}</style></head><body><h1>Coach eval report</h1>",
             f"<p class='{'pass' if v.passed else 'fail'}'>Result: {'PASSED' if v.passed else 'FAILED'}</p>"]
    if v.reasons:
        parts.append("<ul>" + "".join(f"<li>{esc(r)}</li>" for r in v.reasons) + "</ul>")
    for table in tables(report):
        parts.append(f"<h2>{esc(table.title)}</h2>")
        if not table.rows:
            parts.append(f"<p>{esc(table.note or '(nothing)')}</p>")
            continue
        head = "".join(f"<th>{esc(h)}</th>" for h in table.headers)
        body = "".join(
            "<tr>" + "".join(
                f"<td class='{'pass' if c == 'PASS' else 'fail' if c == 'FAIL' else ''}'>{esc(str(c))}</td>"
                for c in row) + "</tr>"
            for row in table.rows
        )
        parts.append(f"<table><tr>{head}</tr>{body}</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(report: RunReport, out_dir: Path) -> dict[str, Path]:
    """``results.json``, ``report.md`` and ``report.html`` in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "results.json", "markdown": out_dir / "report.md", "html": out_dir / "report.html"}
    paths["json"].write_text(report.model_dump_json(indent=1), encoding="utf-8")
    paths["markdown"].write_text(render_markdown(report), encoding="utf-8")
    paths["html"].write_text(render_html(report), encoding="utf-8")
    return paths


def console_summary(report: RunReport) -> str:
    """A short plain-text summary for the terminal."""
    lines = []
    for task, s in report.summary.items():
        judge = f", judge {s.judge_mean:.2f}" if s.judge_mean is not None else ""
        weakest = sorted(((r.rate, n) for n, r in s.scorers.items() if r.rate < 1))[:3]
        weak = ("; weakest: " + ", ".join(f"{n} {rate:.0%}" for rate, n in weakest)) if weakest else ""
        skipped = f", {s.skipped} skipped" if s.skipped else ""
        lines.append(f"  {task:<12} {_pct(s.cases):>14}{skipped}{judge}{weak}")
    lines.append("PASSED" if report.verdict.passed else "FAILED: " + "; ".join(report.verdict.reasons))
    return "\n".join(lines)


def progress_line(done: int, total: int, run: CaseRun) -> str:
    """One line of the run's progress: ``[ 3/26] notes  nt-en-...  PASS 0.18s``."""
    width = len(str(total))
    status = "SKIP" if run.skipped else "PASS" if run.passed else "FAIL"
    extra = "" if run.passed else "  <- " + (run.error or ", ".join(run.failed_scorers))
    if run.judge_mean is not None:
        extra = f"  judge {run.judge_mean:.1f}" + extra
    return f"[{done:>{width}}/{total}] {run.task:<11} {run.case_id:<40} {status} {run.duration_s:5.2f}s{extra}"
