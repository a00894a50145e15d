"""The invigilator's command line, run as a subprocess."""

from __future__ import annotations

import json
import re

import pytest

from tests.cli.test_cli import run
from tests.conftest import copy_database


@pytest.fixture(scope="module")
def db(bank_url, tmp_path_factory):
    return copy_database(bank_url, tmp_path_factory.mktemp("sitting") / "tutor.db")


@pytest.fixture(scope="module")
def sitting(db):
    result = run("sitting", "create", "--test", "2794-210", "--invigilator", "Ms Smith", db=db)
    assert result.returncode == 0, result.stderr
    sitting_id = re.search(r"^Sitting (\d+):", result.stdout).group(1)
    start = re.search(r"Start code for candidates: (\w+)", result.stdout).group(1)
    code = re.search(r"Invigilator code .*: (\w+)", result.stdout).group(1)
    assert "set by the awarding body" in result.stdout and "25 questions, 60 minutes, pass mark 18" in result.stdout
    for number, extra in (("C1", []), ("C2", ["--extra-time", "25", "--extra-time-reason", "JCQ 25%"])):
        added = run("sitting", "add-candidate", sitting_id, "--number", number, "--name", f"Name {number}",
                    "--invigilator", "Ms Smith", *extra, db=db)
        assert added.returncode == 0, added.stderr
    return sitting_id, start, code


def test_status_lists_candidates_and_arrangements(db, sitting):
    sitting_id, _, _ = sitting
    rows = json.loads(run("sitting", "status", sitting_id, "--json", db=db).stdout)
    assert [(r["number"], r["status"], r["extra_time_percent"]) for r in rows] == [
        ("C1", "not started", 0), ("C2", "not started", 25)]
    table = run("sitting", "status", sitting_id, db=db).stdout
    assert "C2" in table and "25%" in table


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("sitting", "status", "999"), "no sitting 999"),
        (("sitting", "create", "--test", "2794-999", "--invigilator", "X"), "no test specification for '2794-999'"),
        (("sitting", "add-candidate", "{id}", "--number", "C9", "--name", "N", "--extra-time", "25",
          "--invigilator", "X"), "extra time needs a reason"),
        (("sitting", "results", "{id}"), "have not been released"),
        (("sitting", "pause", "{id}", "--candidate", "C1", "--invigilator", "X"), "has not started"),
        (("sitting", "void", "{id}", "--candidate", "C1", "--invigilator", "X"), "required: --reason"),
        (("test", "--sitting", "{id}", "--candidate", "C1", "--start-code", "WRONG9"), "start code is not right"),
        (("sitting", "resume", "{id}", "--candidate", "C1", "--invigilator", "X"), "give the invigilator code"),
    ],
)
def test_bad_requests_get_one_line_and_a_nonzero_exit(db, sitting, args, message):
    sitting_id, _, _ = sitting
    result = run(*[a.replace("{id}", sitting_id) for a in args], db=db)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr


def test_release_and_audit_trail(db, sitting):
    sitting_id, _, _ = sitting
    assert run("sitting", "release", sitting_id, "--invigilator", "Ms Smith", db=db).returncode == 0
    results = run("sitting", "results", sitting_id, db=db)
    assert results.returncode == 0 and "C1 Name C1: no result (not started)" in results.stdout
    events = run("sitting", "events", sitting_id, db=db).stdout
    assert "sitting_created" in events and "results_released" in events and "JCQ 25%" in events


