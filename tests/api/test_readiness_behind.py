"""``/readyz`` says when the store is behind the database (start-up reconciliation, failed syncs)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from knowledge.store import field_is
from tests.api.conftest import Api


async def test_readyz_is_503_until_the_start_up_reconciliation_finished(api: Api) -> None:
    assert (await api.client.get("/readyz")).status_code == 200
    api.app.state.reconciler.state = "running"
    behind = await api.client.get("/readyz")
    assert behind.status_code == 503 and behind.json()["type"].endswith(":store-behind")
    assert behind.headers["retry-after"] == "5"
    api.app.state.reconciler.state = "done"
    assert (await api.client.get("/readyz")).status_code == 200


async def test_readyz_is_503_while_record_changes_wait_for_a_failed_store(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = api.app.state.store

    def down(*_args: object, **_kwargs: object) -> None:
        raise OSError("store down")

    monkeypatch.setattr(store, "upsert", down)
    r = await api.post("/v1/feedback", "femke", {"recipient_id": api.ids.people["daan"], "text": "Kept for later."})
    assert r.status_code == 201  # the record is committed; its vectors wait
    behind = await api.client.get("/readyz")
    assert behind.status_code == 503 and "wait for the store" in behind.json()["detail"]
    monkeypatch.undo()
    # The next commit retries the backlog; then the store is in step and ready again.
    assert (await api.patch(f"/v1/goals/{api.ids.daan_goal}", "daan", {"progress": 12})).status_code == 200
    assert (await api.client.get("/readyz")).status_code == 200
    assert store.get("records", where=field_is("record_id", r.json()["id"]))


async def test_a_record_missing_from_the_index_is_found_by_reconciliation(api: Api) -> None:
    from knowledge.reconcile import reconcile_store

    r = await api.post("/v1/feedback", "femke", {"recipient_id": api.ids.people["daan"], "text": "Raw SQL edit."})
    fid = r.json()["id"]
    store = api.app.state.store
    store.delete("records", where=field_is("record_id", fid))  # as if the process died after the commit
    with api.engine.begin() as conn:  # and a stray vector of a record that no longer exists
        conn.execute(text("DELETE FROM feedback WHERE id = :id"), {"id": api.ids.daan_feedback})
    report = reconcile_store(api.engine, store)
    assert report.records_indexed == 1 and report.records_removed == 1
    assert store.get("records", where=field_is("record_id", fid))
    assert not store.get("records", where=field_is("record_id", api.ids.daan_feedback))
    assert reconcile_store(api.engine, store).repaired == 0  # in step: nothing to do
