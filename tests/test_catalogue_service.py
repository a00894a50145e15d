"""Storing readings: one transaction per document, unchanged re-imports change nothing, changes make versions."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from tests.conftest import DOCUMENTS, ERRATA, SPECIFICATIONS, spec_path
from tutor.clock import FakeClock
from tutor.importer import parse_bytes, parse_path
from tutor.importer.errata import load_errata_dir
from tutor.services import catalogue as catalogue_module
from tutor.services.bundled import import_bundled
from tutor.services.catalogue import CatalogueService, NotFound
from tutor.storage import tables as t
from tutor.storage.engine import StorageError, open_database

SEVEN = {"601/4797/0", "600/1225/0", "600/1635/8", "600/1226/2", "603/2394/2", "600/5469/4", "603/5637/6"}


@pytest.fixture
def service(tmp_path):
    return CatalogueService(open_database(f"sqlite:///{tmp_path / 'tutor.db'}"), FakeClock().now)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "tutor.db"
    service = CatalogueService(open_database(f"sqlite:///{path}"), FakeClock().now)
    import_bundled(service, SPECIFICATIONS.parent)
    return service


def test_sqlite_is_opened_durable(service):
    with service.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_bundled_import_gives_seven_qualifications(loaded):
    quals = {q.number: q for q in loaded.qualifications()}
    assert set(quals) == SEVEN
    assert (quals["601/4797/0"].units, quals["601/4797/0"].outcomes, quals["601/4797/0"].criteria) == (39, 109, 535)
    assert quals["603/2394/2"].units == 13


def test_reimporting_all_five_leaves_every_row_count_unchanged(loaded):
    before = loaded.table_counts()
    results = import_bundled(loaded, SPECIFICATIONS.parent)
    assert {r.status for r in results} == {"unchanged"}
    assert loaded.table_counts() == before


def test_unit_in_several_qualifications_keeps_each_group(loaded):
    # Pearson's units sit in the Level 1, 2 and 3 qualifications in different groups.
    unit = loaded.unit("T/503/0342")
    assert [(p.qualification_number, p.group) for p in unit.placements][:2] == [("600/1225/0", "A"), ("600/1635/8", "A")]


def test_unit_lookup_by_code_and_reference(loaded):
    unit = loaded.unit("2794-210")
    assert unit.title == "Customer service principles"
    assert [o.kind for o in unit.outcomes] == ["knowledge"] * 4
    assert loaded.unit("a/506/2130").key == "A/506/2130"
    with pytest.raises(NotFound, match="no unit"):
        loaded.unit("Z/999/9999")


def test_2794_210_test_specification_is_stored(loaded):
    qual = loaded.qualification("603/2394/2")
    (test,) = qual.tests
    assert (test.total_questions, test.duration_minutes, test.pass_mark) == (25, 60, 18)
    assert [o.questions for o in test.outcomes] == [5, 5, 8, 7]


def test_changed_document_makes_a_new_version_and_keeps_the_old(service):
    errata = load_errata_dir(ERRATA)
    original = spec_path("gqa").read_text(encoding="utf-8")
    first = service.import_reading(parse_bytes(original.encode(), errata), "gqa.txt")
    old_unit = service.unit("CS1")
    old_text = old_unit.outcomes[0].criteria[0].text
    changed = original.replace(old_text, old_text + " in detail", 1)
    assert changed != original
    second = service.import_reading(parse_bytes(changed.encode(), errata), "gqa.txt")
    assert (first.status, first.version, second.status, second.version) == ("new", 1, "new version", 2)
    assert service.unit("CS1").outcomes[0].criteria[0].text == old_text + " in detail"
    with Session(service.engine) as session:
        texts = set(session.exec(select(t.Criterion.text).where(t.Criterion.text.startswith(old_text))).all())
        versions = session.exec(select(t.DocumentVersion.version, t.DocumentVersion.is_current)).all()
    assert texts == {old_text, old_text + " in detail"}
    assert sorted(versions) == [(1, False), (2, True)]
    assert len(service.qualifications()) == 1


def test_a_failed_import_writes_nothing(service, monkeypatch):
    reading = parse_path(spec_path("ymca"), ERRATA)
    real_write = catalogue_module._write_reading

    def write_then_fail(session, document_id, reading):
        real_write(session, document_id, reading)
        raise catalogue_module.SQLAlchemyError("database or disk is full")

    monkeypatch.setattr(catalogue_module, "_write_reading", write_then_fail)
    with pytest.raises(StorageError, match="disk is full"):
        service.import_reading(reading, "ymca.txt")
    assert set(service.table_counts().values()) == {0}


@pytest.mark.parametrize(
    "url",
    ["sqlite:////proc/no-such-dir/tutor.db", "not a url", "mysql://user@127.0.0.1:1/none"],
)
def test_unreachable_database_is_a_storage_error(url):
    with pytest.raises(StorageError):
        open_database(url)


def test_database_from_a_newer_tutor_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'tutor.db'}"
    engine = open_database(url)
    with Session(engine) as session:
        row = session.get(t.Meta, "schema_version")
        row.value = str(t.SCHEMA_VERSION + 1)
        session.add(row)
        session.commit()
    with pytest.raises(StorageError, match="newer"):
        open_database(url)


def test_every_document_is_stored_under_its_own_identity(loaded):
    with Session(loaded.engine) as session:
        identities = session.exec(select(t.DocumentVersion.identity)).all()
    assert len(identities) == len(DOCUMENTS)


def test_a_version_1_database_is_migrated_to_the_current_schema(tmp_path):
    from sqlalchemy import inspect

    url = f"sqlite:///{tmp_path / 'tutor.db'}"
    engine = open_database(url)
    with engine.begin() as connection:  # take it back to version 1's shape
        connection.exec_driver_sql("DROP INDEX ix_candidate_learner")
        connection.exec_driver_sql("ALTER TABLE candidate DROP COLUMN learner")
        connection.exec_driver_sql("CREATE INDEX ix_attempt_answer_attempt_id ON attempt_answer (attempt_id)")
        connection.exec_driver_sql("DROP TABLE item_status_change")
        connection.exec_driver_sql("DROP INDEX IF EXISTS ix_practice_exchange_coverage")
        for verb in ("update", "delete"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS practice_exchange_no_{verb}")
        connection.exec_driver_sql("ALTER TABLE practice_exchange DROP COLUMN contradicted")
        connection.exec_driver_sql("ALTER TABLE attempt DROP COLUMN viewing")
        connection.exec_driver_sql("DROP TABLE access_failure")
        connection.exec_driver_sql("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    engine.dispose()
    engine = open_database(url)
    schema = inspect(engine)
    assert {"item_status_change", "access_failure"} <= set(schema.get_table_names())
    assert {index["name"] for index in schema.get_indexes("access_failure")} >= {"ix_access_failure_address"}
    assert "contradicted" in {column["name"] for column in schema.get_columns("practice_exchange")}
    assert "viewing" in {column["name"] for column in schema.get_columns("attempt")}
    assert "learner" in {column["name"] for column in schema.get_columns("candidate")}
    assert {index["name"] for index in schema.get_indexes("candidate")} >= {"ix_candidate_learner"}
    assert "ix_attempt_answer_attempt_id" not in {index["name"] for index in schema.get_indexes("attempt_answer")}
    with Session(engine) as session:
        assert session.get(t.Meta, "schema_version").value == str(t.SCHEMA_VERSION) == "7"
