"""``tutor`` alone: open the app in this terminal."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tutor.cli.database import bank_folder, database_url, open_command_database, requires_login

if TYPE_CHECKING:
    from tutor.ui.app import TutorApp


def build_app(args: argparse.Namespace, os_user: str | None = None) -> TutorApp:
    """The app ``tutor`` runs on the command's database, for ``os_user`` (the operating-system user).

    On their own SQLite database, as it was left (the schema, the bundle and their one account in place), the
    app starts from :func:`~tutor.services.start.personal_start`: the home screen is drawn from a ``sqlite3``
    read and the database is opened, as below, behind it. Anything else (the first run, a server, an older
    schema, ``--require-login``, a shared database) opens the database first. The start-up benchmark
    (``benchmarks/catalogue.py``) builds its app here too."""
    import getpass

    from tutor.clock import SystemClock
    from tutor.paths import templates_dir
    from tutor.ui.app import TutorApp

    os_user = os_user if os_user is not None else getpass.getuser()
    bank = bank_folder(args)
    common = {"bank": bank, "templates": templates_dir(), "clock": SystemClock(), "os_user": os_user}
    if not getattr(args, "require_login", False):
        from tutor.services.start import personal_start

        start = personal_start(database_url(args), bank, os_user)
        if start is not None:
            return TutorApp(None, **common, start=start,
                            open_engine=lambda: open_command_database(args, create=True))
    engine = open_command_database(args, create=True)
    return TutorApp(engine, **common, require_login=requires_login(args, engine))


def run_app(args: argparse.Namespace) -> int:
    app = build_app(args)
    app.run()
    return app.return_code or 0
