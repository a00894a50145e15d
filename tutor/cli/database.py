"""Opening a command's database and question bank, and signing its user in."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tutor.cli.core import UserError


def bank_folder(args: argparse.Namespace) -> Path:
    from tutor.paths import bank_dir

    bank = getattr(args, "bank", None)
    if bank is None:
        return bank_dir()
    if not bank.is_dir():
        raise UserError(f"{bank}: no such question bank folder")
    return bank


def database_url(args: argparse.Namespace) -> str:
    from tutor.paths import default_database_url

    return getattr(args, "db", None) or default_database_url()


def open_command_database(args: argparse.Namespace, create: bool = False):
    """The command's database. Only the app, `tutor import` and the embedded default (the product's own
    file, made with its folder on first use) may create one; a read command on a path that names no database
    is an error, never an empty catalogue."""
    from tutor.paths import default_database_url
    from tutor.storage.engine import open_database

    url = database_url(args)
    if url == default_database_url({}):  # the built-in default, not a URL someone typed
        from tutor.paths import default_database_path

        default_database_path().parent.mkdir(parents=True, exist_ok=True)
        create = True
    return open_database(url, create)


def ready_database(args: argparse.Namespace, create: bool = False):
    """The database with the bundled catalogue and question bank loaded (loading them if needed); `create`
    for the commands that set something up (a sitting, an item's status), never for one that only reads."""
    from tutor.clock import SystemClock
    from tutor.paths import templates_dir
    from tutor.services.bundled import import_bundled, needs_bundled_import
    from tutor.services.catalogue import CatalogueService

    engine = open_command_database(args, create)
    catalogue = CatalogueService(engine, SystemClock().now)
    bank = bank_folder(args)
    if needs_bundled_import(catalogue, bank):
        print("tutor: loading the bundled catalogue and question bank (first run)...", file=sys.stderr)
        import_bundled(catalogue, bank, templates=templates_dir())
    return engine


def requires_login(args: argparse.Namespace, engine) -> bool:
    """Passwords guard a shared database: a server's, or any with --require-login. (A SQLite database that
    only one person has an account on is theirs: see AccountService.personal_account.)"""
    return bool(getattr(args, "require_login", False)) or engine.dialect.name != "sqlite"


def signed_in(args: argparse.Namespace, engine):
    """The actor of this command: the setup admin while the database has no accounts; on a personal
    database (only the operating-system user's own account, no --user), that user with the admin's rights;
    else the user named by --user / $TUTOR_USER, signed in with $TUTOR_PASSWORD or a password prompt."""
    import getpass

    from tutor.clock import SystemClock
    from tutor.domain.access import ADMIN, Actor
    from tutor.services.accounts import SETUP, AccountService, personal_username

    accounts = AccountService(engine, SystemClock().now)
    if not accounts.has_accounts():
        return SETUP
    username = getattr(args, "user", None) or os.environ.get("TUTOR_USER")
    if not username and not requires_login(args, engine):
        own = accounts.sole_account()
        if own is not None and own.active and own.username == personal_username(getpass.getuser()):
            return Actor(own.username, ADMIN, own.display_name)
    if not username:
        raise UserError("this database has accounts: sign in with --user NAME (or $TUTOR_USER)")
    password = os.environ.get("TUTOR_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise UserError("no password: set $TUTOR_PASSWORD or run the command in a terminal")
        password = getpass.getpass(f"Password for {username}: ")
    return accounts.login(username, password)


def signed_in_database(args: argparse.Namespace):
    """The database (not created, not loaded) and who is signed in to it: the accounts, review, audit and
    export commands."""
    engine = open_command_database(args)
    return engine, signed_in(args, engine)
