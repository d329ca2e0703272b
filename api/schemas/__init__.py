"""What the API accepts and returns, one Create / Update / Public model per record.

* ``*Create``: the body of ``POST``. Unknown fields are refused (422), not ignored.
* ``*Update``: the body of ``PATCH``; only the fields sent are changed. A field that cannot be
  empty refuses an explicit ``null``.
* ``*Public``: what a reader gets back. Ids are strings; timestamps are timezone-aware.
* :class:`Page`: a list with an opaque ``next_cursor`` (``null`` on the last page).

The organisation never appears in a body: it comes from the API key.
"""

from __future__ import annotations

from api.schemas.base import (
    NUL_MESSAGE as NUL_MESSAGE,
)
from api.schemas.base import (
    Body as Body,
)
from api.schemas.base import (
    Email as Email,
)
from api.schemas.base import (
    FiniteKeyResult as FiniteKeyResult,
)
from api.schemas.base import (
    Name as Name,
)
from api.schemas.base import (
    NoNul as NoNul,
)
from api.schemas.base import (
    Page as Page,
)
from api.schemas.base import (
    Public as Public,
)
from api.schemas.base import (
    RecordId as RecordId,
)
from api.schemas.base import (
    T as T,
)
from api.schemas.base import (
    Title as Title,
)
from api.schemas.base import (
    Topic as Topic,
)
from api.schemas.base import (
    Update as Update,
)
from api.schemas.base import (
    UtcDatetime as UtcDatetime,
)
from api.schemas.base import (
    decode_cursor as decode_cursor,
)
from api.schemas.base import (
    encode_cursor as encode_cursor,
)
from api.schemas.coach import (
    AgendaBody as AgendaBody,
)
from api.schemas.coach import (
    ChatRequest as ChatRequest,
)
from api.schemas.coach import (
    DevelopmentBody as DevelopmentBody,
)
from api.schemas.coach import (
    DocumentCreate as DocumentCreate,
)
from api.schemas.coach import (
    DocumentDetail as DocumentDetail,
)
from api.schemas.coach import (
    DocumentIngested as DocumentIngested,
)
from api.schemas.coach import (
    DocumentPublic as DocumentPublic,
)
from api.schemas.coach import (
    FeedbackBody as FeedbackBody,
)
from api.schemas.coach import (
    Health as Health,
)
from api.schemas.coach import (
    PassagePublic as PassagePublic,
)
from api.schemas.coach import (
    PassageSource as PassageSource,
)
from api.schemas.coach import (
    Readiness as Readiness,
)
from api.schemas.coach import (
    ReviewBody as ReviewBody,
)
from api.schemas.coach import (
    SearchRequest as SearchRequest,
)
from api.schemas.coach import (
    SearchResponse as SearchResponse,
)
from api.schemas.coach import (
    SmartGoalBody as SmartGoalBody,
)
from api.schemas.notes import (
    NotesBody as NotesBody,
)
from api.schemas.notes import (
    NotesRecordBody as NotesRecordBody,
)
from api.schemas.notes import (
    NotesRecordItem as NotesRecordItem,
)
from api.schemas.records import (
    ActionItemCreate as ActionItemCreate,
)
from api.schemas.records import (
    ActionItemPublic as ActionItemPublic,
)
from api.schemas.records import (
    ActionItemUpdate as ActionItemUpdate,
)
from api.schemas.records import (
    ConversationCreate as ConversationCreate,
)
from api.schemas.records import (
    ConversationPublic as ConversationPublic,
)
from api.schemas.records import (
    ConversationUpdate as ConversationUpdate,
)
from api.schemas.records import (
    DevelopmentActionCreate as DevelopmentActionCreate,
)
from api.schemas.records import (
    DevelopmentActionPublic as DevelopmentActionPublic,
)
from api.schemas.records import (
    DevelopmentActionUpdate as DevelopmentActionUpdate,
)
from api.schemas.records import (
    FeedbackCreate as FeedbackCreate,
)
from api.schemas.records import (
    FeedbackPublic as FeedbackPublic,
)
from api.schemas.records import (
    GoalCreate as GoalCreate,
)
from api.schemas.records import (
    GoalPublic as GoalPublic,
)
from api.schemas.records import (
    GoalUpdate as GoalUpdate,
)
from api.schemas.records import (
    PersonCreate as PersonCreate,
)
from api.schemas.records import (
    PersonPublic as PersonPublic,
)
from api.schemas.records import (
    PersonUpdate as PersonUpdate,
)
from api.schemas.records import (
    TeamCreate as TeamCreate,
)
from api.schemas.records import (
    TeamPublic as TeamPublic,
)
from api.schemas.records import (
    TeamUpdate as TeamUpdate,
)
