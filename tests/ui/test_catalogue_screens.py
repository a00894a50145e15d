"""Pilot tests: a person walks the catalogue with the keyboard."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, OptionList

from tests.conftest import SPECIFICATIONS, make_app
from tutor.ui.screens import HomeScreen, LoadingScreen, QualificationScreen, UnitScreen


async def _wait_for(pilot, condition, what: str, seconds: float = 180) -> None:
    """Wait for `condition`: a first run loads the whole bundled bank, which takes a while on a busy machine."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            await pilot.pause()  # let the new screen finish mounting
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def test_home_to_unit_and_back(catalogue_url):
    app = make_app(catalogue_url)
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.screen, HomeScreen)
        table = app.screen.query_one(DataTable)
        numbers = [table.get_row_at(i)[0] for i in range(table.row_count)]
        assert len(numbers) == 7 and "603/2394/2" in numbers

        # Down to the City & Guilds diploma, open it.
        for _ in range(numbers.index("603/2394/2")):
            await pilot.press("down")
        await pilot.press("enter")
        assert isinstance(app.screen, QualificationScreen) and app.screen.number == "603/2394/2"
        options = app.screen.query_one(OptionList)
        unit_ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert unit_ids.count(None) == 2  # the mandatory and optional group headings
        assert "2794-210" in unit_ids

        # The first enabled option is the first unit; move to 2794-210 and open it.
        await pilot.press("down")
        while options.highlighted_option.id != "2794-210":
            await pilot.press("down")
        await pilot.press("enter")
        assert isinstance(app.screen, UnitScreen) and app.screen.key == "2794-210"
        kinds = [w.has_class("knowledge") for w in app.screen.query(".outcome")]
        assert kinds == [True, True, True, True]

        await pilot.press("escape")
        assert isinstance(app.screen, QualificationScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_unit_screen_tells_knowledge_from_competence(catalogue_url):
    app = make_app(catalogue_url)
    async with app.run_test(size=(120, 40)):
        await app.open_unit("2794-204")
        screen = app.screen
        kinds = ["knowledge" if w.has_class("knowledge") else "competence" for w in screen.query(".outcome")]
        assert kinds == ["knowledge", "knowledge", "competence", "competence", "competence"]
        heads = [str(w.render()) for w in screen.query(".outcome-head")]
        assert "COMPETENCE" in heads[2] and "workplace evidence" in heads[2]


async def test_document_text_is_shown_literally(catalogue_url):
    """Brackets in a criterion are text, not markup."""
    app = make_app(catalogue_url)
    async with app.run_test(size=(120, 40)):
        await app.open_unit("2794-201")
        texts = [str(w.render()) for w in app.screen.query(".criterion-text")]
        assert texts and all(texts)


async def test_first_run_imports_the_bundled_catalogue_with_progress(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'fresh.db'}")
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.screen, LoadingScreen)
        await _wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), "the home screen")
        assert app.screen.query_one(DataTable).row_count == 7


async def test_command_palette_opens_a_unit(catalogue_url):
    app = make_app(catalogue_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"2794-210")
        await _wait_for(pilot, lambda: "2794-210" in str(app.screen.query("CommandList").first().get_option_at_index(0).prompt)
                        if app.screen.query("CommandList") and app.screen.query("CommandList").first().option_count else False,
                        "a palette hit")
        await pilot.press("enter")
        await _wait_for(pilot, lambda: isinstance(app.screen, UnitScreen), "the unit screen")
        assert app.screen.key == "2794-210"


async def test_an_interrupted_first_run_is_completed_next_time(tmp_path):
    """A first run killed after one document: the next start imports the rest, keeping what was saved."""
    from tests.conftest import ERRATA, spec_path
    from tutor.clock import FakeClock
    from tutor.importer import parse_path
    from tutor.services.catalogue import CatalogueService
    from tutor.storage.engine import open_database

    url = f"sqlite:///{tmp_path / 'partial.db'}"
    partial = CatalogueService(open_database(url), FakeClock().now)
    partial.import_reading(parse_path(spec_path("gqa"), ERRATA), "gqa.txt")
    app = make_app(url)
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.screen, LoadingScreen)
        await _wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), "the home screen")
        assert app.screen.query_one(DataTable).row_count == 7
    assert partial.table_counts()["document_version"] == 5


