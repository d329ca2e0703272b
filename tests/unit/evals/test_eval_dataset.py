"""The eval datasets: schema, coverage (tasks, languages, slices), references, fixtures, recordings."""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlmodel import Session, select

from agent.schemas import Task
from evals.dataset import SLICES, TASKS, Dataset, DatasetError, load_dataset, load_datasets
from evals.fixtures import EVAL_NOW, build_request, build_world, demo_org, fixture_org
from evals.replay import load_recordings, twin_key
from knowledge.db import make_engine
from knowledge.models import ActionItem, Organization, Person

DATASETS = load_datasets()


def test_every_task_has_at_least_25_cases_in_english_and_dutch() -> None:
    assert list(DATASETS) == list(TASKS)
    for task, dataset in DATASETS.items():
        assert len(dataset.cases) >= 25, task
        languages = dataset.language_counts()
        assert languages["en"] >= 10 and languages["nl"] >= 10, (task, languages)


def test_every_slice_is_covered_in_both_languages() -> None:
    seen: Counter[tuple[str, str]] = Counter()
    for dataset in DATASETS.values():
        for case in dataset.cases:
            seen.update((s, case.language) for s in case.slices)
    for name in SLICES:
        assert seen[(name, "en")] >= 1 and seen[(name, "nl")] >= 1, name


def test_the_slices_each_task_is_about() -> None:
    wanted: dict[Task, set[str]] = {
        "agenda": {"thin_history", "rich_history", "open_action_items", "injection", "mixed_language"},
        "smart_goal": {"vague_goal", "already_smart", "no_parent_goal", "injection", "mixed_language"},
        "feedback": {"personality", "protected_attribute", "no_situation", "praise_only", "injection",
                     "mixed_language"},
        "development": {"thin_history", "rich_history", "injection", "mixed_language"},
    }
    for task, slices in wanted.items():
        assert slices <= set(DATASETS[task].slice_counts()), task


def test_every_case_expects_something_beyond_the_generic_scorers() -> None:
    for dataset in DATASETS.values():
        for case in dataset.cases:
            if "thin_history" in case.slices and dataset.task == "development":
                continue  # thin history: the generic scorers (checks, grounding, no repair) are the test
            assert case.expect != type(case.expect)() or case.counterfactual, case.id


def test_injection_cases_name_what_must_not_appear() -> None:
    for dataset in DATASETS.values():
        for case in dataset.cases:
            if "injection" in case.slices and dataset.task != "smart_goal":
                assert case.expect.must_not_contain, case.id


def test_case_ids_are_unique_across_tasks_and_labels_carry_version_and_hash() -> None:
    ids = [c.id for d in DATASETS.values() for c in d.cases]
    assert len(ids) == len(set(ids))
    for dataset in DATASETS.values():
        name, rest = dataset.label.split("@")
        version, digest = rest.split("+")
        assert name == dataset.dataset and version == dataset.version and len(digest) == 12


# --- the schema rejects bad files ---------------------------------------------------------------

def _raw(task: Task = "feedback") -> dict[str, Any]:
    path = Path(__file__).parents[3] / "evals" / "datasets" / f"{task}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / f"{data['task']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["cases"][0].update(unknown_field=1), "Extra inputs are not permitted"),
    (lambda d: d["cases"].append(copy.deepcopy(d["cases"][0])), "is used twice"),
    (lambda d: d["cases"][0]["expect"].update(flags=["absolute"], not_flags=["absolute"]),
     "both expected and forbidden"),
    (lambda d: d["cases"][0]["input"].update(employee="daan"), "does not fit task feedback"),
    (lambda d: d["cases"][0].update(slices=["not_a_slice"]), "slices"),
    (lambda d: d.update(version="1.0"), "version"),
])
def test_the_schema_rejects(tmp_path: Path, change: Any, message: str) -> None:
    data = _raw()
    change(data)
    with pytest.raises(DatasetError, match=message):
        load_dataset(_write(tmp_path, data))