def test_an_admin_sends_an_item_to_review_and_item_statistics_list_every_item(tmp_path):
    url = f"sqlite:///{tmp_path / 'items.db'}"
    sent = run("bank", "to-review", "210-1.1-S12", "--reason", "facility 0.97 over 60 candidates", db=url)
    assert sent.returncode == 0, sent.stderr
    assert "Item 210-1.1-S12 sent back to review: no new form will draw it" in sent.stdout
    again = run("bank", "to-review", "210-1.1-S12", "--reason", "again", db=url)
    assert again.returncode == 1 and again.stderr.strip() == "tutor: error: item 210-1.1-S12 is already in review"
    missing = run("bank", "to-review", "210-9.9-S99", "--reason", "x", db=url)
    assert missing.returncode == 1 and "no item 210-9.9-S99 in the question bank" in missing.stderr
    no_reason = run("bank", "return", "210-1.1-S12", db=url)
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr
    stats = run("bank", "stats", "--items", "--json", db=url)
    assert stats.returncode == 0 and json.loads(stats.stdout) == []  # no sitting yet
    assert "No submitted attempts yet" in run("bank", "stats", "--items", db=url).stdout
    assert run("bank", "return", "210-1.1-S12", "--reason", "distractor C rewritten", db=url).returncode == 0


NUMBERS = [  # (command, with {v} where the number goes), what the field is called in the refusal
    (("sitting", "create", "--test", "2794-210", "--centre-set", "--questions", "{v}", "--minutes", "30",
      "--pass-mark", "5", "--invigilator", "X"), "a number of questions"),
    (("sitting", "create", "--test", "2794-210", "--centre-set", "--questions", "10", "--minutes", "{v}",
      "--pass-mark", "5", "--invigilator", "X"), "a test's minutes"),
    (("sitting", "create", "--test", "2794-210", "--centre-set", "--questions", "10", "--minutes", "30",
      "--pass-mark", "{v}", "--invigilator", "X"), "a pass mark"),
    (("sitting", "add-candidate", "{id}", "--number", "C77", "--name", "N", "--extra-time", "{v}",
      "--extra-time-reason", "JCQ", "--invigilator", "X"), "extra time in percent"),
    (("sitting", "add-time", "{id}", "--candidate", "C1", "--minutes", "{v}", "--reason", "r",
      "--invigilator", "X"), "added minutes"),
    (("sitting", "status", "{v}"), "an id"),
    (("test", "--sitting", "{v}", "--candidate", "C1", "--start-code", "X"), "an id"),
    (("iqa", "sample", "--cohort", "A", "--learners", "{v}", "--units", "10"), "a sampling percentage"),
    (("iqa", "sample", "--cohort", "A", "--learners", "10", "--units", "{v}"), "a sampling percentage"),
    (("iqa", "review", "--plan", "{v}", "--learner", "l", "--unit", "u", "--agree", "--comment", "c"), "an id"),
    (("review", "judge", "--learner", "l", "--qualification", "603/2394/2", "--unit", "2794-210", "--criterion",
      "1.1", "--source", "practice", "--id", "{v}", "--reject"), "an id"),
]
BAD = {"zero": "0", "negative": "-5", "huge": "99999999999999999999999", "not a number": "ten",
       "fractional": "2.5", "not a number at all": "nan"}


@pytest.mark.parametrize(("command", "field"), NUMBERS, ids=[f"{c[0]}-{c[1]}-{f}" for c, f in NUMBERS])
def test_every_number_a_person_types_is_bounded_with_a_one_line_reason(db, sitting, command, field):
    sitting_id, _, _ = sitting
    for label, value in BAD.items():
        if value == "0" and field in ("extra time in percent",):
            continue  # no extra time is a real answer
        args = [a.replace("{id}", sitting_id).replace("{v}", value) for a in command]
        result = run(*args, db=db)
        assert result.returncode != 0, (label, args, result.stdout)
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert f"({field}:" in result.stderr, (label, result.stderr)


def test_an_awarding_body_test_refuses_changed_questions_minutes_or_pass_mark(db):
    for option in ("--questions", "--minutes", "--pass-mark"):
        result = run("sitting", "create", "--test", "2794-210", option, "20", "--invigilator", "X", db=db)
        assert result.returncode != 0 and "set by the awarding body" in result.stderr, result.stderr
