"""The hash-chained audit log: what verify catches, in memory and in the database, and the triggers."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from tests.review.conftest import drop_triggers, raw_db, run_cli
from tutor.domain.audit import GENESIS, AuditRecord, entry_hash, verify_chain
from tutor.storage.tables import APPEND_ONLY_TABLES


def chain(n: int) -> list[AuditRecord]:
    records, prev = [], GENESIS
    for seq in range(1, n + 1):
        fields = (f"2026-11-23T09:00:{seq:02}.000000+00:00", f"user{seq % 3}", "test.answer", f"attempt:{seq}",
                  f'{{"position":{seq}}}')
        digest = entry_hash(prev, seq, *fields)
        records.append(AuditRecord(seq, *fields, prev, digest))
        prev = digest
    return records


def edited(records, index, **change):
    out = list(records)
    out[index] = dataclasses.replace(out[index], **change)
    return out


def rehashed(records: list[AuditRecord]) -> list[AuditRecord]:
    """A forger's whole new chain: every hash recomputed."""
    out, prev = [], GENESIS
    for r in records:
        digest = entry_hash(prev, r.seq, r.at, r.actor, r.kind, r.subject, r.data)
        out.append(dataclasses.replace(r, prev_hash=prev, entry_hash=digest))
        prev = digest
    return out


RECORDS = chain(8)


@pytest.mark.parametrize(("name", "records", "broken", "words"), [
    ("an edited answer", edited(RECORDS, 3, data='{"position":99}'), 4, "altered"),
    ("an edited actor", edited(RECORDS, 0, actor="mallory"), 1, "altered"),
    ("an edited time", edited(RECORDS, 6, at="2026-11-23T08:00:00.000000+00:00"), 7, "altered"),
    ("a deleted entry", RECORDS[:2] + RECORDS[3:], 4, "does not follow"),
    ("two entries swapped", RECORDS[:4] + [RECORDS[5], RECORDS[4]] + RECORDS[6:], 6, ""),
    ("an entry moved to the end", RECORDS[:2] + RECORDS[3:] + [RECORDS[2]], 4, "does not follow"),
    ("seq renumbered after a deletion",
     RECORDS[:2] + [dataclasses.replace(r, seq=r.seq - 1) for r in RECORDS[3:]], 3, ""),
])
def test_verify_names_the_first_broken_link(name, records, broken, words):
    report = verify_chain(records)
    assert not report.ok, name
    assert report.broken_seq == broken, (name, report)
    assert words in report.problem


def test_an_intact_chain_verifies_with_its_head():
    report = verify_chain(RECORDS, anchored_head=RECORDS[4].entry_hash)
    assert report.ok and report.entries == 8 and report.head == RECORDS[-1].entry_hash


def test_a_rewritten_chain_is_caught_only_by_the_anchor():
    forged = rehashed(edited(RECORDS, 2, data='{"position":42}'))
    assert verify_chain(forged).ok  # consistent in itself
    report = verify_chain(forged, anchored_head=RECORDS[-1].entry_hash)
    assert not report.ok and "anchored head" in report.problem


def test_a_chain_cut_back_is_caught_by_the_anchor():
    assert not verify_chain(RECORDS[:5], anchored_head=RECORDS[-1].entry_hash).ok


def test_empty_chain_is_intact():
    assert verify_chain([]).ok and verify_chain([]).head == GENESIS


# -- in the database ----------------------------------------------------------------------------


