"""Fixtures for the interchange tests: the external corpus read in place (never copied into the project),
fresh databases to import into, and a service acting as the admin."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import copy_database

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "external" / "interchange"
XSD = CORPUS / "qti3" / "xsd"
UNIT = "2794-210"


def corpus(relative: str = "") -> Path:
    """A path in the interchange corpus; the test is skipped, saying why, when the corpus is absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"the interchange corpus is not at {CORPUS} (CI has it; it is never copied into the project)")
    return CORPUS / relative


@pytest.fixture
def admin():
    from tutor.domain.access import ADMIN, Actor

    return Actor("ada", ADMIN, "Ada")


def service_on(url: str):
    from tutor.clock import FakeClock
    from tutor.services.interchange import InterchangeService
    from tutor.storage.engine import open_database

    return InterchangeService(open_database(url), FakeClock().now)


@pytest.fixture
def empty_db(catalogue_url, tmp_path):
    """A database with the catalogue and no items at all: the target of a round trip."""
    return copy_database(catalogue_url, tmp_path / "empty.db")


@pytest.fixture
def bank_db(bank_url, tmp_path):
    """A private copy of the database with the bundled catalogue and question bank."""
    return copy_database(bank_url, tmp_path / "bank.db")


def counts(url: str) -> tuple[int, int]:
    """(bank items, audit entries): what an import may change."""
    import sqlite3

    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        return (connection.execute("select count(*) from bank_item").fetchone()[0],
                connection.execute("select count(*) from audit_entry").fetchone()[0])
    finally:
        connection.close()
