"""The attempt itself: :class:`CandidateSession`, the attempt's state and behaviour (the clock, answers,
the result) that moves between the screens, and :class:`CandidateApp`, the shell ``tutor test`` runs."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.markup import escape

from tutor.domain.testing import format_remaining
from tutor.rendering import TextRenderer
from tutor.services.sittings import AttemptState, AttemptView, SittingError, SittingService
from tutor.storage.engine import StorageError
from tutor.ui.candidate.question import QuestionScreen, SaveFailed
from tutor.ui.candidate.status import LockedScreen, ResultScreen
from tutor.ui.candidate.widgets import LOCKED, TestBar

WARNINGS = (600, 300)  # seconds left at which the candidate is warned, once each


class CandidateSession:
    """One candidate's attempt as app-level state and behaviour, mixed into a Textual ``App``:
    :class:`CandidateApp` (``tutor test``) and the browser session's app (:mod:`tutor.ui.centre`). The
    screens below reach it through ``self.app``. ``clock`` is the clock the service was built with."""

    def init_candidate(self, service: SittingService, attempt_id: int | None, templates: Path, clock) -> None:
        self.service = service
        self.attempt_id = attempt_id
        self.clock = clock
        self._test_renderer = TextRenderer(templates, filters={"literal": escape})
        self.view: AttemptView | None = None
        self.sitting_id: int | None = None
        self.chosen: dict[int, str | None] = {}
        self.flagged: dict[int, bool] = {}
        self.remaining = 0.0
        self.status = ""
        self.warned: set[int] = set()
        self.released = False
        self._problem: str | None = None

    # -- rendering ---------------------------------------------------------------------------

    def test_text(self, template: str, **context) -> str:
        return self._test_renderer.render(f"ui/test/{template}", **context).rstrip()

    @property
    def total(self) -> int:
        return len(self.view.questions) if self.view else 0

    def answered(self) -> list[int]:
        return [p for p, letter in self.chosen.items() if letter]

    def unanswered(self) -> list[int]:
        return [p for p, letter in sorted(self.chosen.items()) if not letter]

    def flagged_positions(self) -> list[int]:
        return [p for p, flag in sorted(self.flagged.items()) if flag]

    # -- start -------------------------------------------------------------------------------

    def begin_attempt(self, attempt_id: int | None = None) -> str | None:
        """Show the attempt (``attempt_id``, else the one given at init) and start the once-a-second tick;
        returns the line to show instead when the attempt cannot be read."""
        if attempt_id is not None:
            self.attempt_id = attempt_id
        try:
            view = self.service.view(self.attempt_id)
            self.sitting_id = self.service.sitting_of(self.attempt_id)
        except (SittingError, StorageError) as exc:
            return self.test_text("problem.j2", message=str(exc))
        self._take(view)
        self.add_mode("test", QuestionScreen)
        self.add_mode("locked", LockedScreen)
        self.add_mode("result", ResultScreen)
        self._follow(view)
        self.set_interval(1.0, self.tick)
        return None

    def _take(self, view: AttemptView) -> None:
        """Adopt the service's record of the answers (at start, and when a lock is lifted)."""
        self.view = view
        self.chosen = {q.position: q.chosen for q in view.questions}
        self.flagged = {q.position: q.flagged for q in view.questions}

    # -- the clock ---------------------------------------------------------------------------

    def tick(self) -> None:
        """Once a second: the heartbeat (which submits at expiry), then follow the attempt's status."""
        if not self.screen_stack:  # the app is closing: a last tick can fire after its screens are gone
            return
        if self.current_mode == "result":
            if not self.released:
                self._refresh_result()
            return
        try:
            if self.current_mode == "test":  # the heartbeat returns the status and time left after it
                state = self.service.beat(self.attempt_id, getattr(self.screen, "position", None))
            else:  # locked: one short read a second
                state = self.service.state(self.attempt_id)
            if state.status == "in_progress" and self.current_mode == "locked":
                state = self.service.view(self.attempt_id)  # the lock is lifted: adopt the record of answers
        except (SittingError, StorageError) as exc:
            self._report_problem(str(exc))
            return
        self._problem = None
        self._follow(state)

    def _follow(self, view: AttemptView | AttemptState) -> None:
        """Move to the screen the attempt's status calls for (a full view when leaving the lock)."""
        self.remaining = view.remaining_seconds
        previous, self.status = self.status, view.status
        if view.status == "in_progress":
            if self.current_mode != "test":
                if self.current_mode == "locked":
                    self._take(view)  # nothing can change while locked, but the record is the truth
                self.switch_mode("test")
                if isinstance(self.screen, QuestionScreen):
                    self.screen.show()
            self._update_bars()
            self._warn()
        elif view.status in LOCKED:
            if self.current_mode != "locked":
                self.switch_mode("locked")
            elif previous != view.status and isinstance(self.screen, LockedScreen):
                self.screen.show()
            self._update_bars()
        else:  # submitted (by the candidate, or at expiry) or voided
            self.show_result()

    def _update_bars(self) -> None:
        for screen in self.screen_stack:
            for bar in screen.query(TestBar):
                bar.show()

    def _warn(self) -> None:
        crossed = [w for w in WARNINGS if self.remaining <= w and w not in self.warned]
        if crossed and self.remaining > 0:
            self.warned.update(w for w in WARNINGS if w >= min(crossed))
            self.notify(self.test_text("warning.j2", minutes=min(crossed) // 60), severity="warning", timeout=15)

    def _report_problem(self, message: str) -> None:
        if message != self._problem:
            self._problem = message
            self.notify(self.test_text("problem.j2", message=message), severity="error", timeout=15)

    # -- answers -----------------------------------------------------------------------------

    def save(self, position: int, letter: str | None = None, flag: bool | None = None) -> str:
        """Commit through the service; returns the line to show (``Saved`` only once committed)."""
        try:
            saved = self.service.save_answer(self.attempt_id, position, letter, flagged=flag)
        except (SittingError, StorageError) as exc:
            self.call_later(self.tick)  # time up, or locked: follow the attempt at once
            raise SaveFailed(self.test_text("save_failed.j2", message=str(exc))) from None
        if letter is not None:
            self.chosen[position] = saved.chosen
        if flag is not None:
            self.flagged[position] = flag
        self.remaining = saved.remaining_seconds
        self._update_bars()
        what = "answer" if letter is not None else ("flag" if flag else "unflag")
        return self.test_text("saved.j2", what=what, letter=letter, position=position)

    def submit_test(self) -> None:
        try:
            self.service.submit(self.attempt_id)
        except (SittingError, StorageError) as exc:
            self._report_problem(str(exc))
            return
        self.status = "submitted"
        self.show_result()

    # -- the result --------------------------------------------------------------------------

    def show_result(self) -> None:
        if self.current_mode != "result":
            self.switch_mode("result")
        self._refresh_result()

    def _refresh_result(self) -> None:
        if isinstance(self.screen, ResultScreen):
            self.screen.show()

    def result_text(self) -> str:
        view = self.view
        result = time_used = None
        try:
            mine = [r for r in self.service.results(self.sitting_id) if r.number == view.candidate_number]
            self.released = True
        except SittingError:
            mine = []
        except StorageError as exc:
            self._report_problem(str(exc))
            mine = []
        status, how = self.status, "submitted"
        if mine:
            status, result = mine[0].status, mine[0].result
            if mine[0].time_used_seconds is not None:
                time_used = format_remaining(mine[0].time_used_seconds)
        try:
            kinds = [e.kind for e in self.service.events(self.sitting_id)
                     if e.attempt_id == self.attempt_id and e.kind in ("submitted", "expired", "voided")]
            how = kinds[-1] if kinds else how
        except (SittingError, StorageError):
            pass
        outcomes = sorted(result.per_outcome.items(), key=lambda kv: _natural(kv[0])) if result else []
        return self.test_text(
            "result.j2", code=view.test_code, title=view.test_title, number=view.candidate_number,
            candidate=view.candidate, status=status, how=how, result=result, outcomes=outcomes, time_used=time_used,
        )


class CandidateApp(CandidateSession, App[None]):
    """``tutor test``: one candidate's attempt in a terminal."""

    CSS_PATH = "../tutor.tcss"  # the stylesheet of tutor/ui, relative to this module
    TITLE = "tutor test"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, service: SittingService, attempt_id: int, templates: Path, clock) -> None:
        super().__init__()
        self.init_candidate(service, attempt_id, templates, clock)

    def on_mount(self) -> None:
        problem = self.begin_attempt()
        if problem:
            self.exit(return_code=1, message=problem)


def _natural(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdigit() else (10**6, key)
