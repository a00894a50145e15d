"""The candidate's side of an invigilated online test: one question at a time, review, submit, result.

:class:`CandidateSession` is the attempt's state and behaviour, mixed into :class:`CandidateApp`
(``tutor test`` in a terminal) and into the browser session's app (:mod:`tutor.ui.centre`), on the
same stylesheet as :class:`~tutor.ui.app.TutorApp`. Everything goes through
:class:`~tutor.services.sittings.SittingService`; time comes from the service's injected clock
only. The attempt runs in three modes: ``test`` (questions, review, the confirm dialog), ``locked``
(paused or interrupted: waiting for the invigilator) and ``result``. A once-a-second
:meth:`CandidateSession.tick` sends the heartbeat, follows the attempt's status and moves between
them. No score, key or feedback is shown until the test is submitted and the results released.

The modules: :mod:`~tutor.ui.candidate.app` (the session and ``tutor test``'s app),
:mod:`~tutor.ui.candidate.question` (the question screen and its navigator),
:mod:`~tutor.ui.candidate.review` (review before submitting, the confirm dialog),
:mod:`~tutor.ui.candidate.status` (the locked and result screens) and
:mod:`~tutor.ui.candidate.widgets` (the bar with the countdown, on every test screen).
"""

from __future__ import annotations

from tutor.ui.candidate.app import WARNINGS, CandidateApp, CandidateSession
from tutor.ui.candidate.question import NavCell, QuestionScreen, SaveFailed
from tutor.ui.candidate.review import ConfirmSubmitScreen, ReviewScreen
from tutor.ui.candidate.status import LockedScreen, ResultScreen
from tutor.ui.candidate.widgets import LOCKED, LOW_TIME, TestBar

__all__ = [
    "LOCKED", "LOW_TIME", "WARNINGS", "CandidateApp", "CandidateSession", "ConfirmSubmitScreen", "LockedScreen",
    "NavCell", "QuestionScreen", "ResultScreen", "ReviewScreen", "SaveFailed", "TestBar",
]
