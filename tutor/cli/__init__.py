"""The ``tutor`` command line.

``tutor`` alone opens the app. Every failure a person can cause (a bad file, an unknown
unit, an unreachable database) ends with one line on stderr and a non-zero exit status.

One module per command group (:mod:`~tutor.cli.catalogue`, :mod:`~tutor.cli.bank`, :mod:`~tutor.cli.sitting`,
:mod:`~tutor.cli.accounts`, :mod:`~tutor.cli.review`, :mod:`~tutor.cli.audit`, :mod:`~tutor.cli.export`,
:mod:`~tutor.cli.serve`, :mod:`~tutor.cli.app`), each adding its parsers and running its commands; what they
share is in :mod:`~tutor.cli.core` (parser class, errors, number parsers, output) and
:mod:`~tutor.cli.database` (opening the database, signing in). :mod:`~tutor.cli.parser` puts the parser
together. Importing ``tutor.cli`` loads none of them: :func:`main` does.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    from tutor.cli.core import EXIT_FAILURE, UserError

    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return _dispatch(args)
    except UserError as exc:
        print(f"tutor: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("tutor: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_FAILURE
    except Exception as exc:  # the last line of defence: never a traceback for a person
        if os.environ.get("TUTOR_DEBUG"):
            raise
        print(f"tutor: internal error: {type(exc).__name__}: {exc} (set TUTOR_DEBUG=1 for details)",
              file=sys.stderr)
        return EXIT_FAILURE


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command's arguments. ``tutor`` with only the options every command takes (the app) is read by
    their own parser, without building every command's (a tenth of the app's start-up); anything else (a
    command, ``--help``, ``--version``, a mistake) by the whole parser, as ever."""
    from tutor.cli.core import common_options

    class _NotTheApp(Exception):
        pass

    class _Quiet(argparse.ArgumentParser):
        def error(self, message: str):
            raise _NotTheApp(message)

    if "--" not in argv:
        try:
            args, rest = _Quiet(parents=[common_options()], add_help=False).parse_known_args(argv)
        except _NotTheApp:
            rest = ["(an error the whole parser says)"]
        if not rest:
            args.command = None
            return args
    from tutor.cli.parser import build_parser

    return build_parser().parse_args(argv)


def _dispatch(args: argparse.Namespace) -> int:
    from tutor.cli.core import UserError

    try:
        return _runner(args.command)(args)
    except Exception as exc:
        message = _user_message(exc)
        if message is None:
            raise
        raise UserError(message) from None


def _runner(command: str | None):
    """The function that runs ``command`` (None: the app, whose module alone is imported)."""
    if command is None:
        from tutor.cli.app import run_app

        return run_app
    from tutor.cli import accounts, audit, bank, catalogue, export, review, serve, sitting

    runners = {
        **dict.fromkeys(catalogue.COMMANDS, catalogue.run_catalogue_command),
        "bank": bank.run_bank_command,
        "sitting": sitting.run_sitting_command,
        "test": sitting.run_test_command,
        "serve": serve.run_serve,
        **dict.fromkeys(accounts.COMMANDS, accounts.run_accounts_command),
        **dict.fromkeys(review.COMMANDS, review.run_review_command),
        "audit": audit.run_audit_command,
        "export": export.run_export_command,
    }
    return runners[command]


def _user_message(exc: Exception) -> str | None:
    """The line a person reads for a failure they can put right, or None for any other exception. The
    exception classes are imported here, after a failure: importing them up front would load the services and
    SQLAlchemy before the app's first screen, which needs neither."""
    from tutor.bank.model import BankError
    from tutor.domain.access import PermissionDenied
    from tutor.export import ExportError
    from tutor.importer import SpecError
    from tutor.services.accounts import AccountError
    from tutor.services.catalogue import NotFound
    from tutor.services.review import ReviewError
    from tutor.services.sittings import SittingError
    from tutor.storage.engine import StorageError

    if isinstance(exc, PermissionDenied):
        return f"not allowed: {exc}"
    if isinstance(exc, (SpecError, StorageError, NotFound, BankError, SittingError, AccountError, ReviewError,
                        ExportError)):
        return str(exc)
    return None
