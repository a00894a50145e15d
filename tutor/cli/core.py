"""What every command shares: the parser class, the one-line error, the number parsers and the output helpers.

Loads nothing beyond the standard library: ``tutor --help`` builds every command's parser from it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import NoReturn

EXIT_USAGE = 2
EXIT_FAILURE = 1


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def common_options() -> argparse.ArgumentParser:
    """The options every command takes (``tutor`` alone, the app, takes only these)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                        help="database URL (default: $TUTOR_DATABASE_URL, else SQLite in the user data folder)")
    common.add_argument("--bank", metavar="DIR", type=Path, default=argparse.SUPPRESS,
                        help="question bank folder (default: the bundled one)")
    common.add_argument("--user", metavar="NAME", default=argparse.SUPPRESS,
                        help="sign in as NAME (default: $TUTOR_USER); the password is $TUTOR_PASSWORD or asked for")
    common.add_argument("--require-login", action="store_true", default=argparse.SUPPRESS,
                        help="always sign in with a password, even on a database only you use")
    return common


class UserError(Exception):
    """A failure to report in one line, without a traceback."""


MAX_ID = 2**63 - 1  # the largest row id any database stores


def whole(low: int, high: int, what: str = "a whole number"):
    """An argparse type: a whole number from ``low`` to ``high``, else a one-line reason (never an
    overflow deeper down, never a silently huge value)."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number ({what}: {low} to {high})") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range ({what}: {low} to {high})")
        return value

    parse.__name__ = what  # argparse names the type in its own messages
    return parse


ROW_ID = whole(1, MAX_ID, "an id")


def group(commands, name: str, text: str):
    """A command with actions of its own (``tutor NAME ACTION``): the subparsers to add the actions to."""
    parser = commands.add_parser(name, help=text)
    return parser.add_subparsers(dest=f"{name}_command", metavar="ACTION", required=True, parser_class=Parser)


def renderer():
    from tutor.paths import templates_dir
    from tutor.rendering import TextRenderer

    return TextRenderer(templates_dir())


def print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
