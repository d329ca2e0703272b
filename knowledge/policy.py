"""The access policy: who may read and write which record. Deny by default.

A :class:`Principal` is built once per request from an API key (or by the CLI), never from
a request body or from model output. The rules:

* Nobody sees anything of another organisation.
* HR sees the whole organisation (including anonymous givers and manager-private notes).
* Everyone sees their own records, except conversations kept private to the manager and
  feedback kept private to the manager; the giver of anonymous feedback is redacted.
* A manager sees the records of their direct reports (not of their reports' reports).
* The people directory (names, roles, teams) and organisation/team goals are visible to
  everyone in the organisation: they are what cascading goals and peer feedback need.
* A service key acting on behalf of a person (``X-On-Behalf-Of``) has exactly that person's
  rights, for writes as for reads: the principal *is* that person, the service is only named
  in the audit log.
* A service key acting for nobody has the rights in :data:`SERVICE_RIGHTS` and no others: it
  reads the directory and keeps it in sync (people and teams), but reads and writes no one's
  goals, conversations, feedback or development actions, never gives or takes the HR role
  and never changes an HR person, erases nobody, and manages no keys, prompts or documents.
* Writes: HR writes anything in their org (keys and the audit log through their own
  commands); a manager writes records about their direct reports; everyone writes their own
  goals and development actions and feedback they give.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from knowledge.models import (
    ActionItem,
    Conversation,
    DevelopmentAction,
    Feedback,
    Goal,
    GoalLevel,
    Organization,
    Person,
    Role,
    Team,
    Visibility,
)
from knowledge.service_models import ApiKey, AuditEvent

PrincipalRole = Literal["employee", "manager", "hr", "service"]

Record = (
    Person | Team | Goal | Conversation | ActionItem | Feedback | DevelopmentAction | ApiKey | AuditEvent
)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: an organisation, the person acted for (if any), their role, their reports."""

    org_id: str
    person_id: str | None
    role: PrincipalRole
    reports: frozenset[str] = field(default_factory=frozenset)
    service: str | None = None

    @property
    def actor(self) -> str:
        """How this principal is named in the audit log."""
        if self.service and self.person_id:
            return f"service:{self.service}@{self.person_id}"
        if self.service:
            return f"service:{self.service}"
        return self.person_id or "unknown"

    @property
    def is_hr(self) -> bool:
        """Whether the principal is HR (reads every record of the organisation but private ones)."""
        return self.role == "hr"

    @property
    def is_bare_service(self) -> bool:
        """Whether the principal is a service acting for nobody in particular."""
        return self.service is not None and self.person_id is None

    def sees_person_records(self, person_id: str | None) -> bool:
        """May this principal read the (non-private) records *about* ``person_id``?"""
        if person_id is None:
            return False
        if self.is_hr:
            return True
        return person_id == self.person_id or person_id in self.reports

    def manages(self, person_id: str | None) -> bool:
        """Whether ``person_id`` is a current direct report of the principal."""
        return person_id is not None and person_id in self.reports


def principal_for_person(person: Person, reports: frozenset[str], *, service: str | None = None) -> Principal:
    """The principal acting as ``person`` (optionally through a service key)."""
    return Principal(
        org_id=person.org_id,
        person_id=person.id,
        role=person.role.value,
        reports=reports,
        service=service,
    )


def service_principal(org_id: str, service: str) -> Principal:
    """A service key acting for nobody in particular."""
    return Principal(org_id=org_id, person_id=None, role="service", service=service)


def can_read(principal: Principal, record: Record, *, conversation: Conversation | None = None) -> bool:
    """Whether ``principal`` may read ``record``. ``conversation`` is needed for action items."""
    if getattr(record, "org_id", None) != principal.org_id:
        return False
    if isinstance(record, (ApiKey, AuditEvent)):
        return principal.is_hr
    if isinstance(record, (Person, Team)):
        return True
    if principal.is_bare_service:
        return False
    if principal.is_hr:
        return True
    me = principal.person_id
    if isinstance(record, Goal):
        if record.level != GoalLevel.individual:
            return True
        return principal.sees_person_records(record.owner_person_id)
    if isinstance(record, Conversation):
        # Only the *current* direct manager: a manager who moved on loses access, even to
        # conversations they held themselves (the records belong to the employee).
        if principal.manages(record.employee_id):
            return True
        return record.employee_id == me and record.visibility == Visibility.shared
    if isinstance(record, ActionItem):
        if conversation is None or conversation.id != record.conversation_id:
            return False
        return can_read(principal, conversation)
    if isinstance(record, Feedback):
        if record.giver_id is not None and record.giver_id == me:
            return True
        if principal.manages(record.recipient_id):
            return True
        return record.recipient_id == me and record.visibility == Visibility.shared
    if isinstance(record, DevelopmentAction):
        return principal.sees_person_records(record.person_id)
    return False


def giver_visible(principal: Principal, feedback: Feedback) -> bool:
    """Whether the giver of ``feedback`` may be shown to ``principal`` (anonymity)."""
    if not feedback.anonymous:
        return True
    return principal.is_hr or (principal.person_id is not None and principal.person_id == feedback.giver_id)


def redact_feedback(principal: Principal, feedback: Feedback) -> Feedback:
    """A copy of ``feedback`` with the giver removed where anonymity requires it."""
    if giver_visible(principal, feedback):
        return feedback
    # A new, detached object: a model_copy would share the ORM state of the stored row.
    return Feedback.model_validate({**feedback.model_dump(), "giver_id": None})


SERVICE_RIGHTS: dict[str, str] = {
    "read": "the people directory and the teams of its organisation",
    "write": "people (not HR people, and not the HR role) and teams of its organisation",
}
"""What a service key acting for nobody may do, written down: :func:`can_read` and
:func:`can_write` implement exactly this. Everything else needs ``X-On-Behalf-Of``."""


def _bare_service_may_write(record: Record) -> bool:
    if isinstance(record, Team):
        return True
    # Giving the HR role (or changing an HR person) is for HR: a directory sync that could
    # do it would hand the service HR rights through X-On-Behalf-Of of the new HR person.
    return isinstance(record, Person) and record.role != Role.hr


def can_write(principal: Principal, record: Record, *, conversation: Conversation | None = None) -> bool:
    """Whether ``principal`` may create or change ``record`` (deny by default).

    Check a change both before and after applying it: the record as it is and as it would be.
    """
    if getattr(record, "org_id", None) != principal.org_id:
        return False
    if principal.is_bare_service:
        return _bare_service_may_write(record)
    if principal.is_hr:
        return True
    me = principal.person_id
    if isinstance(record, Goal):
        return record.level == GoalLevel.individual and (
            record.owner_person_id == me or principal.manages(record.owner_person_id)
        )
    if isinstance(record, Conversation):
        return principal.manages(record.employee_id) and record.manager_id == me
    if isinstance(record, ActionItem):
        return conversation is not None and can_write(principal, conversation)
    if isinstance(record, Feedback):
        return record.giver_id == me and record.recipient_id != me
    if isinstance(record, DevelopmentAction):
        return record.person_id == me or principal.manages(record.person_id)
    return False


def can_admin_org(principal: Principal, org: Organization) -> bool:
    """HR of the organisation manages keys, prompts and documents."""
    return principal.is_hr and principal.org_id == org.id
