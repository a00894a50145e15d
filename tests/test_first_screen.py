"""The quick start's read (tutor.storage.first_screen, with sqlite3) gives what the catalogue service gives, and
the quick start (tutor.services.start) is taken only where the full start would just show the catalogue to the
database's one account."""

from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import SPECIFICATIONS, copy_database
from tutor.storage.first_screen import read_first_screen, sqlite_file

BANK = SPECIFICATIONS.parent


@pytest.fixture
def own_url(catalogue_url, tmp_path):
    """A copy of the catalogue database with sam's own account, as sam's first run leaves it."""
    from tutor.clock import FakeClock
    from tutor.services.accounts import AccountService
    from tutor.storage.engine import open_database

    url = copy_database(catalogue_url, tmp_path / "own.db")
    engine = open_database(url)
    AccountService(engine, FakeClock().now).personal_account("sam")
    engine.dispose()
    return url


def _execute(url: str, statement: str, *parameters) -> None:
    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    with connection:
        connection.execute(statement, parameters)
    connection.close()


def test_the_read_gives_the_catalogue_services_qualifications(catalogue_url):
    from tutor.clock import FakeClock
    from tutor.services.catalogue import CatalogueService
    from tutor.storage.engine import open_database

    found = read_first_screen(catalogue_url)
    expected = CatalogueService(open_database(catalogue_url), FakeClock().now).qualifications()
    assert len(expected) == 7 and found.qualifications == expected
    assert found.accounts == [] and found.meta["schema_version"] == "7"


def test_only_a_plain_sqlite_file_url_is_read(tmp_path):
    assert sqlite_file("sqlite:////tmp/x.db") == sqlite_file("sqlite+pysqlite:////tmp/x.db")
    assert str(sqlite_file("sqlite:////tmp/x.db")) == "/tmp/x.db"
    for url in ("postgresql+psycopg://u@h/db", "sqlite://", "sqlite:///:memory:", "sqlite:///~/x.db",
                "sqlite:///x.db?timeout=3", "sqlite:///file:x.db?mode=ro&uri=true", "sqlite:///a%20b.db"):
        assert sqlite_file(url) is None, url
        assert read_first_screen(url) is None
    assert read_first_screen(f"sqlite:///{tmp_path / 'missing.db'}") is None
    assert not (tmp_path / "missing.db").exists()  # never created
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    assert read_first_screen(f"sqlite:///{tmp_path / 'junk.db'}") is None


def test_another_schema_version_takes_the_full_start(catalogue_url, tmp_path):
    url = copy_database(catalogue_url, tmp_path / "old.db")
    _execute(url, "UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    assert read_first_screen(url) is None


def test_the_quick_start_is_the_one_accounts_own(own_url):
    from tutor.services.start import personal_start

    start = personal_start(own_url, BANK, "sam")
    assert (start.actor.username, start.actor.role) == ("sam", "learner")
    assert [q.number for q in start.qualifications] == [q.number for q in read_first_screen(own_url).qualifications]
    assert personal_start(own_url, BANK, "kim") is None  # someone else's login on sam's file: they sign in


def test_no_quick_start_where_the_full_start_does_more(catalogue_url, own_url, tmp_path):
    from tutor.services.start import personal_start

    assert personal_start(catalogue_url, BANK, "sam") is None  # no account yet: the first run makes it
    changed = tmp_path / "bank"
    changed.mkdir()
    assert personal_start(own_url, changed, "sam") is None  # another bundle: the loading screen runs
    _execute(own_url, "UPDATE user_account SET active = 0")
    assert personal_start(own_url, BANK, "sam") is None
    _execute(own_url, "UPDATE user_account SET active = 1")
    _execute(own_url, "INSERT INTO user_account (username, display_name, role, password_hash, created_at, created_by,"
             " failed_logins, active) VALUES ('kim', 'kim', 'learner', '!', '2026-01-01', 'setup', 0, 1)")
    assert personal_start(own_url, BANK, "sam") is None  # shared now: everyone signs in