async def test_a_bad_bundled_document_keeps_what_loaded_and_says_why(tmp_path):
    """A bundle with a broken document: the good ones load, the home screen opens, the error is shown."""
    import shutil

    from tests.conftest import SPECIFICATIONS, spec_path
    from tutor.clock import FakeClock
    from tutor.domain.access import Actor
    from tutor.paths import templates_dir
    from tutor.storage.engine import open_database
    from tutor.ui.app import TutorApp

    bank = tmp_path / "bank"
    shutil.copytree(SPECIFICATIONS.parent / "errata", bank / "errata")
    (bank / "specifications").mkdir()
    shutil.copy(spec_path("gqa"), bank / "specifications" / "a.txt")
    (bank / "specifications" / "b.txt").write_bytes(b"")
    app = TutorApp(open_database(f"sqlite:///{tmp_path / 'db.sqlite'}"), bank, templates_dir(), FakeClock(),
                   actor=Actor("learner", "learner"))
    async with app.run_test(size=(120, 40)) as pilot:
        await _wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), "the home screen")
        assert app.screen.query_one(DataTable).row_count == 1
        messages = [n.message for n in app._notifications]
        assert any("b.txt" in m and "empty" in m for m in messages), messages


async def test_practise_a_unit_from_its_screen(bank_url, tmp_path):
    """p on a unit opens the chat on its first criterion; an answer is stored as evidence."""
    from tests.conftest import copy_database
    from tutor.ui.practice import PracticeScreen

    app = make_app(copy_database(bank_url, tmp_path / "p.db"))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.open_unit("2794-210")
        await pilot.press("p")
        await _wait_for(pilot, lambda: isinstance(app.screen, PracticeScreen), "the practice screen")
        await pilot.press(*"no idea", "enter")
        await pilot.pause()
        rows = app.practice.exchanges(app.learner)
        assert [(r.unit_key, r.criterion_number, r.answer) for r in rows] == [("2794-210", "1.1", "no idea")]


async def test_continue_practice_from_the_home_screen(bank_url, tmp_path):
    from tests.conftest import copy_database
    from tutor.ui.practice import PracticeScreen

    app = make_app(copy_database(bank_url, tmp_path / "c.db"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")  # nothing practised yet: says so, stays home
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await app.open_unit("2794-210")
        await pilot.press("p")
        await _wait_for(pilot, lambda: isinstance(app.screen, PracticeScreen), "the practice screen")
        await pilot.press(*"no idea", "enter")
        await pilot.press("escape", "escape")
        await _wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), "home")
        await pilot.press("c")
        await _wait_for(pilot, lambda: isinstance(app.screen, PracticeScreen), "the practice screen again")
        order = [c.criterion for c in app.screen.engine.order]
        assert order[0] == "1.2" and order[-1] == "1.1"  # 1.1 was answered: the chat carries on from 1.2


async def test_a_personal_database_opens_signed_in_with_no_password_and_a_shared_one_asks(bank_url, tmp_path):
    """The embedded default as a newcomer meets it: the catalogue, as their own learner account, nothing to
    type. With --require-login the same new database creates the first accounts and asks for a password."""
    from tests.conftest import copy_database
    from tutor.clock import FakeClock
    from tutor.paths import templates_dir
    from tutor.storage.engine import open_database
    from tutor.ui.app import TutorApp
    from tutor.ui.login import LoginScreen

    from tests.review.conftest import cheap_hasher

    for require_login in (False, True):
        engine = open_database(copy_database(bank_url, tmp_path / f"own-{require_login}.db"))
        app = TutorApp(engine, SPECIFICATIONS.parent, templates_dir(), FakeClock(), os_user="sam",
                       hasher=cheap_hasher(), require_login=require_login)
        async with app.run_test(size=(120, 40)) as pilot:
            if require_login:
                await _wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), "the login screen")
                assert app.actor is None and app.screen.query("#first-run")
            else:
                await _wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), "the home screen")
                assert (app.actor.username, app.actor.role) == ("sam", "learner")
                assert not app.accounts.has_password("sam")


