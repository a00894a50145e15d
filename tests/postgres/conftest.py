"""PostgreSQL for the tests that need one: ``TUTOR_TEST_POSTGRES_URL`` names a server and a database
the tests may connect to in order to create and drop their own (``.ci/run`` starts one when it can).
Without it the tests here are skipped, with the reason shown."""

from __future__ import annotations

import os
import secrets

import pytest

SERVER_ENV = "TUTOR_TEST_POSTGRES_URL"


def _server_url() -> str:
    url = os.environ.get(SERVER_ENV, "")
    if not url:
        pytest.skip(f"no PostgreSQL server: set {SERVER_ENV} (e.g. postgresql+psycopg://user@127.0.0.1:5432/postgres)")
    return url


def _admin(url: str):
    from sqlalchemy import create_engine

    return create_engine(url, isolation_level="AUTOCOMMIT")


def create_database(server_url: str, template: str | None = None) -> str:
    """A new, uniquely named database on the server (copied from ``template`` if given); its URL."""
    from sqlalchemy.engine import make_url

    name = f"tutor_test_{secrets.token_hex(4)}"
    admin = _admin(server_url)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, url: str) -> None:
    from sqlalchemy.engine import make_url

    admin = _admin(server_url)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> str:
    return _server_url()


@pytest.fixture(scope="session")
def postgres_bank(postgres_server):
    """A database holding the bundled catalogue and question bank, imported once per session;
    tests copy it (CREATE DATABASE ... TEMPLATE) rather than change it."""
    from sqlalchemy.engine import make_url

    from tutor.clock import FakeClock
    from tutor.paths import bank_dir, templates_dir
    from tutor.services.bundled import import_bundled
    from tutor.services.catalogue import CatalogueService
    from tutor.storage.engine import open_database

    url = create_database(postgres_server)
    engine = open_database(url)
    import_bundled(CatalogueService(engine, FakeClock().now), bank_dir(), templates=templates_dir())
    engine.dispose()  # a template database must have no connections
    yield make_url(url).database
    drop_database(postgres_server, url)


@pytest.fixture
def postgres_url(postgres_server, postgres_bank):
    """A private copy of the bank database for one test."""
    url = create_database(postgres_server, template=postgres_bank)
    yield url
    drop_database(postgres_server, url)
