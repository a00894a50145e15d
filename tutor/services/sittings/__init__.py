"""Invigilated sittings: create, register candidates, deliver attempts, invigilate, mark, release.

Every answer is committed in its own write transaction before the caller is told it is saved.
The clock runs only while a client is attached and heartbeating: a client that dies stops its
attempt's clock at its last heartbeat, and the attempt stays locked until an invigilator resumes
it with the invigilator code. Every action is recorded as a :class:`~tutor.storage.tables.TestEvent`.

:class:`SittingService` is put together from one part per responsibility, each a module here:

- :mod:`~tutor.services.sittings.base`: errors, the dataclasses returned, codes, the stored clock;
  finding sittings, candidates and attempts, the secure pool, status moves and the event record;
- :mod:`~tutor.services.sittings.invigilation`: a sitting's test, creating it, registering
  candidates, pausing, resuming, extra time, voiding, the room's status and events;
- :mod:`~tutor.services.sittings.delivery`: starting, a candidate's view, saving and flagging
  answers, the clock's heartbeat, submitting;
- :mod:`~tutor.services.sittings.marking`: scoring a finished attempt, its evidence, results and
  their release.

Their queries live in :mod:`tutor.storage.sitting_queries`, :mod:`tutor.storage.bank_queries` and
:mod:`tutor.storage.catalogue_queries`; the answer's hot path in :mod:`tutor.storage.answer_writes`.
The words of :class:`SittingError` are in ``templates/errors/sittings/``.
"""

from __future__ import annotations

# ``secrets`` (the form's seed) and ``bank_queries`` (a candidate's earlier attempts) are named here so
# tests can pin them as ``tutor.services.sittings.secrets.randbits`` and
# ``tutor.services.sittings.bank_queries.earlier_attempts``.
import secrets  # noqa: F401

from tutor.services.sittings.base import (
    STALE_SECONDS,
    AttemptState,
    AttemptView,
    CandidateResult,
    CandidateStatus,
    QuestionView,
    SavedAnswer,
    SittingError,
    new_code,
)
from tutor.services.sittings.delivery import Delivery
from tutor.services.sittings.invigilation import Invigilation
from tutor.storage import bank_queries  # noqa: F401

__all__ = [
    "STALE_SECONDS", "AttemptState", "AttemptView", "CandidateResult", "CandidateStatus", "QuestionView",
    "SavedAnswer", "SittingError", "SittingService", "new_code",
]


class SittingService(Delivery, Invigilation):
    """Sitting operations over one engine; ``now`` is the injected clock (aware UTC datetimes). Its
    methods come from the parts above."""
