"""The organisation's conversation rhythm: read by everyone in the organisation, set by HR only.

The rhythm is what the nudges and the review's cadence compare against ("monthly 1-on-1s by
default"). An organisation that never set one gets :data:`~knowledge.models.DEFAULT_ONE_ON_ONE_DAYS`.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from knowledge.models import DEFAULT_ONE_ON_ONE_DAYS, CycleRhythm
from knowledge.policy import Principal

MIN_DAYS = 7
MAX_DAYS = 180


class Rhythm(BaseModel):
    """The rhythm as the coach uses it (detached from any session)."""

    model_config = ConfigDict(frozen=True)

    one_on_one_days: int = Field(DEFAULT_ONE_ON_ONE_DAYS, ge=MIN_DAYS, le=MAX_DAYS)
    is_default: bool = True


class RhythmNotAllowed(PermissionError):
    """Only HR of the organisation sets its rhythm."""


def get_rhythm(session: Session, *, principal: Principal) -> Rhythm:
    """The rhythm of the principal's organisation (the default when HR never set one)."""
    row = session.get(CycleRhythm, principal.org_id)
    if row is None:
        return Rhythm()
    return Rhythm(one_on_one_days=row.one_on_one_days, is_default=False)


def set_rhythm(session: Session, *, principal: Principal, one_on_one_days: int, now: datetime) -> Rhythm:
    """Set the organisation's rhythm. HR only (raises :class:`RhythmNotAllowed`); only flushes."""
    if not principal.is_hr:
        raise RhythmNotAllowed("only HR sets the organisation's conversation rhythm")
    if not MIN_DAYS <= one_on_one_days <= MAX_DAYS:
        raise ValueError(f"one_on_one_days must be between {MIN_DAYS} and {MAX_DAYS}")
    row = session.get(CycleRhythm, principal.org_id)
    if row is None:
        row = CycleRhythm(org_id=principal.org_id)
    row.one_on_one_days = one_on_one_days
    row.updated_by = principal.actor
    row.updated_at = now
    session.add(row)
    session.flush()
    return Rhythm(one_on_one_days=one_on_one_days, is_default=False)
