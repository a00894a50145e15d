"""Portfolios recomputed from the audit chain alone: a clean centre agrees with the tables' portfolios; a record
moved or changed behind the program's back is named as a portfolio difference (learner, qualification,
criterion, field, both values), and so is one the per-row check would catch first."""

from __future__ import annotations

import json
import re

import pytest

from tests.review.conftest import QUALIFICATION, UNIT, drop_triggers, raw_db, run_cli
from tutor.domain.audit import AuditRecord, entry_hash
from tutor.domain.portfolio_standing import PORTFOLIO_KINDS, ChainPortfolios, Layout, first_difference, flatten
from tutor.storage import audit_log

PLACE = rf"{re.escape(UNIT)} \d+\.\d+"


def _tamper(centre, script: str) -> None:
    db = raw_db(centre.url)
    drop_triggers(db)
    db.executescript(script)
    db.close()


def _portfolio_problem(centre) -> tuple[int, str]:
    """The portfolio comparison alone (what verify runs after the row and result checks pass)."""
    chain = ChainPortfolios()
    for entry in audit_log.records(centre.engine):
        if entry.kind in PORTFOLIO_KINDS:
            chain.read(entry, json.loads(entry.data))
    return centre.review._compare_portfolios(centre.actor("quinn"), chain)


def test_a_clean_centre_s_portfolios_are_what_the_chain_says(busy_centre):
    compared, problem = _portfolio_problem(busy_centre)
    assert (compared, problem) == (3, "")  # lee, lou, max in their cohorts' qualification
    assert busy_centre.review.verify_records(busy_centre.actor("quinn")).checked["portfolios"] == 3


def test_test_evidence_moved_to_another_learner_is_named_by_the_portfolio_check(busy_centre):
    """The per-row check compares what the row says about the answer; whose portfolio it joins is the
    portfolio check's: lee's answer moved to lou leaves lee's portfolio short of what the chain recorded."""
    _tamper(busy_centre, "UPDATE test_evidence SET learner = 'lou' WHERE id = 7")
    result = run_cli("audit", "verify", url=busy_centre.url)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Audit log intact" in result.stdout and "Records do NOT match" in result.stdout
    assert re.search(rf"portfolio of lee in {re.escape(QUALIFICATION)}, {PLACE}: evidence\[test 7\] is "
                     r"'\(absent\)' in the records but 'present' by the audit chain", result.stdout), result.stdout


TAMPERING = [
    # (behind the program's back; the portfolio field named, with the stored value then the chain's)
    ("UPDATE assessment_decision SET decision = 'not_yet_competent'",
     rf"lee in {re.escape(QUALIFICATION)}, {re.escape(UNIT)} 1\.1: decision\.decision is 'not_yet_competent' in the "
     r"records but 'competent'"),
    ("UPDATE assessment_decision SET assessor = 'tom'", r"1\.1: decision\.assessor is 'tom' in the records but 'tina'"),
    ("DELETE FROM assessment_decision", r"lee .*1\.1: decision is None in the records but 'recorded'"),
    ("UPDATE evidence_decision SET accepted = 0",
     r"1\.1: evidence\[practice 1\]\.accepted is False in the records but True"),
    ("UPDATE evidence_decision SET reference = 'EV-9'", r"evidence\[practice 1\]\.reference is 'EV-9' in the records"),
    ("UPDATE iqa_review SET agree = 0",
     r"lee in .*, 2794-\d+: iqa\[0\]\.agree is False in the records but True"),
    ("UPDATE practice_exchange SET verdict = 'secure' WHERE verdict = 'partial'",
     r"lee .*1\.2: evidence\[practice 2\]\.mark is 'secure' in the records but 'partial'"),
    ("UPDATE practice_exchange SET answer = 'Something else' WHERE id = 1",
     r"1\.1: evidence\[practice 1\]\.answer_sha256 is '[0-9a-f]{64}' in the records"),
    ("UPDATE practice_exchange SET learner = 'lou' WHERE id = 1", r"lee .*1\.1: evidence\[practice 1\] is '\(absent\)'"),
    ("UPDATE test_evidence SET correct = 1 - correct WHERE id = 25",
     r"evidence\[test 25\]\.mark is 'correct' in the records but 'incorrect'"),
]


@pytest.mark.parametrize(("tamper", "expected"), TAMPERING)
def test_the_portfolio_check_names_a_changed_record_in_portfolio_terms(busy_centre, tamper, expected):
    """Whatever the per-row check finds first, the portfolio check on its own names the same change as
    the learner's portfolio sees it."""
    _tamper(busy_centre, tamper)
    _, problem = _portfolio_problem(busy_centre)
    assert re.search(expected, problem), problem


