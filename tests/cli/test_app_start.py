"""`tutor` alone (the app): its arguments are read without building every command's parser, to the same
result, and on a person's own database it reaches its first screen with none of SQLAlchemy, SQLModel,
pydantic, argon2, fsrs or the question bank loaded (they load behind it)."""

from __future__ import annotations

import getpass
import subprocess
import sys

import pytest

from tests.conftest import copy_database
from tutor.cli import parse_args
from tutor.cli.parser import build_parser


@pytest.mark.parametrize("argv", [
    [], ["--db", "sqlite:////tmp/x.db"], ["--db=sqlite:///x.db", "--require-login"], ["--re", "--u", "kim"],
    ["--bank", "/tmp", "--user", "sam", "--db", "import"],
])
def test_the_apps_own_arguments_read_as_the_whole_parser_reads_them(argv):
    assert parse_args(argv) == build_parser().parse_args(argv)
    assert parse_args(argv).command is None


@pytest.mark.parametrize("argv", [["quals"], ["--db", "x", "quals"], ["--db"], ["--bogus"], ["--", "quals"]])
def test_anything_else_goes_to_the_whole_parser(argv, capsys):
    try:
        expected = build_parser().parse_args(argv)
    except SystemExit as exc:
        with pytest.raises(SystemExit) as caught:
            parse_args(argv)
        assert caught.value.code == exc.code
        return
    assert parse_args(argv) == expected


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["--version"], ["--vers"]])
def test_help_and_version_are_the_whole_parsers(argv, capsys):
    """The fast path prints exactly what the whole parser prints for help and version, and exits the same."""
    with pytest.raises(SystemExit) as fast:
        parse_args(argv)
    printed = capsys.readouterr().out
    with pytest.raises(SystemExit) as whole:
        build_parser().parse_args(argv)
    assert printed == capsys.readouterr().out and fast.value.code == whole.value.code == 0
    assert printed.startswith("usage: tutor") or printed.startswith("tutor ")


PROBE = r"""
import asyncio, sys
from tutor.cli import parse_args
from tutor.cli.app import build_app

SLOW = ("sqlalchemy", "sqlmodel", "pydantic", "argon2", "fsrs", "tutor.bank", "tutor.services.accounts")

async def main():
    app = build_app(parse_args(["--db", sys.argv[1], "--bank", sys.argv[2]]))
    from textual.widgets import DataTable
    from tutor.ui.screens import HomeScreen

    async with app.run_test(size=(120, 40)) as pilot:
        while not (isinstance(app.screen, HomeScreen) and app.screen.query_one(DataTable).row_count):
            await asyncio.sleep(0.01)
        print("first:", ",".join(m for m in SLOW if m in sys.modules) or "none", app.screen.query_one(DataTable).row_count)
        while not app.services_ready:
            await asyncio.sleep(0.01)
        print("then:", ",".join(m for m in SLOW if m in sys.modules))

asyncio.run(main())
"""


def test_the_app_on_its_own_database_shows_home_before_loading_sqlalchemy(catalogue_url, tmp_path):
    from tests.conftest import SPECIFICATIONS
    from tutor.clock import FakeClock
    from tutor.services.accounts import AccountService
    from tutor.storage.engine import open_database

    url = copy_database(catalogue_url, tmp_path / "own.db")
    AccountService(open_database(url), FakeClock().now).personal_account(getpass.getuser())
    result = subprocess.run([sys.executable, "-c", PROBE, url, str(SPECIFICATIONS.parent)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    first, then = result.stdout.splitlines()
    assert first == "first: none 7"
    assert "sqlalchemy" in then and "tutor.services.accounts" in then  # the services loaded behind it
