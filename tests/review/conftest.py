"""A small centre for the review tests: accounts of every role, two cohorts, practice and test evidence."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher

from tests.conftest import copy_database

PASSWORD = "correct horse battery"
QUALIFICATION = "603/2394/2"
UNIT = "2794-210"

# username -> role; tina assesses lee and lou, tom assesses max.
PEOPLE = {
    "ada": "admin", "tina": "tutor", "tom": "tutor", "ivy": "invigilator", "quinn": "iqa",
    "lee": "learner", "lou": "learner", "max": "learner",
}


def cheap_hasher() -> PasswordHasher:
    """argon2id with tiny parameters: the tests exercise the logic, not the cost."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@dataclass
class Centre:
    url: str
    engine: object
    clock: object
    accounts: object
    review: object
    practice: object
    sittings: object

    def actor(self, username: str):
        from tutor.domain.access import Actor

        return Actor(username, PEOPLE[username], username.title())


def build_centre(bank_url: str, tmp_path, clock) -> Centre:
    """The centre on a private copy of the SQLite bank database."""
    return build_centre_on(copy_database(bank_url, tmp_path / "centre.db"), clock)


def build_centre_on(url: str, clock) -> Centre:
    """The centre on a database of any kind that already holds the bundled catalogue and bank."""
    from tutor.practice.engine import Exchange
    from tutor.services.accounts import SETUP, AccountService
    from tutor.services.practice import PracticeService
    from tutor.services.review import ReviewService
    from tutor.services.sittings import SittingService
    from tutor.storage.engine import open_database

    engine = open_database(url)
    accounts = AccountService(engine, clock.now, cheap_hasher())
    for username, role in PEOPLE.items():
        accounts.add_user(SETUP, username, username.title(), role, PASSWORD)
    admin = _actor("ada")
    accounts.add_cohort(admin, "Tina's group", QUALIFICATION, "tina")
    accounts.enrol(admin, "Tina's group", ["lee", "lou"])
    accounts.add_cohort(admin, "Tom's group", QUALIFICATION, "tom")
    accounts.enrol(admin, "Tom's group", ["max"])
    practice = PracticeService(engine, clock.now)
    for learner, criterion, verdict, answer in (
        ("lee", "1.1", "secure", "Political, economic, social, technological, legal, environmental"),
        ("lee", "1.2", "partial", "It helps plan."),
        ("lou", "1.1", "thin", "[@click=app.quit]x[/] [bold]not bold"),
        ("max", "1.1", "secure", "PESTLE factors"),
    ):
        practice.record(learner, Exchange(QUALIFICATION, UNIT, criterion.split(".")[0], criterion, "Explain…",
                                          None, None, answer, verdict, (0,), 1, 12.0, "answer"))
        clock.advance(minutes=1)
    sittings = SittingService(engine, clock.now)
    return Centre(url, engine, clock, accounts, ReviewService(engine, clock.now), practice, sittings)


def _actor(username: str):
    from tutor.domain.access import Actor

    return Actor(username, PEOPLE[username], username.title())


def sit_test(centre: Centre, learners: dict[str, int]) -> int:
    """A sitting of 2794-210 where each learner answers their first N questions right, the rest wrong."""
    from tests.conftest import shown_keys

    service = centre.sittings
    sitting_id, start_code, _ = service.create_sitting(service.test_definition(UNIT), "ivy")
    for number, (learner, right) in enumerate(learners.items(), start=1):
        service.register_candidate(sitting_id, f"C{number:03}", learner.title(), "ivy", learner=learner)
        attempt = service.start(sitting_id, f"C{number:03}", start_code)
        keys = shown_keys(service, attempt)
        for position in range(1, 26):
            key = keys[position]
            wrong = next(letter for letter in "ABCD" if letter != key)
            service.save_answer(attempt, position, key if position <= right else wrong)
        service.submit(attempt)
    return sitting_id


@pytest.fixture
def centre(bank_url, tmp_path, clock) -> Centre:
    return build_centre(bank_url, tmp_path, clock)


@pytest.fixture
def busy_centre(centre):
    """A centre with a row in every append-only table: practice, a sitting (answers and evidence), a
    judgement, a decision, an IQA sample and review, an item sent to review."""
    from tutor.services.item_quality import ItemQualityService

    sit_test(centre, {"lee": 20})
    tina = centre.actor("tina")
    column = centre.review.criterion("603/2394/2", "2794-210", "1.1")
    unit_id = centre.review.unit_id("603/2394/2", "2794-210")
    exchange = next(r for r in centre.review.responses(tina, "lee", column.criterion_id) if r.source == "practice")
    centre.review.judge_evidence(tina, "lee", column.criterion_id, "practice", exchange.source_id, True, "EV-1", "fine")
    centre.review.decide(tina, "lee", unit_id, column.criterion_id, "competent")
    plan = centre.review.draw_sample(centre.actor("quinn"), "Tina's group", 100, 100, seed=1)
    entry = plan.entries[0]
    centre.review.iqa_review(centre.actor("quinn"), plan.plan_id, entry.learner, entry.unit_key, True, "agreed")
    ItemQualityService(centre.engine, centre.clock.now).send_to_review(centre.actor("ada"), "210-1.1-S12", "odd")
    return centre


# -- behind the program's back ------------------------------------------------------------------


def run_cli(*args, url):
    """``tutor ARGS`` in a subprocess, signed in as quinn (IQA) on the database at ``url``."""
    env = {k: v for k, v in os.environ.items() if k not in ("TUTOR_DEBUG",)}
    env.update(TUTOR_DATABASE_URL=url, TUTOR_USER="quinn", TUTOR_PASSWORD="correct horse battery")
    return subprocess.run([sys.executable, "-m", "tutor", *args], capture_output=True, text=True, env=env, timeout=120,
                          check=False)


def raw_db(url: str) -> sqlite3.Connection:
    return sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)


def drop_triggers(db: sqlite3.Connection) -> None:
    """What a person with the database file can do: the append-only triggers gone."""
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
        db.execute(f"DROP TRIGGER {name}")
