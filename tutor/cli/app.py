"""``tutor`` alone: open the app in this terminal."""

from __future__ import annotations

import argparse

from tutor.cli.database import bank_folder, open_command_database, requires_login


def run_app(args: argparse.Namespace) -> int:
    from tutor.clock import SystemClock
    from tutor.paths import templates_dir
    from tutor.ui.app import TutorApp

    engine = open_command_database(args, create=True)
    import getpass

    app = TutorApp(engine=engine, bank=bank_folder(args), templates=templates_dir(), clock=SystemClock(),
                   os_user=getpass.getuser(), require_login=requires_login(args, engine))
    app.run()
    return app.return_code or 0
