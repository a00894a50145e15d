"""The schema version, on its own: the first screen's ``sqlite3`` read (:mod:`tutor.storage.first_screen`)
checks it without loading SQLModel and the tables. Bump it with the tables in :mod:`tutor.storage.tables`."""

SCHEMA_VERSION = 7
"""Bump when tables change; :func:`tutor.storage.engine.init_schema` refuses databases from a newer tutor."""
