"""The candidate's side of an invigilated online test: one question at a time, review, submit, result.

:class:`CandidateSession` is the attempt's state and behaviour, mixed into :class:`CandidateApp`
(``tutor test`` in a terminal) and into the browser session's app (:mod:`tutor.ui.centre`), on the
same stylesheet as :class:`~tutor.ui.app.TutorApp`. Everything goes through
:class:`~tutor.services.sittings.SittingService`; time comes from the service's injected clock
only. The attempt runs in three modes: ``test`` (questions, review, the confirm dialog), ``locked``
(paused or interrupted: waiting for the invigilator) and ``result``. A once-a-second
:meth:`CandidateSession.tick` sends the heartbeat, follows the attempt's status and moves between
them. No score, key or feedback is shown until the test is submitted and the results released.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.events import Click
from textual.markup import escape
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from tutor.domain.testing import LETTERS, format_remaining
from tutor.rendering import TextRenderer
from tutor.services.sittings import AttemptState, AttemptView, SittingError, SittingService
from tutor.storage.engine import StorageError

WARNINGS = (600, 300)  # seconds left at which the candidate is warned, once each
LOW_TIME = 300  # the countdown turns amber from here
LOCKED = ("paused", "interrupted")


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
        if self.current_mode == "result":
            if not self.released:
                self._refresh_result()
            return
        try:
            if self.current_mode == "test":
                self.service.heartbeat(self.attempt_id, getattr(self.screen, "position", None))
            state = self.service.state(self.attempt_id)  # status and time left: one short read a second
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

    CSS_PATH = "tutor.tcss"
    TITLE = "tutor test"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, service: SittingService, attempt_id: int, templates: Path, clock) -> None:
        super().__init__()
        self.init_candidate(service, attempt_id, templates, clock)

    def on_mount(self) -> None:
        problem = self.begin_attempt()
        if problem:
            self.exit(return_code=1, message=problem)


class SaveFailed(Exception):
    """A save the service refused; the message is the rendered line to show."""


def _natural(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdigit() else (10**6, key)


# -- widgets ---------------------------------------------------------------------------------


class TestBar(Horizontal):
    """The header of every test screen: test code and title, the candidate, the countdown."""

    __test__ = False

    def compose(self) -> ComposeResult:
        app = self.app
        view = app.view
        yield Static(app.test_text("bar.j2", code=view.test_code, title=view.test_title, set_by=view.set_by,
                                     number=view.candidate_number, candidate=view.candidate), classes="cand-bar-text")
        yield Static(classes="cand-countdown")

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        app = self.app
        try:
            countdown = self.query_one(".cand-countdown", Static)
        except NoMatches:  # not composed yet: on_mount draws it
            return
        countdown.update(app.test_text("countdown.j2", remaining=format_remaining(app.remaining),
                                         stopped=app.status in LOCKED))
        countdown.set_class(app.remaining <= LOW_TIME, "low")


class NavCell(Static):
    """One question number in the navigator; click to go to it."""

    def __init__(self, position: int) -> None:
        super().__init__(classes="cand-cell")
        self.position = position

    def on_click(self, event: Click) -> None:
        event.stop()
        screen = self.screen
        if isinstance(screen, QuestionScreen):
            screen.go(self.position)


# -- screens ---------------------------------------------------------------------------------


class QuestionScreen(Screen):
    """One question at a time, with the navigator beside it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(f"{n},{letter.lower()}", f"choose('{letter}')", show=False) for n, letter in
          zip("1234", LETTERS, strict=True)),
        Binding("n,right", "next", show=False),
        Binding("p,left", "previous", show=False),
        Binding("f", "flag", show=False),
        Binding("r,s", "review", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.position = 1

    def compose(self) -> ComposeResult:
        app = self.app
        yield TestBar(id="cand-bar")
        with Horizontal(id="cand-body"):
            with VerticalScroll(id="cand-question", can_focus=False):
                yield Static(id="cand-head")
                yield Static(id="cand-stem")
                yield OptionList(id="cand-options")
                yield Static(id="cand-status")
            with Vertical(id="cand-nav"):
                yield Static(id="cand-nav-title")
                with Grid(id="cand-grid"):
                    for position in range(1, app.total + 1):
                        yield NavCell(position)
                yield Static(app.test_text("nav_legend.j2"), id="cand-legend")
        yield Static(app.test_text("keys.j2", screen="question"), classes="cand-keys")

    def on_mount(self) -> None:
        # a resumed candidate (a new client after a crash) reopens on the question they last had on screen
        self.position = min(max(1, self.app.view.viewing), self.app.total)
        self.show()
        self.query_one(OptionList).focus()

    @property
    def question(self):
        return self.app.view.questions[self.position - 1]

    def show(self, status: str = "", ok: bool = True) -> None:
        """Draw the current question from the app's record; ``status`` is the saved/not-saved line."""
        app, question = self.app, self.question
        if not self.query("#cand-options"):  # not composed yet: on_mount draws it
            return
        chosen = app.chosen.get(self.position)
        self.query_one("#cand-head", Static).update(app.test_text(
            "question_head.j2", position=self.position, total=app.total, flagged=app.flagged.get(self.position)))
        self.query_one("#cand-stem", Static).update(app.test_text("stem.j2", stem=question.stem))
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.set_options(
            Option(app.test_text("option.j2", letter=letter, text=text, chosen=letter == chosen), id=letter)
            for letter, text in question.options.items()
        )
        letters = list(question.options)
        if chosen in letters:
            options.highlighted = letters.index(chosen)
        else:  # after a flag, stay on the option the candidate was looking at
            options.highlighted = highlighted if status and highlighted is not None else 0
        line = self.query_one("#cand-status", Static)
        line.update(status)
        line.set_class(bool(status) and ok, "saved")
        line.set_class(bool(status) and not ok, "failed")
        self._show_navigator()

    def _show_navigator(self) -> None:
        app = self.app
        self.query_one("#cand-nav-title", Static).update(
            app.test_text("navigator.j2", answered=len(app.answered()), total=app.total))
        for cell in self.query(NavCell):
            answered, flagged = bool(app.chosen.get(cell.position)), bool(app.flagged.get(cell.position))
            cell.update(app.test_text("nav_cell.j2", position=cell.position, answered=answered, flagged=flagged))
            cell.set_class(answered, "answered")
            cell.set_class(flagged, "flagged")
            cell.set_class(cell.position == self.position, "current")

    def go(self, position: int) -> None:
        if 1 <= position <= self.app.total and position != self.position:
            self.position = position
            self.show()
            self.query_one(OptionList).scroll_home(animate=False)

    def _save(self, **change) -> None:
        try:
            line = self.app.save(self.position, **change)
        except SaveFailed as exc:
            self.show(str(exc), ok=False)
            return
        self.show(line)

    def action_choose(self, letter: str) -> None:
        if letter in self.question.options:
            self._save(letter=letter)

    @on(OptionList.OptionSelected, "#cand-options")
    def _option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self._save(letter=event.option.id)

    def action_flag(self) -> None:
        self._save(flag=not self.app.flagged.get(self.position, False))

    def action_next(self) -> None:
        if self.position < self.app.total:
            self.go(self.position + 1)
        else:
            self.action_review()

    def action_previous(self) -> None:
        self.go(self.position - 1)

    def action_review(self) -> None:
        self.app.push_screen(ReviewScreen(), callback=self._back_from_review)

    def _back_from_review(self, position: int | None) -> None:
        if position:
            self.go(position)


class ReviewScreen(Screen[int | None]):
    """Unanswered and flagged questions; go back to one, or submit (after a confirm dialog)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace,r", "back", show=False),
        Binding("s", "submit", show=False),
    ]

    def compose(self) -> ComposeResult:
        app = self.app
        unanswered, flagged = app.unanswered(), app.flagged_positions()
        yield TestBar(id="cand-bar")
        with Vertical(id="cand-review"):
            yield Static(app.test_text("review.j2", answered=len(app.answered()), total=app.total,
                                         unanswered=unanswered, flagged=flagged), id="cand-review-summary")
            positions = sorted(set(unanswered) | set(flagged))
            yield OptionList(*(
                Option(app.test_text("review_option.j2", position=p, answered=bool(app.chosen.get(p)),
                                       flagged=bool(app.flagged.get(p))), id=str(p))
                for p in positions
            ), id="cand-review-list")
            with Horizontal(id="cand-review-buttons"):
                yield Button(app.test_text("label.j2", label="back"), id="cand-back")
                yield Button(app.test_text("label.j2", label="submit"), id="cand-submit", variant="primary")
        yield Static(app.test_text("keys.j2", screen="review"), classes="cand-keys")

    def on_mount(self) -> None:
        listing = self.query_one(OptionList)
        listing.display = listing.option_count > 0
        (listing if listing.option_count else self.query_one("#cand-submit", Button)).focus()

    @on(OptionList.OptionSelected, "#cand-review-list")
    def _question_chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))

    @on(Button.Pressed, "#cand-back")
    def action_back(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cand-submit")
    def action_submit(self) -> None:
        self.app.push_screen(ConfirmSubmitScreen(), callback=self._confirmed)

    def _confirmed(self, yes: bool | None) -> None:
        if yes:
            self.app.submit_test()


class ConfirmSubmitScreen(ModalScreen[bool]):
    """Yes or no: submit the test now."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", show=False),
        Binding("n,escape", "answer(False)", show=False),
    ]

    def compose(self) -> ComposeResult:
        app = self.app
        with Vertical(id="cand-confirm"):
            yield Static(app.test_text("confirm.j2", unanswered=len(app.unanswered()),
                                         flagged=len(app.flagged_positions())), id="cand-confirm-text")
            with Horizontal(id="cand-confirm-buttons"):
                yield Button(app.test_text("label.j2", label="yes"), id="cand-yes", variant="primary")
                yield Button(app.test_text("label.j2", label="no"), id="cand-no")
            yield Static(app.test_text("keys.j2", screen="confirm"), classes="cand-confirm-keys")

    def on_mount(self) -> None:
        self.query_one("#cand-no", Button).focus()  # the safe choice is the default

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed, "#cand-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cand-no")
    def _no(self) -> None:
        self.dismiss(False)


class LockedScreen(Screen):
    """Paused or interrupted: waiting for the invigilator; the app polls until the attempt runs again."""

    def compose(self) -> ComposeResult:
        yield TestBar(id="cand-bar")
        with Vertical(id="cand-locked-box"):
            yield Static(id="cand-locked")
        yield Static(self.app.test_text("keys.j2", screen="locked"), classes="cand-keys")

    def on_mount(self) -> None:
        self.show()

    def on_screen_resume(self) -> None:
        self.show()

    def show(self) -> None:
        try:
            text = self.query_one("#cand-locked", Static)
        except NoMatches:  # not composed yet: on_mount draws it
            return
        text.update(self.app.test_text("locked.j2", status=self.app.status))


class ResultScreen(Screen):
    """After submission: submitted, and the result once the invigilator releases it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.quit", show=False),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="cand-result-box"):
            yield Static(id="cand-result")
        yield Static(self.app.test_text("keys.j2", screen="result"), classes="cand-keys")

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        try:
            text = self.query_one("#cand-result", Static)
        except NoMatches:  # not composed yet: on_mount draws it
            return
        text.update(self.app.result_text())
