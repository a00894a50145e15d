"""Where tutor finds its bundled data and keeps its own: resolved once, by the caller.

Nothing here runs at import. An installed wheel carries ``question_bank/`` and ``templates/``
under ``tutor/_bundled/``; a source checkout (or an editable install) has them beside the
package. The default database is a SQLite file in the user's data directory.
"""

from __future__ import annotations

import os
from pathlib import Path

DATABASE_URL_ENV = "TUTOR_DATABASE_URL"
APP_NAME = "tutor"


def _bundled(name: str) -> Path:
    package = Path(__file__).resolve().parent
    for candidate in (package / "_bundled" / name, package.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled {name}/ not found beside {package}")


def bank_dir() -> Path:
    """The bundled ``question_bank/``: specification texts, errata, items."""
    return _bundled("question_bank")


def templates_dir() -> Path:
    """The bundled ``templates/``: every text shown to people."""
    return _bundled("templates")


def default_database_url(environ: dict[str, str] | None = None) -> str:
    """``TUTOR_DATABASE_URL`` if set, else a SQLite file in the user data directory."""
    environ = dict(os.environ) if environ is None else environ
    if environ.get(DATABASE_URL_ENV):
        return environ[DATABASE_URL_ENV]
    return f"sqlite:///{default_database_path()}"


def default_database_path() -> Path:
    """The embedded default's SQLite file, in the user's own data folder."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME) / "tutor.db"
