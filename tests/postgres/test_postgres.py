"""The product on PostgreSQL: the same services on a ``postgresql+psycopg://`` URL, with what only
PostgreSQL runs (the plpgsql append-only triggers, the advisory lock of the audit chain, the Core
answer transaction) checked against what SQLite gives."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from tests.review.conftest import QUALIFICATION, UNIT, build_centre_on, sit_test
from tutor.domain.audit import verify_chain
from tutor.services.item_quality import ItemQualityService
from tutor.storage import audit_log
from tutor.storage import tables as t
from tutor.storage.answer_writes import CoreAnswerTransaction
from tutor.storage.engine import open_database


def test_the_bundled_catalogue_imports_as_it_does_on_sqlite(postgres_url, bank_url):
    counts = {}
    for name, url in (("postgres", postgres_url), ("sqlite", bank_url)):
        engine = open_database(url)
        with engine.connect() as connection:
            counts[name] = {table.__tablename__: connection.execute(
                select(func.count()).select_from(table.__table__)).scalar_one()
                for table in (t.DocumentVersion, t.Qualification, t.Unit, t.Criterion, t.BankItem)}
        engine.dispose()
    assert counts["postgres"] == counts["sqlite"]
    assert counts["postgres"]["criterion"] > 3000


def test_a_whole_centre_on_postgres_tests_reviews_samples_and_verifies(postgres_url, clock):
    centre = build_centre_on(postgres_url, clock)
    assert centre.sittings.answer_transaction is CoreAnswerTransaction
    sitting_id = sit_test(centre, {"lee": 18, "lou": 17})
    centre.sittings.release_results(sitting_id, "ivy")
    results = {r.number: r.result for r in centre.sittings.results(sitting_id)}
    assert [(r.raw, r.passed) for _, r in sorted(results.items())] == [(18, True), (17, False)]
    review, tina, quinn = centre.review, centre.actor("tina"), centre.actor("quinn")
    column = review.criterion(QUALIFICATION, UNIT, "1.2")
    response = review.responses(tina, "lee", column.criterion_id)[0]
    review.judge_evidence(tina, "lee", column.criterion_id, "practice", response.source_id, True, "EV-1", "Good")
    review.decide(tina, "lee", review.unit_id(QUALIFICATION, UNIT), column.criterion_id, "competent")
    plan = review.draw_sample(quinn, "Tina's group", 100, 100, seed=1)
    entry = plan.entries[0]
    review.iqa_review(quinn, plan.plan_id, entry.learner, entry.unit_key, True, "Sound")
    analysis = review.analyse_sitting(centre.actor("ada"), sitting_id)
    assert analysis.candidates == 2
    quality = ItemQualityService(centre.engine, clock.now)
    statistics = {row.item_id: row.usage for row in quality.item_statistics(centre.actor("ada"), UNIT)}
    assert len(statistics) >= 25 and all(u.seen >= 1 for u in statistics.values())
    test = centre.sittings.test_definition(UNIT)
    held = centre.sittings._pool(test)[0].item_id
    quality.send_to_review(centre.actor("ada"), held, "facility 0.97")
    assert held not in {p.item_id for p in centre.sittings._pool(test)}
    portfolio = review.portfolio(tina, "lee")
    cut = list(audit_log.records(centre.engine))[-1]  # the export is itself logged, after the head it names
    assert (cut.kind, cut.prev_hash) == ("portfolio.cut", portfolio.audit_head)
    report = review.verify_audit(centre.actor("ada"))
    assert report.ok and report.entries == audit_log.head(centre.engine)[0] > 50

    # Every append-only table now has rows, and PostgreSQL's triggers refuse to change any of them.
    for table in t.APPEND_ONLY_TABLES:
        for statement in (f"UPDATE {table} SET id = id" if table != "audit_entry" else
                          "UPDATE audit_entry SET actor = actor", f"DELETE FROM {table}"):
            with pytest.raises(SQLAlchemyError, match="append-only"), centre.engine.begin() as connection:
                connection.execute(text(statement))
    centre.engine.dispose()


def test_concurrent_audit_appends_make_one_unbroken_chain(postgres_url, clock):
    """Eight writers at once: the advisory lock serialises them, so no entry is lost and none forks."""
    engine = open_database(postgres_url)
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(number: int) -> None:
        try:
            start.wait()
            for k in range(25):
                with engine.begin() as connection:
                    audit_log.append(connection, clock.now(), f"w{number}", "test.concurrency", f"w:{number}",
                                     {"k": k})
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    before = audit_log.head(engine)[0]
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = verify_chain(audit_log.records(engine))
    assert report.ok and report.entries == before + 200
    engine.dispose()


def test_candidates_saving_at_once_each_on_their_own_connection_lose_nothing(postgres_url, clock):
    """Eight candidates save answers at the same moments while the invigilator resumes another: every save and
    resume commits (the answer's audit entry takes the chain's advisory lock too), and the chain holds."""
    from tutor.domain.access import ADMIN, Actor
    from tutor.services.review import ReviewService
    from tutor.services.sittings import SittingService
    from tutor.storage.engine import Pool, open_prepared_database

    setup = SittingService(open_database(postgres_url), clock.now)
    sitting_id, start_code, invigilator_code = setup.create_sitting(setup.test_definition(UNIT), "ivy")
    for n in range(9):
        setup.register_candidate(sitting_id, f"C{n}", f"Candidate {n}", "ivy")
    paused = setup.start(sitting_id, "C8", start_code)
    errors: list[BaseException] = []
    start = threading.Barrier(9)

    def candidate(number: int) -> None:
        service = SittingService(open_prepared_database(postgres_url, Pool(1, 0)), clock.now)
        try:
            attempt = service.start(sitting_id, f"C{number}", start_code)
            start.wait()
            for position in range(1, 26):
                assert service.save_answer(attempt, position, "ABCD"[(number + position) % 4]).chosen
                service.heartbeat(attempt, position)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            service.engine.dispose()

    def invigilator() -> None:
        try:
            start.wait()
            for _ in range(10):
                setup.pause(paused, "ivy")
                setup.resume(paused, "ivy", invigilator_code)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=candidate, args=(n,)) for n in range(8)]
    threads.append(threading.Thread(target=invigilator))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    review, ada = ReviewService(setup.engine, clock.now), Actor("ada", ADMIN)
    assert review.verify_audit(ada).ok and review.verify_records(ada).ok
    assert all(sum(1 for q in setup.view(setup.attempt_id(sitting_id, f"C{n}")).questions if q.chosen) == 25
               for n in range(8))
    setup.engine.dispose()


def test_an_older_schema_is_migrated_on_postgres(postgres_url):
    engine = open_database(postgres_url)
    with engine.begin() as connection:  # take it back to version 1's shape
        connection.exec_driver_sql("DROP INDEX ix_candidate_learner")
        connection.exec_driver_sql("ALTER TABLE candidate DROP COLUMN learner")
        connection.exec_driver_sql("CREATE INDEX ix_attempt_answer_attempt_id ON attempt_answer (attempt_id)")
        connection.exec_driver_sql("DROP TABLE item_status_change")
        connection.exec_driver_sql("ALTER TABLE practice_exchange DROP COLUMN contradicted")
        connection.exec_driver_sql("ALTER TABLE attempt DROP COLUMN viewing")
        connection.exec_driver_sql("DROP TABLE access_failure")
        connection.exec_driver_sql("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    engine.dispose()
    engine = open_database(postgres_url)
    with engine.connect() as connection:
        version = connection.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar_one()
        columns = connection.execute(text("SELECT column_name FROM information_schema.columns "
                                          "WHERE table_name = 'candidate'")).scalars().all()
        exchange_columns = connection.execute(text("SELECT column_name FROM information_schema.columns "
                                                   "WHERE table_name = 'practice_exchange'")).scalars().all()
        assert "contradicted" in exchange_columns
        indexes = connection.execute(text("SELECT indexname FROM pg_indexes "
                                          "WHERE tablename = 'attempt_answer'")).scalars().all()
        throttle_indexes = connection.execute(text("SELECT indexname FROM pg_indexes "
                                                   "WHERE tablename = 'access_failure'")).scalars().all()
    assert {"ix_access_failure_target", "ix_access_failure_address"} <= set(throttle_indexes)
    assert version == str(t.SCHEMA_VERSION) and "learner" in columns
    assert "ix_attempt_answer_attempt_id" not in indexes
    engine.dispose()
