"""scripts/centre-setup.sh, the README's "Running a centre" as a script, on the test server: a role with a
generated password, its database, the URL in a file only its owner reads, the first run, the first admin; run
twice, it creates nothing twice."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "centre-setup.sh"


@pytest.fixture
def names(postgres_server):
    """A role and a database of the test's own, dropped afterwards (and max_connections as it was)."""
    suffix = secrets.token_hex(3)
    role, database = f"centre_{suffix}", f"centre_db_{suffix}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    yield role, database
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        connection.exec_driver_sql("ALTER SYSTEM RESET max_connections")
    admin.dispose()


def setup(postgres_server: str, role: str, database: str, env_file: Path, max_connections: int):
    if shutil.which("psql") is None:
        pytest.skip("no psql on this machine (Debian: apt-get install postgresql-client)")
    server = make_url(postgres_server)
    psql = f"psql {make_url(postgres_server).set(drivername='postgresql').render_as_string(hide_password=False)}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTOR_")}
    return subprocess.run(
        ["bash", str(SCRIPT), "--role", role, "--database", database, "--db-host", server.host,
         "--db-port", str(server.port), "--env-file", str(env_file), "--max-connections", str(max_connections),
         "--psql", psql, "--tutor", f"{sys.executable} -m tutor"],
        capture_output=True, text=True, env=env, timeout=600)


def test_the_setup_script_makes_a_centre_database_ready_to_serve(postgres_server, names, tmp_path):
    role, database = names
    env_file = tmp_path / "centre.env"
    admin = create_engine(postgres_server)
    with admin.connect() as connection:
        current = int(connection.exec_driver_sql("SHOW max_connections").scalar_one())
    admin.dispose()

    first = setup(postgres_server, role, database, env_file, current + 1)
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"Created the role {role}" in first.stdout and f"Created the database {database}" in first.stdout
    assert f"max_connections will be {current + 1}" in first.stdout
    assert "is ready (schema, catalogue and question bank)" in first.stdout
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"
    url = env_file.read_text().strip().removeprefix("TUTOR_DATABASE_URL=")
    parsed = make_url(url)
    assert (parsed.username, parsed.database) == (role, database) and len(parsed.password) >= 24
    assert parsed.password not in first.stdout + first.stderr  # the database password is only in the file
    admin_password = re.search(r"The admin admin's password .*: (\S+)$", first.stdout, re.M).group(1)

    from tutor.clock import SystemClock
    from tutor.services.accounts import AccountService
    from tutor.services.catalogue import CatalogueService
    from tutor.storage.engine import open_prepared_database

    engine = open_prepared_database(url)
    with engine.connect() as connection:
        owner = connection.execute(text("SELECT pg_get_userbyid(datdba) FROM pg_database "
                                        "WHERE datname = current_database()")).scalar_one()
    assert owner == role
    assert len(CatalogueService(engine, SystemClock().now).qualifications()) == 7
    assert AccountService(engine, SystemClock().now).login("admin", admin_password).role == "admin"
    engine.dispose()

    again = setup(postgres_server, role, database, env_file, current + 1)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Keeping the database URL" in again.stdout and f"The role {role} exists already" in again.stdout
    assert "Accounts exist already: no admin added" in again.stdout
    assert env_file.read_text().strip().removeprefix("TUTOR_DATABASE_URL=") == url