def test_the_database_refuses_update_and_delete_on_append_only_tables(centre):
    from sqlalchemy import text

    from tests.review.conftest import sit_test

    sit_test(centre, {"lee": 20})  # test evidence too
    with centre.engine.connect() as connection:
        triggers = {name for (name,) in connection.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'"))}
        populated = [table for table in APPEND_ONLY_TABLES
                     if connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()]
    assert {f"{table}_no_{verb}" for table in APPEND_ONLY_TABLES for verb in ("update", "delete")} <= triggers
    assert {"audit_entry", "attempt_answer", "practice_exchange", "test_evidence"} <= set(populated)
    for table in populated:
        for statement in (f"UPDATE {table} SET rowid = rowid", f"DELETE FROM {table}"):
            with centre.engine.connect() as connection, pytest.raises((IntegrityError, OperationalError),
                                                                      match="append-only"):
                connection.execute(text(statement))


@pytest.mark.parametrize(("tamper", "expected"), [
    ("UPDATE audit_entry SET data = replace(data, 'secure', 'right') WHERE kind = 'practice.response' "
     "AND seq = (SELECT min(seq) FROM audit_entry WHERE kind = 'practice.response')", "altered"),
    ("UPDATE audit_entry SET actor = 'mallory' WHERE seq = 3", "entry 3 was altered"),
    ("DELETE FROM audit_entry WHERE seq = 5", "entry 6 does not follow entry 4"),
    ("UPDATE audit_entry SET seq = -seq WHERE seq IN (4, 5); UPDATE audit_entry SET seq = 5 WHERE seq = -4; "
     "UPDATE audit_entry SET seq = 4 WHERE seq = -5", "entry 4"),
])
def test_audit_verify_names_the_tampered_row(centre, tamper, expected):
    intact = run_cli("audit", "verify", url=centre.url)
    assert intact.returncode == 0, intact.stderr
    assert "intact" in intact.stdout
    db = raw_db(centre.url)
    drop_triggers(db)
    db.executescript(tamper)
    db.close()
    result = run_cli("audit", "verify", url=centre.url)
    assert result.returncode == 1
    assert "BROKEN" in result.stdout and expected in result.stdout, result.stdout


def test_audit_verify_against_an_exported_head_catches_a_rewrite(centre):
    from tutor.storage import audit_log

    _, head = audit_log.head(centre.engine)
    # A forger rewrites the last entry and recomputes its hash: the chain is consistent again.
    db = raw_db(centre.url)
    drop_triggers(db)
    seq, prev, at, actor, kind, subject = db.execute(
        "SELECT seq, prev_hash, at, actor, kind, subject FROM audit_entry ORDER BY seq DESC LIMIT 1").fetchone()
    forged_data = '{"forged":true}'
    db.execute("UPDATE audit_entry SET data = ?, entry_hash = ? WHERE seq = ?",
               (forged_data, entry_hash(prev, seq, at, actor, kind, subject, forged_data), seq))
    db.close()
    unanchored = run_cli("audit", "verify", url=centre.url)  # the chain holds; the records it spoke for do not
    assert unanchored.returncode == 1 and "Audit log intact" in unanchored.stdout
    assert "does not say which practice_exchange row it records" in unanchored.stdout, unanchored.stdout
    result = run_cli("audit", "verify", "--head", head, url=centre.url)
    assert result.returncode == 1 and "anchored head" in result.stdout


def test_every_kind_of_event_is_chained(centre):
    """Responses, decisions, invigilator actions and logins all land in the chain."""
    from tests.review.conftest import PASSWORD, sit_test
    from tutor.storage import audit_log

    centre.accounts.login("tina", PASSWORD)
    sit_test(centre, {"lee": 20})
    column = centre.review.criterion("603/2394/2", "2794-210", "1.1")
    unit_id = centre.review.unit_id("603/2394/2", "2794-210")
    centre.review.decide(centre.actor("tina"), "lee", unit_id, column.criterion_id, "competent")
    kinds = {r.kind for r in audit_log.records(centre.engine)}
    assert {"login.ok", "practice.response", "test.answer", "test.started", "test.submitted",
            "test.candidate_registered", "decision.recorded", "user.added", "cohort.added"} <= kinds
    assert verify_chain(audit_log.records(centre.engine)).ok


# -- the records the chain vouches for ----------------------------------------------------------


TAMPERING = [
    # (what a person with the database file does, with the triggers dropped; what verify must name)
    ("UPDATE attempt_answer SET chosen = CASE chosen WHEN 'A' THEN 'B' ELSE 'A' END WHERE id = 3",
     "attempt_answer row 3: chosen is"),
    ("DELETE FROM attempt_answer WHERE id = (SELECT max(id) FROM attempt_answer)", "attempt_answer row"),
    ("INSERT INTO attempt_answer (attempt_id, position, bank_item_id, chosen, flagged, saved_at, active_seconds) "
     "SELECT attempt_id, position, bank_item_id, chosen, flagged, saved_at, active_seconds + 1 FROM attempt_answer "
     "WHERE id = 1", "has no audit entry"),
    ("UPDATE test_evidence SET correct = 1 - correct WHERE id = 25", "test_evidence row 25: correct is"),
    ("DELETE FROM test_evidence WHERE id = 7", "test_evidence row 7 is missing"),
    ("UPDATE practice_exchange SET verdict = 'secure' WHERE verdict = 'partial'", "practice_exchange row 2: verdict"),
    ("UPDATE practice_exchange SET answer = 'Something else entirely' WHERE id = 1",
     "practice_exchange row 1: answer_sha256"),
    ("INSERT INTO practice_exchange (learner, qualification, unit_key, outcome_number, criterion_number, prompt, "
     "answer, verdict, matched, contradicted, hints_used, seconds, turn, mode, at) SELECT learner, qualification, "
     "unit_key, outcome_number, criterion_number, prompt, answer, verdict, matched, contradicted, hints_used, "
     "seconds, turn, mode, at FROM practice_exchange WHERE id = 1", "practice_exchange row 5 has no audit entry"),
    ("UPDATE evidence_decision SET accepted = 0", "evidence_decision row 1: accepted is False"),
    ("UPDATE evidence_decision SET reference = 'EV-9'", "evidence_decision row 1: reference is 'EV-9'"),
    ("UPDATE assessment_decision SET decision = 'not_yet_competent'", "assessment_decision row 1: decision"),
    ("DELETE FROM assessment_decision", "assessment_decision row 1 is missing"),
    ("UPDATE iqa_review SET agree = 0", "iqa_review row 1: agree is False"),
    ("UPDATE sample_plan SET seed = 2", "sample_plan row 1: seed is 2"),
    ("UPDATE item_status_change SET reason = 'nothing'", "item_status_change row 1: reason is 'nothing'"),
    # Results recomputed from the chain alone: the attempt table has no trigger to drop.
    # (lee's attempt, the one scoring 20: the centre may hold other sittings' attempts too)
    ("UPDATE attempt SET raw_score = 23 WHERE raw_score = 20", ": raw_score is 23 but audit entry"),
    ("UPDATE attempt SET passed = 0 WHERE raw_score = 20", ": passed is False but its score 20 against the pass mark of 18"),
]


def test_audit_verify_says_the_records_match_when_nobody_has_touched_them(busy_centre):
    result = run_cli("audit", "verify", url=busy_centre.url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Records match the audit log" in result.stdout
    db = raw_db(busy_centre.url)
    for table in ("attempt_answer", "test_evidence", "practice_exchange", "evidence_decision",
                  "assessment_decision", "sample_plan", "iqa_review", "item_status_change"):
        (count,) = db.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert count and f"{table} {count}" in result.stdout, (table, count, result.stdout)
    (submitted,) = db.execute("SELECT count(*) FROM attempt WHERE status = 'submitted'").fetchone()
    assert submitted and f"results {submitted}, portfolios 3." in result.stdout, result.stdout  # lee, lou, max
    db.close()


@pytest.mark.parametrize(("tamper", "expected"), TAMPERING)
def test_audit_verify_names_a_record_changed_deleted_or_added_behind_the_programs_back(busy_centre, tamper,
                                                                                       expected):
    """The chain is intact (nobody touched it), but the row no longer says what the chain recorded."""
    db = raw_db(busy_centre.url)
    drop_triggers(db)
    db.executescript(tamper)
    db.close()
    result = run_cli("audit", "verify", url=busy_centre.url)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Audit log intact" in result.stdout and "Records do NOT match" in result.stdout
    assert expected in result.stdout, result.stdout
