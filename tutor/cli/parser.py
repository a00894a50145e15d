"""The ``tutor`` parser: the options every command takes, and each command group's own (added by its module)."""

from __future__ import annotations

import argparse

from tutor.cli.accounts import add_accounts_commands
from tutor.cli.audit import add_audit_commands
from tutor.cli.bank import add_bank_commands
from tutor.cli.catalogue import add_catalogue_commands
from tutor.cli.core import Parser, common_options
from tutor.cli.export import add_export_commands
from tutor.cli.review import add_review_commands
from tutor.cli.serve import add_serve_command
from tutor.cli.sitting import add_sitting_commands, add_test_command


def build_parser() -> argparse.ArgumentParser:
    common = common_options()

    parser = Parser(prog="tutor", parents=[common],
                    description="Practise, test and review UK customer-service qualifications.")
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    # the order of `tutor --help`
    add_catalogue_commands(commands, common)
    add_bank_commands(commands, common)
    add_sitting_commands(commands, common)
    add_accounts_commands(commands, common)
    add_review_commands(commands, common)
    add_audit_commands(commands, common)
    add_export_commands(commands, common)
    add_serve_command(commands, common)
    add_test_command(commands, common)
    return parser


def _version() -> str:
    from tutor import __version__

    return f"tutor {__version__}"
