"""``tutor serve``: the app's screens for a centre's browsers, and the process behind each browser session.

``tutor serve`` prepares the database (schema and migrations, the first run's catalogue and question bank),
then serves with textual-serve (:mod:`tutor.ui.web_server`). Each browser connection runs
``python -m tutor.cli.serve --bank DIR``: one :class:`~tutor.ui.centre.CentreApp` on the database named by
``TUTOR_DATABASE_URL`` in its environment (set by the server: the URL is never on a command line, in the page
or in a URL), with a pool of :data:`~tutor.storage.engine.SESSION_POOL` connections.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import sys
from pathlib import Path

from tutor.cli.core import UserError, renderer, whole
from tutor.cli.database import bank_folder, database_url, ready_database

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MAX_SESSIONS = 150


def add_serve_command(commands, common: argparse.ArgumentParser) -> None:
    serve = commands.add_parser("serve", parents=[common], help="serve the app to a centre's browsers "
                                "(candidates, learners, tutors: everyone signs in)")
    serve.add_argument("--host", default=DEFAULT_HOST,
                       help=f"the address to listen on (default {DEFAULT_HOST}: this computer only; "
                            "0.0.0.0 opens it to the network, with a warning)")
    serve.add_argument("--port", type=whole(1, 65535, "a port"), default=DEFAULT_PORT,
                       help=f"the port (default {DEFAULT_PORT})")
    serve.add_argument("--max-sessions", type=whole(1, 2000, "a number of sessions"), default=DEFAULT_MAX_SESSIONS,
                       help=f"browser sessions at once (default {DEFAULT_MAX_SESSIONS}; each is a process and a "
                            "database connection)")
    serve.add_argument("--prepare-only", action="store_true",
                       help="prepare the database (schema, first run's catalogue and bank) and exit")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this computer only."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def run_serve(args: argparse.Namespace) -> int:
    if not args.prepare_only:
        try:
            import textual_serve  # noqa: F401  (the serve extra)
        except ImportError:
            raise UserError("tutor serve needs textual-serve: pip install 'tutor-cs[serve]'") from None
    host = args.host.strip()
    if not host:
        raise UserError("--host needs an address, such as 127.0.0.1")
    bank, url = bank_folder(args), database_url(args)
    engine = ready_database(args, create=True)
    from tutor.clock import SystemClock
    from tutor.services.accounts import AccountService

    has_accounts = AccountService(engine, SystemClock().now).has_accounts()
    engine.dispose()  # the server itself holds no connection: each session has its own
    text = renderer()
    shown = _shown_url(url)
    if args.prepare_only:
        sys.stdout.write(text.render("cli/serve.txt.j2", what="prepared", database=shown,
                                     has_accounts=has_accounts))
        return 0
    loopback = is_loopback(host)
    if not loopback:
        sys.stderr.write(text.render("cli/serve.txt.j2", what="warning", host=host, port=args.port))
    os.environ["TUTOR_DATABASE_URL"] = url  # the sessions' environment: never their command line or the page
    command = f"{shlex.quote(sys.executable)} -m tutor.cli.serve --bank {shlex.quote(str(bank.resolve()))}"
    link_host = f"[{host}]" if ":" in host else host
    sys.stdout.write(text.render("cli/serve.txt.j2", what="serving", link=f"http://{link_host}:{args.port}/",
                                 database=shown, has_accounts=has_accounts, loopback=loopback,
                                 max_sessions=args.max_sessions))
    sys.stdout.flush()
    from tutor.ui.web_server import CentreServer

    try:
        CentreServer(command, host, args.port, args.max_sessions).serve()
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{args.port}: {exc.strerror or exc}") from None
    return 0


def _shown_url(url: str) -> str:
    """The database URL without its password, for the person running the server."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a malformed URL was refused when the database was opened
        return "the database"


def session_main(argv: list[str] | None = None) -> int:
    """One browser session (run by the web server, once per connection)."""
    parser = argparse.ArgumentParser(prog="tutor-session")
    parser.add_argument("--bank", type=Path, required=True)
    args = parser.parse_args(argv)
    url = os.environ.get("TUTOR_DATABASE_URL")
    if not url:
        print("tutor: error: a browser session needs TUTOR_DATABASE_URL (tutor serve sets it)", file=sys.stderr)
        return 1
    from tutor.clock import SystemClock
    from tutor.paths import templates_dir
    from tutor.services.sittings import SittingService
    from tutor.storage.engine import SESSION_POOL, StorageError, open_prepared_database

    try:
        engine = open_prepared_database(url, SESSION_POOL)
    except StorageError as exc:
        print(f"tutor: error: {exc}", file=sys.stderr)
        return 1
    from tutor.ui.centre import CentreApp

    clock = SystemClock()
    app = CentreApp(engine, SittingService(engine, clock.now), args.bank, templates_dir(), clock,
                    address=os.environ.get("TUTOR_CLIENT_ADDRESS"))
    app.run()
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(session_main())
