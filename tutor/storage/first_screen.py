"""What the home screen shows, read with the standard library's ``sqlite3`` before SQLAlchemy is loaded.

``tutor`` on a SQLite file draws its first screen from this read, and loads the engine, the tables and the
services behind it (about two thirds of its start-up). The read never writes and never creates anything: a
URL that is not a plain SQLite file, a file that does not exist, a schema of another version, or any SQLite
error gives None, and the caller takes the full path (:func:`tutor.storage.engine.open_database`, which
creates, migrates and checks). The queries give what :meth:`CatalogueService.qualifications
<tutor.services.catalogue.CatalogueService.qualifications>` gives (a test holds the two equal).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from tutor.storage.schema_version import SCHEMA_VERSION

_PREFIXES = ("sqlite:///", "sqlite+pysqlite:///")
_KNOWLEDGE = "knowledge"  # tutor.domain.catalogue.KNOWLEDGE (not imported: 30 ms of dataclasses at start-up)


@dataclass(frozen=True)
class QualificationCounts:
    """One qualification of a current document, with the sizes the home screen shows."""

    number: str
    title: str
    awarding_body: str
    level: int | None
    units: int
    outcomes: int
    criteria: int
    knowledge_criteria: int


@dataclass(frozen=True)
class AccountRow:
    username: str
    display_name: str
    role: str
    active: bool


@dataclass(frozen=True)
class FirstScreen:
    """The database's ``meta`` facts, its current qualifications, and its first two accounts (enough to
    tell none, exactly one, or more)."""

    meta: dict[str, str]
    qualifications: list[QualificationCounts]
    accounts: list[AccountRow]


def sqlite_file(url: str) -> Path | None:
    """The file a plain ``sqlite:///path`` URL names, or None for anything else (a server, memory, URI
    options, quoting or ``~``: the full path reads those as SQLAlchemy does)."""
    prefix = next((p for p in _PREFIXES if url.startswith(p)), None)
    if prefix is None:
        return None
    path = url[len(prefix):]
    if not path or path == ":memory:" or any(c in path for c in "?%~") or path.startswith("file:"):
        return None
    return Path(path)


_QUALIFICATIONS = """
SELECT q.id, q.number, q.title, q.awarding_body, q.level
FROM qualification q JOIN document_version d ON d.id = q.document_id
WHERE d.is_current ORDER BY d.id, q.position
"""
_UNITS = """
SELECT m.qualification_id, count(*) FROM unit_membership m GROUP BY m.qualification_id
"""
# As catalogue_queries.outcome_counts: outcomes with their criteria, by kind, over each qualification's units.
_OUTCOMES = """
SELECT m.qualification_id, o.kind, count(DISTINCT o.id), count(c.id)
FROM outcome o
JOIN unit_membership m ON m.unit_id = o.unit_id
JOIN criterion c ON c.outcome_id = o.id
GROUP BY m.qualification_id, o.kind
"""


def read_first_screen(url: str) -> FirstScreen | None:
    """The home screen's rows and the accounts of the SQLite file at ``url``, opened read-only; None where
    the full start must run (see the module's docstring)."""
    path = sqlite_file(url)
    if path is None or not path.is_file():
        return None
    try:
        connection = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("schema_version") != str(SCHEMA_VERSION):
            return None
        units = dict(connection.execute(_UNITS).fetchall())
        sizes: dict[int, list[int]] = {}
        for qualification, kind, outcomes, criteria in connection.execute(_OUTCOMES):
            entry = sizes.setdefault(qualification, [0, 0, 0])
            entry[0] += outcomes
            entry[1] += criteria
            entry[2] += criteria if kind == _KNOWLEDGE else 0
        qualifications = [
            QualificationCounts(number, title, body, level, units.get(id_, 0), *sizes.get(id_, (0, 0, 0)))
            for id_, number, title, body, level in connection.execute(_QUALIFICATIONS)
        ]
        accounts = [AccountRow(username, name, role, bool(active)) for username, name, role, active in
                    connection.execute("SELECT username, display_name, role, active FROM user_account "
                                       "ORDER BY id LIMIT 2")]
    except sqlite3.Error:
        return None
    finally:
        connection.close()
    return FirstScreen(meta, qualifications, accounts)
