"""`coach demo` prints ready web-app keys for a manager, an employee and HR."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from api.demo import web_keys
from api.demo_render import render_web_keys
from knowledge.db import session_scope
from knowledge.demo import DEMO_ORG_ID
from knowledge.keys import lookup_key
from knowledge.models import Person
from knowledge.settings import Settings
from tests.conftest import NOW


def test_demo_keys_sign_in_as_manager_employee_and_hr_and_replace_the_last_runs(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        first = web_keys(session, org_id=DEMO_ORG_ID, now=NOW)
    with session_scope(demo_engine) as session:
        second = web_keys(session, org_id=DEMO_ORG_ID, now=NOW)
    with Session(demo_engine) as session:
        roles = []
        for _, person, secret in second:
            key = lookup_key(session, secret=secret)
            assert key is not None and key.person_id == person.id
            stored = session.get(Person, person.id)
            assert stored is not None
            roles.append(stored.role.value)
        assert roles == ["manager", "employee", "hr"]
        assert all(lookup_key(session, secret=secret) is None for _, _, secret in first)  # revoked

    lines = render_web_keys(Settings(host="127.0.0.1", port=8123), second, "nl")
    assert "http://127.0.0.1:8123/" in lines[1] and "sleutels" in lines[1]
    assert [line.split()[0] for line in lines[2:]] == ["manager", "medewerker", "HR"]
    assert all(secret in line for (_, _, secret), line in zip(second, lines[2:], strict=True))
