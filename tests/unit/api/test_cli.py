"""The `coach` CLI for organisations and keys, run in-process on a temporary data folder."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.cli import app
from knowledge.db import make_engine
from knowledge.keys import hash_secret, lookup_key
from knowledge.models import Person
from knowledge.service_models import ApiKey, AuditEvent

runner = CliRunner()


@pytest.fixture
def fresh_dir(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A data folder with nothing in it yet (no database)."""
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("COACH_DATABASE_URL", raising=False)
    return tmp_path / "data"


@pytest.fixture
def data_dir(fresh_dir):  # type: ignore[no-untyped-def]
    """A data folder whose database was migrated with `coach db upgrade`."""
    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    return fresh_dir


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["orgs", "list"], ["keys", "list", "--org", "x"],
                                     ["knowledge", "list"], ["prompts", "list", "--org", "x"]])
def test_commands_refuse_an_unmigrated_database_naming_the_upgrade(fresh_dir, command: list[str]) -> None:  # type: ignore[no-untyped-def]
    refused = runner.invoke(app, command)
    assert refused.exit_code == 2, refused.output
    assert "Run `coach db upgrade` first" in refused.output
    assert "not initialised" in refused.output


def test_db_upgrade_then_current(fresh_dir) -> None:  # type: ignore[no-untyped-def]
    from knowledge.migrations import head_revision

    before = runner.invoke(app, ["db", "current"])
    assert before.exit_code == 0 and "database: not initialised" in before.output
    assert "run `coach db upgrade`" in before.output
    up = runner.invoke(app, ["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert f"database at {head_revision()} (was None)" in up.output
    again = runner.invoke(app, ["db", "upgrade"])
    assert "(already there)" in again.output
    now = runner.invoke(app, ["db", "current"])
    assert now.output.strip() == f"database: {head_revision()}; newest: {head_revision()}"
    assert runner.invoke(app, ["orgs", "list"]).exit_code == 0


def _engine(data_dir):  # type: ignore[no-untyped-def]
    return make_engine(f"sqlite:///{data_dir / 'coach.db'}")


def test_orgs_create_and_duplicate(data_dir) -> None:  # type: ignore[no-untyped-def]
    ok = runner.invoke(app, ["orgs", "create", "acme", "--name", "Acme BV"])
    assert ok.exit_code == 0, ok.output
    assert "created organisation acme" in ok.output
    again = runner.invoke(app, ["orgs", "create", "acme", "--name", "Acme BV"])
    assert again.exit_code == 2
    assert "already exists" in again.output
    listed = runner.invoke(app, ["orgs", "list"])
    assert "acme\tAcme BV" in listed.output


@pytest.mark.parametrize("slug", ["A", "Acme", "acme corp", "acme_bv", "x" * 70])
def test_orgs_create_rejects_bad_slugs(data_dir, slug: str) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["orgs", "create", slug, "--name", "X"])
    assert result.exit_code == 2
    assert "invalid slug" in result.output


def test_keys_lifecycle_for_person_and_service(data_dir) -> None:  # type: ignore[no-untyped-def]
    assert runner.invoke(app, ["orgs", "create", "acme", "--name", "Acme"]).exit_code == 0
    engine = _engine(data_dir)
    with Session(engine) as s:
        org_id = s.exec(select(ApiKey.org_id)).first()  # no keys yet
        assert org_id is None
        from knowledge.queries import get_org_by_slug
        org = get_org_by_slug(s, slug="acme")
        assert org is not None
        s.add(Person(org_id=org.id, name="Ada", email="ada@acme.example"))
        s.commit()

    made = runner.invoke(app, ["keys", "create", "--org", "acme", "--person", "ADA@acme.example", "--json"])
    assert made.exit_code == 0, made.output
    payload = json.loads(made.output)
    assert set(payload) == {"key", "id"}
    secret = payload["key"]
    with Session(engine) as s:
        row = s.get(ApiKey, payload["id"])
        assert row is not None
        assert row.secret_hash == hash_secret(secret)
        assert secret not in row.model_dump_json()  # only the hash is stored
        assert lookup_key(s, secret=secret) is not None

    svc = runner.invoke(app, ["keys", "create", "--org", "acme", "--service", "hris-sync"])
    assert svc.exit_code == 0 and "shown once" in svc.output

    listed = runner.invoke(app, ["keys", "list", "--org", "acme"])
    assert payload["id"] in listed.output and "service:hris-sync" in listed.output
    assert secret not in listed.output

    revoked = runner.invoke(app, ["keys", "revoke", payload["id"], "--org", "acme"])
    assert revoked.exit_code == 0
    with Session(engine) as s:
        assert lookup_key(s, secret=secret) is None
        actions = [e.action for e in s.exec(select(AuditEvent)).all()]
        assert actions.count("key.create") == 2 and actions.count("key.revoke") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["keys", "create", "--org", "acme"], "exactly one of"),
        (["keys", "create", "--org", "acme", "--person", "a@b", "--service", "s"], "exactly one of"),
        (["keys", "create", "--org", "nope", "--service", "s"], "no organisation"),
        (["keys", "create", "--org", "acme", "--person", "ghost@acme.example"], "no person"),
        (["keys", "create", "--org", "acme", "--service", "bad name!"], "--service"),
        (["keys", "revoke", "key_missing", "--org", "acme"], "no key"),
    ],
)
def test_keys_bad_input_is_a_clear_error(data_dir, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    runner.invoke(app, ["orgs", "create", "acme", "--name", "Acme"])
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_the_test_run_cannot_reach_the_network() -> None:
    import socket

    with pytest.raises(OSError, match="not allowed"), socket.create_connection(("192.0.2.1", 443), timeout=1):
        pass
