"""Engines from a URL, the SQLite settings that make writes durable, and the schema version.

SQLite gets WAL, ``synchronous=FULL`` (a commit is on disk when it returns), foreign keys and
a busy timeout; any other database (PostgreSQL) is used as it comes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)
from sqlmodel import Session, SQLModel, create_engine, select

from tutor.rendering import bundled_text
from tutor.storage import tables
from tutor.storage.tables import SCHEMA_VERSION, Meta

BUSY_TIMEOUT_MS = 5000


class StorageError(Exception):
    """The database could not be opened or written; the message is one line for people."""


def storage_error(template: str, problem: str, /, **context) -> StorageError:
    """A StorageError whose one line is ``problem`` of ``templates/errors/storage/<template>.j2``: ``open``
    (a database that cannot be opened or prepared) or ``use`` (a read or write it refused)."""
    return StorageError(bundled_text(f"errors/storage/{template}.j2", problem=problem, **context))


def describe_db_error(exc: BaseException) -> str:
    """The first line of the driver's message (a full disk said in words people act on)."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    if "disk is full" in text or "No space left" in text:
        return bundled_text("errors/storage/use.j2", problem="disk_full")
    return text


def write_failed(what: str, exc: BaseException) -> StorageError:
    """The one-line error for a write that failed and was rolled back."""
    return storage_error("use", "write_failed", what=what, reason=describe_db_error(exc))


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the driver, emit BEGIN, so a write can take its lock up front.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def _sqlite_begin(conn) -> None:
    # A write transaction takes the write lock at BEGIN (IMMEDIATE): a deferred one that reads
    # and then writes can fail with SQLITE_BUSY at once, without waiting for busy_timeout.
    immediate = conn.get_execution_options().get("write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def write_session(engine: Engine) -> Session:
    """A session for one write transaction (BEGIN IMMEDIATE on SQLite)."""
    return Session(engine.execution_options(write=True))


class WriteTransaction:
    """``with WriteTransaction(engine, "save the answer") as session``: one write transaction;
    a database failure becomes a one-line StorageError saying nothing was saved."""

    def __init__(self, engine: Engine, what: str) -> None:
        self.session = write_session(engine)
        self.what = what

    def __enter__(self) -> Session:
        return self.session

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.session.close()
        if exc is not None and isinstance(exc, SQLAlchemyError):
            raise write_failed(self.what, exc) from None
        return False


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


@dataclass(frozen=True)
class Pool:
    """Connections one process keeps to a database server: ``size`` held open, up to ``overflow`` more
    while busy. PostgreSQL's ``max_connections`` must cover every process's size plus overflow."""

    size: int
    overflow: int


COMMAND_POOL = Pool(5, 10)
"""A command or the terminal app (SQLAlchemy's own default)."""
SESSION_POOL = Pool(1, 2)
"""One browser session of ``tutor serve``, a process of its own: one connection held for its screen's
once-a-second tick and saves, two more at most while a worker thread checks a password or loads practice.
A hundred candidates hold a hundred connections (see the README's "Running a centre")."""
CONNECT_TIMEOUT_SECONDS = 5
"""An unreachable database server is reported after this long, not after the operating system's minutes."""


def make_engine(url: str, create: bool = True, pool: Pool = COMMAND_POOL) -> Engine:
    """Build an engine and check the database is reachable; raise StorageError if not.

    A SQLite file that does not exist is created only when `create` is set, and only in a folder that exists:
    the command line lets the app's first run and `tutor import` create a database and nothing else, so a
    mistyped path never looks like an empty catalogue (the caller makes the default's own folder). ``pool``
    sizes the connection pool to a database server (SQLite's own is left as it is)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise storage_error("open", "not_url", url=url) from None
    shown = parsed.render_as_string(hide_password=True)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite and parsed.database and parsed.database != ":memory:" and "mode=memory" not in url:
        path = Path(parsed.database).expanduser()
        if not path.exists():
            if not create:
                raise storage_error("open", "no_database", path=path)
            if not path.parent.is_dir():
                raise storage_error("open", "no_folder", path=path)
    try:
        engine = create_engine(url, **({"pool_use_lifo": True} if is_sqlite else _server_options(parsed, pool)))
    except (NoSuchModuleError, ImportError) as exc:
        raise storage_error("open", "no_driver", shown=shown, error=exc, postgres="postgres" in shown) from None
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    try:
        with engine.connect():
            pass
    except SQLAlchemyError as exc:
        engine.dispose()
        raise storage_error("open", "cannot_open", shown=shown, reason=describe_db_error(exc)) from None
    return engine


def _server_options(parsed, pool: Pool) -> dict:
    """A database server's engine: a checked connection after a server restart (pre-ping), the pool sized
    for the process, and a bounded wait to connect."""
    options = {"pool_pre_ping": True, "pool_size": pool.size, "max_overflow": pool.overflow, "pool_timeout": 30}
    if parsed.get_backend_name() == "postgresql":
        options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS, "application_name": "tutor"}
    return options


def _append_only_triggers(engine: Engine) -> list[str]:
    """DDL that makes the append-only tables refuse UPDATE and DELETE (accidents; the hash chain
    of the audit log is what shows deliberate changes made around them)."""
    message = "append-only: rows of this table are never changed"
    if engine.dialect.name == "sqlite":
        return [f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                for table in tables.APPEND_ONLY_TABLES for verb in ("UPDATE", "DELETE")]
    if engine.dialect.name == "postgresql":
        statements = [f"CREATE OR REPLACE FUNCTION tutor_append_only() RETURNS trigger AS $$ BEGIN "
                      f"RAISE EXCEPTION '{message}'; END $$ LANGUAGE plpgsql"]
        for table in tables.APPEND_ONLY_TABLES:
            statements += [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
                           f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                           "FOR EACH ROW EXECUTE FUNCTION tutor_append_only()"]
        return statements
    return []


# Schema migrations: version -> statements that bring a database of the version before up to it.
# New tables need none (create_all adds them); new columns on existing tables do.
MIGRATIONS: dict[int, list[str]] = {
    2: ["ALTER TABLE candidate ADD COLUMN learner VARCHAR(60)"],
    3: ["DROP INDEX IF EXISTS ix_attempt_answer_attempt_id"],  # ix_attempt_answer_latest serves its queries
    4: [],  # item_status_change is a new table
    5: ["ALTER TABLE practice_exchange ADD COLUMN contradicted VARCHAR(400) NOT NULL DEFAULT '{}'"],
    6: ["ALTER TABLE attempt ADD COLUMN viewing INTEGER"],  # a resumed candidate lands on their question
    7: [],  # access_failure is a new table (wrong start codes and passwords, for the guessing limits)
}


def init_schema(engine: Engine) -> None:
    """Create missing tables, migrate an older schema, install the append-only triggers and record
    the schema version; refuse a database from a newer tutor."""
    assert tables  # the module's import registers every table with SQLModel.metadata
    try:
        with Session(engine) as session:
            existing = engine.dialect.has_table(session.connection(), "meta")
            row = session.exec(select(Meta).where(Meta.key == "schema_version")).first() if existing else None
            found = int(row.value) if row is not None else None
        if found is not None and found > SCHEMA_VERSION:
            raise storage_error("open", "newer_schema", found=found, version=SCHEMA_VERSION)
        SQLModel.metadata.create_all(engine)
        with engine.begin() as connection:
            for version in range(found + 1 if found else SCHEMA_VERSION + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS.get(version, []):
                    connection.exec_driver_sql(statement)
            # create_all adds missing tables, not indexes added to tables that already exist.
            for table in SQLModel.metadata.sorted_tables:
                for index in table.indexes:
                    index.create(connection, checkfirst=True)
            for statement in _append_only_triggers(engine):
                connection.exec_driver_sql(statement)
        if found != SCHEMA_VERSION:
            with Session(engine) as session:
                row = session.exec(select(Meta).where(Meta.key == "schema_version")).first()
                if row is None:
                    session.add(Meta(key="schema_version", value=str(SCHEMA_VERSION)))
                else:
                    row.value = str(SCHEMA_VERSION)
                    session.add(row)
                session.commit()
    except OperationalError as exc:
        raise storage_error("open", "cannot_prepare", reason=describe_db_error(exc)) from None


def open_database(url: str, create: bool = True, pool: Pool = COMMAND_POOL) -> Engine:
    """The database at `url` with its schema ready; `create` and `pool` as for make_engine."""
    engine = make_engine(url, create, pool)
    init_schema(engine)
    return engine


def open_prepared_database(url: str, pool: Pool = COMMAND_POOL) -> Engine:
    """The database at ``url`` as another process prepared it (``tutor serve`` before its browser sessions):
    its schema version is checked and nothing is changed. A hundred sessions starting at once must not each
    run the schema's DDL, which on PostgreSQL locks the tables the candidates are saving to."""
    engine = make_engine(url, create=False, pool=pool)
    try:
        with Session(engine) as session:
            existing = engine.dialect.has_table(session.connection(), "meta")
            row = session.exec(select(Meta).where(Meta.key == "schema_version")).first() if existing else None
    except SQLAlchemyError as exc:
        engine.dispose()
        raise storage_error("open", "cannot_read", reason=describe_db_error(exc)) from None
    if row is None or int(row.value) != SCHEMA_VERSION:
        engine.dispose()
        raise storage_error("open", "wrong_schema", found=None if row is None else row.value, version=SCHEMA_VERSION)
    return engine