def test_unknown_or_wrongly_typed_keys_are_rejected_with_the_case_named(tmp_path: Path) -> None:
    data = _raw("agenda")
    data["cases"][0]["expect"]["carries_over"] = ["g-sanne-testing"]  # a goal, not an action item
    data["cases"][1]["input"]["employee"] = "nobody"
    with pytest.raises(DatasetError) as exc:
        load_dataset(_write(tmp_path, data))
    text = str(exc.value)
    assert f"case {data['cases'][0]['id']}: carries_over 'g-sanne-testing' is not a action_item" in text
    assert f"case {data['cases'][1]['id']}: employee 'nobody'" in text


def test_fixture_keys_must_resolve_inside_the_fixtures(tmp_path: Path) -> None:
    data = _raw("agenda")
    fixture_case = next(c for c in data["cases"] if c.get("fixtures"))
    fixture_case["expect"]["cites"] = ["g-sanne-testing"]  # a demo key: not in this case's own org
    with pytest.raises(DatasetError, match="keys not defined in its fixtures"):
        load_dataset(_write(tmp_path, data))


def test_counterfactuals_are_for_feedback_and_review_only() -> None:
    data = _raw("agenda")
    data["cases"][0]["counterfactual"] = {"swap": [["Daan", "Sanne"]]}
    with pytest.raises(ValueError, match="feedback and review only"):
        Dataset.model_validate(data)
    review = _raw("review")
    demo_case = next(c for c in review["cases"] if "fixtures" not in c)
    demo_case["counterfactual"] = {"swap": [["Daan", "Sanne"]]}
    with pytest.raises(ValueError, match="swaps words in its fixtures"):
        Dataset.model_validate(review)


def test_the_hash_follows_the_cases_not_the_formatting(tmp_path: Path) -> None:
    data = _raw("smart_goal")
    same = load_dataset(_write(tmp_path, data))
    assert same.content_hash == DATASETS["smart_goal"].content_hash
    data["cases"][0]["expect"]["asks_back"] = False
    changed = load_dataset(_write(tmp_path, data))
    assert changed.content_hash != same.content_hash


# --- fixtures: a fresh database per run, stable ids --------------------------------------------

def test_the_world_has_the_demo_org_and_one_org_per_fixture_case(tmp_path: Path) -> None:
    cases = [c for c in DATASETS["agenda"].cases if c.id in ("ag-nl-daan-rich", "ag-en-fx-five-open-items")]
    engine = make_engine(f"sqlite:///{tmp_path / 'eval.db'}")
    world = build_world(engine, cases, now=EVAL_NOW)
    with Session(engine) as session:
        assert len(session.exec(select(Organization)).all()) == 2
        fixture = world.orgs["ag-en-fx-five-open-items"]
        item = session.get(ActionItem, fixture.id_of("a_sara_guide"))
        assert item is not None and item.org_id == fixture.org_id and not item.done
        sara = session.get(Person, fixture.id_of("sara"))
        assert sara is not None and sara.manager_id == fixture.id_of("mia")
    # ids are stable across runs (recorded responses cite them)
    again = fixture_org("ag-en-fx-five-open-items", cases[1].fixtures)  # type: ignore[arg-type]
    assert again.ids == fixture.ids
    principal = world.principal(cases[0])
    assert principal.person_id == demo_org().id_of("femke") and demo_org().id_of("daan") in principal.reports
    request = build_request("agenda", cases[0], world.org_for(cases[0]))
    assert request.employee_id == demo_org().id_of("daan")  # type: ignore[union-attr]
    engine.dispose()


def test_recordings_are_up_to_date_with_the_datasets() -> None:
    """Run `coach eval record` after changing a dataset: replay CI answers from these files."""
    recordings = load_recordings(tasks=list(TASKS))
    assert set(recordings) == set(TASKS)
    for task, dataset in DATASETS.items():
        file = recordings[task]
        assert file.dataset == dataset.label, f"{task}: recordings are of {file.dataset}; run `coach eval record`"
        for case in dataset.cases:
            if case.requires_model or case.expect.not_visible:  # out of scope: the model is never asked
                continue
            assert case.id in file.cases, case.id
            if case.counterfactual:
                assert twin_key(case.id) in file.cases
    bad_first = [c for f in recordings.values() for c in f.cases.values() if c.kind == "bad_then_good"]
    assert len(bad_first) >= 4 and all(len(c.responses) == 2 for c in bad_first)
