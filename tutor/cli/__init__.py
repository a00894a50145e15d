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
    from tutor.cli.parser import build_parser

    args = build_parser().parse_args(argv)
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


def _dispatch(args: argparse.Namespace) -> int:
    from tutor.bank.model import BankError
    from tutor.cli import accounts, app, audit, bank, catalogue, export, review, serve, sitting
    from tutor.cli.core import UserError
    from tutor.domain.access import PermissionDenied
    from tutor.export import ExportError
    from tutor.importer import SpecError
    from tutor.services.accounts import AccountError
    from tutor.services.catalogue import NotFound
    from tutor.services.review import ReviewError
    from tutor.services.sittings import SittingError
    from tutor.storage.engine import StorageError

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
    try:
        return runners.get(args.command, app.run_app)(args)
    except PermissionDenied as exc:
        raise UserError(f"not allowed: {exc}") from None
    except (SpecError, StorageError, NotFound, BankError, SittingError, AccountError, ReviewError,
            ExportError) as exc:
        raise UserError(str(exc)) from None
