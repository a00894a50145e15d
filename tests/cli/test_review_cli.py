"""The review, account, audit and export verbs as a person runs them: subprocesses, one-line errors."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from tests.review.conftest import PASSWORD, build_centre, sit_test


def run(*args: str, url: str, user: str | None = None, password: str = PASSWORD, **extra_env):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTOR_")}
    env["TUTOR_DATABASE_URL"] = url
    if user is not None:
        env.update(TUTOR_USER=user, TUTOR_PASSWORD=password)
    env.update(extra_env)
    return subprocess.run([sys.executable, "-m", "tutor", *args], capture_output=True, text=True, env=env,
                          timeout=120, stdin=subprocess.DEVNULL, check=False)


@pytest.fixture(scope="module")
def centre(bank_url, tmp_path_factory):
    from tutor.clock import FakeClock

    centre = build_centre(bank_url, tmp_path_factory.mktemp("cli-review"), FakeClock())
    centre.sitting_id = sit_test(centre, {"lee": 22, "lou": 15, "max": 9})
    return centre


def one_line_error(result, *words):
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tutor: error: "), result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_a_database_with_accounts_needs_a_signed_in_user(centre):
    one_line_error(run("quals", url=centre.url), "sign in with --user")
    one_line_error(run("quals", url=centre.url, user="lee", password="wrong password!"), "wrong user name or password")
    assert run("quals", url=centre.url, user="lee").returncode == 0


@pytest.mark.parametrize(("args", "user", "allowed"), [
    (("user", "list"), "ada", True),
    (("user", "list"), "tina", False),
    (("review", "matrix", "--qualification", "603/2394/2", "--unit", "2794-210"), "tina", True),
    (("review", "matrix", "--qualification", "603/2394/2", "--unit", "2794-210"), "ivy", False),
    (("sitting", "status", "1"), "lee", False),
    (("audit", "verify"), "lee", False),
    (("audit", "verify"), "ada", True),
    (("iqa", "sample", "--cohort", "Tina's group", "--learners", "50", "--units", "10", "--seed", "7"), "tina", False),
    (("iqa", "sample", "--cohort", "Tina's group", "--learners", "50", "--units", "10", "--seed", "7"), "quinn", True),
])
def test_commands_obey_roles(centre, args, user, allowed):
    result = run(*args, url=centre.url, user=user)
    if allowed:
        assert result.returncode == 0, result.stderr
    else:
        one_line_error(result, "not allowed:", "may not")


def test_matrix_and_responses_and_decisions(centre):
    matrix = run("review", "matrix", "--qualification", "603/2394/2", "--unit", "2794-210", "--json",
                 url=centre.url, user="tina")
    data = json.loads(matrix.stdout)
    assert data["learners"] == ["lee", "lou"] and len(data["criteria"]) == 23
    responses = run("review", "responses", "--learner", "lee", "--qualification", "603/2394/2", "--unit",
                    "2794-210", "--criterion", "1.2", "--json", url=centre.url, user="tina")
    items = json.loads(responses.stdout)
    practice = next(i for i in items if i["source"] == "practice")
    judged = run("review", "judge", "--learner", "lee", "--qualification", "603/2394/2", "--unit", "2794-210",
                 "--criterion", "1.2", "--source", "practice", "--id", str(practice["source_id"]), "--accept",
                 "--reference", "EV-0100", url=centre.url, user="tina")
    assert judged.returncode == 0 and "Accepted" in judged.stdout, judged.stderr
    decided = run("review", "decide", "--learner", "lee", "--qualification", "603/2394/2", "--unit", "2794-210",
                  "--criterion", "1.2", "--decision", "competent", url=centre.url, user="tina")
    assert decided.returncode == 0 and "competent" in decided.stdout, decided.stderr
    one_line_error(run("review", "decide", "--learner", "lee", "--qualification", "603/2394/2", "--unit", "2794-210",
                       "--decision", "not_yet_competent", url=centre.url, user="tina"), "needs a comment")
    one_line_error(run("review", "matrix", "--qualification", "603/2394/2", "--since", "yesterday",
                       url=centre.url, user="tina"), "not a date")


def test_item_analysis_of_the_sitting(centre):
    result = run("sitting", "analyse", str(centre.sitting_id), "--json", url=centre.url, user="tina")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["candidates"] == 3 and len(data["items"]) >= 25  # each candidate sat their own form
    assert data["mean_score"] == pytest.approx((22 + 15 + 9) / 3)


@pytest.mark.parametrize("fmt", ["html", "csv", "json"])
def test_export_portfolio_carries_the_audit_head(centre, tmp_path, fmt):
    out = tmp_path / f"lee.{fmt}"
    result = run("export", "portfolio", "--learner", "lee", "--format", fmt, "--output", str(out),
                 url=centre.url, user="tina")
    assert result.returncode == 0, result.stderr
    head = result.stdout.split("audit head ")[1].split()[0]
    text = out.read_text(encoding="utf-8")
    assert head in text
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert {r["learner"] for r in rows} == {"lee"}
    again = run("export", "portfolio", "--learner", "lee", "--format", fmt, "--output", str(out),
                url=centre.url, user="tina")
    one_line_error(again, "exists")
    verify = run("audit", "verify", "--head", head, url=centre.url, user="ada")
    assert verify.returncode == 0 and "intact" in verify.stdout


def test_export_refuses_a_bad_output_path(centre, tmp_path):
    one_line_error(run("export", "portfolio", "--learner", "lee", "--format", "json", "--output",
                       str(tmp_path / "missing" / "x.json"), url=centre.url, user="tina"))


def test_user_add_and_login(centre):
    added = run("user", "add", "newtutor", "--role", "tutor", "--name", "New Tutor", url=centre.url, user="ada",
                TUTOR_NEW_PASSWORD="a long enough password")
    assert added.returncode == 0, added.stderr
    assert run("cohort", "list", url=centre.url, user="newtutor", password="a long enough password").returncode == 0
    one_line_error(run("user", "add", "x", "--role", "tutor", url=centre.url, user="ada"), "TUTOR_NEW_PASSWORD")