async def test_the_quick_start_shows_home_at_once_and_keys_pressed_before_the_services_wait(catalogue_url, tmp_path):
    """`tutor` on the person's own database: the home screen comes from the sqlite3 read with no engine; keys
    pressed at once (down, enter, c) wait for the services and then run, in order; the arrow moves at once."""
    import threading

    from tests.conftest import copy_database
    from tutor.clock import FakeClock
    from tutor.paths import templates_dir
    from tutor.services.accounts import AccountService
    from tutor.services.start import personal_start
    from tutor.storage.engine import open_database
    from tutor.ui.app import TutorApp

    url = copy_database(catalogue_url, tmp_path / "own.db")
    AccountService(open_database(url), FakeClock().now).personal_account("sam")
    start = personal_start(url, SPECIFICATIONS.parent, "sam")
    assert start is not None
    release = threading.Event()

    def open_engine():
        assert release.wait(60), "the test never let the services load"
        return open_database(url)

    app = TutorApp(None, SPECIFICATIONS.parent, templates_dir(), FakeClock(), os_user="sam", start=start,
                   open_engine=open_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.screen, HomeScreen) and app.engine is None and app.sub_title == "sam (learner)"
        table = app.screen.query_one(DataTable)
        second = table.get_row_at(1)[0]
        await pilot.press("down", "enter", "c")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen) and not app.services_ready  # waiting, not crashed
        assert table.cursor_row == 1  # the arrow key worked at once
        release.set()
        await _wait_for(pilot, lambda: isinstance(app.screen, QualificationScreen), "the qualification")
        assert app.screen.number == second and app.services_ready
        messages = [n.message for n in app._notifications]
        assert any("not practised a unit yet" in m for m in messages), messages  # c ran after enter
        await pilot.press("escape")
        await _wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), "home again")


@pytest.mark.parametrize(("failure", "said"), [
    ("storage", "tutor: error: could not open the database [x]: disk I/O error"),
    ("bug", "tutor: internal error: ValueError: boom (set TUTOR_DEBUG=1 for details)"),
])
async def test_a_quick_start_whose_services_fail_to_load_ends_with_one_line(catalogue_url, tmp_path, monkeypatch,
                                                                           failure, said):
    """The services load behind the first screen; if that fails the app ends with the one line the command line
    would have said, never a traceback."""
    from tests.conftest import copy_database
    from tutor.clock import FakeClock
    from tutor.paths import templates_dir
    from tutor.services.accounts import AccountService
    from tutor.services.start import personal_start
    from tutor.storage.engine import StorageError, open_database
    from tutor.ui.app import TutorApp

    monkeypatch.delenv("TUTOR_DEBUG", raising=False)
    url = copy_database(catalogue_url, tmp_path / "own.db")
    AccountService(open_database(url), FakeClock().now).personal_account("sam")
    start = personal_start(url, SPECIFICATIONS.parent, "sam")

    def open_engine():
        raise StorageError("could not open the database [x]: disk I/O error") if failure == "storage" else ValueError("boom")

    app = TutorApp(None, SPECIFICATIONS.parent, templates_dir(), FakeClock(), os_user="sam", start=start,
                   open_engine=open_engine)
    ended: list[tuple[int, str]] = []
    exit_app = app.exit
    app.exit = lambda return_code=0, message=None: (ended.append((return_code, message)),  # type: ignore[method-assign]
                                                    exit_app(return_code=return_code, message=message))
    async with app.run_test(size=(120, 40)) as pilot:
        await _wait_for(pilot, lambda: bool(ended), "the app to end")
    assert len(ended) == 1 and ended[0][0] == 1 and str(ended[0][1]).startswith(said), ended