def _strip_learner_from_finish_entries(url: str) -> None:
    """Make the chain as a release before finish entries named the learner wrote it: the field removed and
    every hash from there on recomputed (a consistent chain, as that release left it)."""
    db = raw_db(url)
    drop_triggers(db)
    rows = db.execute("SELECT seq, at, actor, kind, subject, data, prev_hash FROM audit_entry ORDER BY seq").fetchall()
    prev = None
    for seq, at, actor, kind, subject, data, stored_prev in rows:
        prev = stored_prev if prev is None else prev
        if kind in ("test.submitted", "test.expired"):
            data = json.dumps({k: v for k, v in json.loads(data).items() if k != "learner"}, sort_keys=True,
                              separators=(",", ":"), ensure_ascii=False)
        digest = entry_hash(prev, seq, at, actor, kind, subject, data)
        db.execute("UPDATE audit_entry SET data = ?, prev_hash = ?, entry_hash = ? WHERE seq = ?",
                   (data, prev, digest, seq))
        prev = digest
    db.close()


def test_finish_entries_written_before_they_named_the_learner_still_verify(busy_centre):
    """Older finish entries do not name the learner: the chain's registration and start entries say whose
    attempt it was, so those portfolios verify and a moved answer is still named."""
    _strip_learner_from_finish_entries(busy_centre.url)
    assert not any("learner" in json.loads(r.data) for r in audit_log.records(busy_centre.engine)
                   if r.kind == "test.submitted")
    clean = run_cli("audit", "verify", url=busy_centre.url)
    assert clean.returncode == 0 and "portfolios 3." in clean.stdout, clean.stdout + clean.stderr
    _tamper(busy_centre, "UPDATE test_evidence SET learner = 'max' WHERE id = 3")
    result = run_cli("audit", "verify", url=busy_centre.url)
    assert result.returncode == 1 and "portfolio of lee" in result.stdout and "evidence[test 3]" in result.stdout


# -- the pure parts -------------------------------------------------------------------------------


def _entry(seq: int, kind: str, subject: str, actor: str, data: dict) -> AuditRecord:
    return AuditRecord(seq, f"2026-11-23T09:00:{seq:02}.000000+00:00", actor, kind, subject, json.dumps(data), "", "")


def test_the_chain_s_standing_follows_corrections_and_earlier_versions_of_a_criterion():
    chain = ChainPortfolios()
    layout = Layout({11: "U 1.1", 21: "U 1.1", 12: "U 1.2"}, ("U",))  # 21: criterion 1.1 in an earlier version
    for entry in (
        _entry(1, "practice.response", "learner:lee", "lee", {"criterion_id": 21, "exchange": 5, "verdict": "secure",
                                                               "hints": 1, "answer_sha256": "ab", "turn": "answer"}),
        _entry(2, "practice.response", "learner:lee", "lee", {"criterion_id": 12, "exchange": 6, "verdict": None,
                                                               "hints": 0, "answer_sha256": "cd", "turn": "command"}),
        _entry(3, "decision.recorded", "learner:lee", "tina", {"unit": "U", "criterion": 11, "decision": "competent",
                                                                "comment": "", "supersedes": None, "decision_id": 1}),
        _entry(4, "decision.recorded", "learner:lee", "tina", {"unit": "U", "criterion": 21, "decision": "competent",
                                                                "comment": "again", "supersedes": 1, "decision_id": 2}),
        _entry(5, "decision.recorded", "learner:lee", "tina", {"unit": "V", "criterion": None, "decision": "competent",
                                                                "comment": "", "supersedes": None, "decision_id": 3}),
    ):
        chain.read(entry, json.loads(entry.data))
    standing = chain.standing("lee", layout)
    flat = flatten(standing)
    assert flat[("U 1.1", "evidence[practice 5].mark")] == "secure"
    assert ("U 1.2", "evidence[practice 6]") not in flat  # a command is not a response
    assert flat[("U 1.1", "decision.id")] == 2 and flat[("U 1.1", "history[0].id")] == 1
    assert flat[("U", "decision")] is None  # unit V is not in this qualification
    assert chain.standing("lou", layout)["U 1.1"]["decision"] is None
    edited = standing["U 1.1"]["history"][0] | {"comment": "edited"}
    changed = standing | {"U 1.1": standing["U 1.1"] | {"history": [edited]}}
    assert first_difference(changed, standing, ["U", "U 1.1", "U 1.2"]) == ("U 1.1", "history[0].comment", "edited",
                                                                           "")
    assert first_difference(standing, standing, []) is None
