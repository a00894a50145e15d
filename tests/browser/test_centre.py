"""`tutor serve` in a browser: candidates start with the start code, answer, reload and find their answers
saved; an invigilator pauses one of two candidates from the command line; nothing the browser receives holds a
key, the database URL or the invigilator code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from dataclasses import dataclass

import pytest

from tests.browser.conftest import serve
from tests.conftest import copy_database

INVIGILATOR = "Ms Invigilator"
ANSWERS = {1: "B", 2: "D", 3: "A"}
RIGHT_KEY = re.compile(r"\b[ABCD] is right\b")  # how every item's rationale opens


@dataclass
class Centre:
    url: str  # the served page
    database_url: str
    sitting_id: int
    start_code: str
    invigilator_code: str


@pytest.fixture
def centre(bank_url, tmp_path):
    """A centre's database (a copy of the session's bank, in a folder whose name must never reach a browser),
    with one sitting of 2794-210, two candidates and a learner account; `tutor serve` on it."""
    from tutor.clock import SystemClock
    from tutor.services.accounts import SETUP, AccountService
    from tutor.services.sittings import SittingService
    from tutor.storage.engine import open_database

    folder = tmp_path / "private-db-folder-x7q2"
    folder.mkdir()
    database_url = copy_database(bank_url, folder / "centre.db")
    engine = open_database(database_url)
    sittings = SittingService(engine, SystemClock().now)
    sitting_id, start_code, invigilator_code = sittings.create_sitting(sittings.test_definition("2794-210"),
                                                                       INVIGILATOR)
    sittings.register_candidate(sitting_id, "C001", "Ann Candidate", INVIGILATOR)
    sittings.register_candidate(sitting_id, "C002", "Ben Candidate", INVIGILATOR)
    accounts = AccountService(engine, SystemClock().now)
    accounts.add_user(SETUP, "lee", "Lee Learner", "learner", "lee-password-1")
    accounts.add_user(SETUP, "ivy", INVIGILATOR, "invigilator", "ivy-password-1")
    engine.dispose()
    for served in serve(tmp_path, database_url):
        yield Centre(served.url, database_url, sitting_id, start_code, invigilator_code)


def start_test(tab, centre: Centre, number: str) -> str:
    tab.wait_for("Sit a test", timeout=30)
    tab.type(str(centre.sitting_id))
    tab.press("Enter")
    tab.type(number)
    tab.press("Enter")
    tab.type(centre.start_code)
    tab.press("Enter")
    return tab.wait_for_pattern(r"Question \d+ of 25|Waiting for the invigilator").group(0)


def answer(tab, position: int, letter: str) -> None:
    tab.press(letter.lower())
    tab.wait_for(f"Saved: answer {letter} to question {position}")


def invigilate(centre: Centre, *args: str) -> str:
    """`tutor sitting ...` as the invigilator runs it, signed in."""
    env = dict(os.environ, TUTOR_DATABASE_URL=centre.database_url, TUTOR_USER="ivy", TUTOR_PASSWORD="ivy-password-1")
    result = subprocess.run([sys.executable, "-m", "tutor", "sitting", *args],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def stored_answers(centre: Centre, number: str) -> dict[int, str]:
    from tutor.clock import SystemClock
    from tutor.services.sittings import SittingService
    from tutor.storage.engine import open_database

    engine = open_database(centre.database_url, create=False)
    service = SittingService(engine, SystemClock().now)
    view = service.view(service.attempt_id(centre.sitting_id, number))
    engine.dispose()
    return {q.position: q.chosen for q in view.questions if q.chosen}


def test_a_candidate_answers_three_reloads_and_finds_them_saved(centre, new_tab):
    tab = new_tab(centre.url)
    assert start_test(tab, centre, "C001") == "Question 1 of 25"
    for position, letter in ANSWERS.items():
        answer(tab, position, letter)
        if position < 3:
            tab.press("n")
    tab.wait_for("3 of 25 answered")
    tab.screenshot("centre-before-reload.png")

    tab.open(centre.url)  # the reload: the old session's process ends, a new one starts on the start screen
    # The attempt's client went away while its clock ran: it waits for the invigilator, clock stopped.
    assert start_test(tab, centre, "C001") == "Waiting for the invigilator"
    tab.wait_for("interrupted")
    invigilate(centre, "resume", str(centre.sitting_id), "--candidate", "C001", "--code", centre.invigilator_code)

    screen = tab.wait_for("3 of 25 answered")
    assert "Question 3 of 25" in screen  # back on the question the candidate had on screen
    assert re.search(r"● A\s", screen), screen  # question 3's saved answer is marked
    tab.press("p")
    tab.press("p")
    assert re.search(r"● B\s", tab.wait_for("Question 1 of 25"))
    path = tab.screenshot("centre-after-reload.png")
    assert path.stat().st_size > 10_000
    assert stored_answers(centre, "C001") == ANSWERS


def test_two_candidates_at_once_and_the_invigilator_pauses_one(centre, new_tab):
    ann, ben = new_tab(centre.url), new_tab(centre.url)
    assert start_test(ann, centre, "C001") == start_test(ben, centre, "C002") == "Question 1 of 25"
    answer(ann, 1, "C")
    answer(ben, 1, "A")
    assert "stopped" in invigilate(centre, "pause", str(centre.sitting_id), "--candidate", "C002",
                                   "--reason", "fire alarm test")
    ben.wait_for("paused by the invigilator")
    answer(ann, 1, "D")  # the other candidate carries on
    invigilate(centre, "resume", str(centre.sitting_id), "--candidate", "C002", "--code", centre.invigilator_code)
    ben.wait_for("Question 1 of 25")
    ben.press("n")
    answer(ben, 2, "B")
    ben.screenshot("centre-two-candidates.png")
    assert stored_answers(centre, "C001") == {1: "D"} and stored_answers(centre, "C002") == {1: "A", 2: "B"}


def test_a_wrong_start_code_and_a_learners_sign_in(centre, new_tab):
    tab = new_tab(centre.url)
    tab.wait_for("Sit a test", timeout=30)
    for text in (str(centre.sitting_id), "C001", "WRONG9"):
        tab.type(text)
        tab.press("Enter")
    tab.wait_for("that start code is not right for this sitting")
    tab.screenshot("centre-start-screen.png")
    tab.press("Tab")  # to the user name
    tab.type("lee")
    tab.press("Enter")
    tab.type("lee-password-1")
    tab.press("Enter")
    assert "603/2394/2" in tab.wait_for("Awarding body")


ANSI = re.compile(rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07]*\x07|[()][0-9A-B]|[=>])")


def received_text(frames: list[bytes]) -> str:
    return ANSI.sub(b"", b"".join(frames)).decode("utf-8", "replace")


def test_nothing_a_browser_receives_holds_a_key_the_database_url_or_the_invigilator_code(centre, new_tab):
    from tutor.clock import SystemClock
    from tutor.services.sittings import SittingService
    from tutor.storage.engine import open_database

    page = urllib.request.urlopen(centre.url).read().decode()
    statics = re.findall(r'(?:src|href)="(http://127\.0\.0\.1:\d+/static/[^"]+)"', page)
    assert statics and 'data-session-websocket-url="ws://127.0.0.1' in page
    served = page + "".join(urllib.request.urlopen(url).read().decode() for url in statics)

    ann = new_tab(centre.url)
    start_test(ann, centre, "C001")
    answer(ann, 1, "C")
    ann.press("n")
    ann.press("r")  # the review screen, then back
    ann.wait_for("Submit")
    ann.press("Escape")
    lee = new_tab(centre.url)
    lee.wait_for("Sign in", timeout=30)
    lee.press("Tab")
    lee.press("Tab")
    lee.press("Tab")
    lee.type("lee")
    lee.press("Enter")
    lee.type("lee-password-1")
    lee.press("Enter")
    lee.wait_for("Awarding body")
    streams = {"candidate": received_text(ann.received) + ann.text(), "learner": received_text(lee.received) + lee.text()}

    engine = open_database(centre.database_url, create=False)
    service = SittingService(engine, SystemClock().now)
    view = service.view(service.attempt_id(centre.sitting_id, "C001"))
    engine.dispose()
    first_words = " ".join(view.questions[0].stem.split()[:4])
    assert first_words in streams["candidate"] and "Ann Candidate" in streams["candidate"]  # the capture works
    assert "603/2394/2" in streams["learner"]

    forbidden = {"database URL": centre.database_url, "database folder": "private-db-folder-x7q2",
                 "invigilator code": centre.invigilator_code, "start code": centre.start_code}
    for name, received in {"page": served, **streams}.items():
        for what, secret in forbidden.items():
            assert secret not in received, f"the {name} holds the {what}"
        assert not RIGHT_KEY.search(received), f"the {name} holds an item's rationale, which names its key"
        assert '"key"' not in received and "rationale" not in received
    assert "?" not in ann.page.url and "private" not in ann.page.url
