"""``tutor user`` and ``tutor cohort``: accounts and cohorts of learners (admin).

Every verb signs in (see :func:`tutor.cli.database.signed_in`) and leaves the permission check to the
service it calls, so the command line can do nothing the app could not.
"""

from __future__ import annotations

import argparse
import os
import sys

from tutor.cli.core import UserError, group, renderer
from tutor.cli.database import signed_in_database

COMMANDS = ("user", "cohort")


def add_accounts_commands(commands, common: argparse.ArgumentParser) -> None:
    from tutor.domain.access import ROLES

    user = group(commands, "user", "accounts (admin)")
    add = user.add_parser("add", parents=[common], help="add an account; the password is asked for "
                          "(or $TUTOR_NEW_PASSWORD)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--name", default="", help="the person's name as shown")
    user.add_parser("list", parents=[common], help="list accounts")
    passwd = user.add_parser("passwd", parents=[common], help="set a password (your own, or anyone's as admin)")
    passwd.add_argument("username", nargs="?")

    cohort = group(commands, "cohort", "cohorts of learners with their tutor (admin)")
    add = cohort.add_parser("add", parents=[common], help="add a cohort")
    add.add_argument("name")
    add.add_argument("--qualification", required=True, metavar="NUMBER")
    add.add_argument("--tutor", required=True, metavar="USER")
    enrol = cohort.add_parser("enrol", parents=[common], help="put learners in a cohort")
    enrol.add_argument("name")
    enrol.add_argument("learners", nargs="+", metavar="LEARNER")
    cohort.add_parser("list", parents=[common], help="list the cohorts you may see")


def _new_password(username: str) -> str:
    password = os.environ.get("TUTOR_NEW_PASSWORD")
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise UserError("no new password: set $TUTOR_NEW_PASSWORD or run the command in a terminal")
    import getpass

    first = getpass.getpass(f"New password for {username}: ")
    if getpass.getpass("Again: ") != first:
        raise UserError("the two passwords differ: nothing was changed")
    return first


def run_accounts_command(args: argparse.Namespace) -> int:
    from tutor.clock import SystemClock
    from tutor.services.accounts import AccountError, AccountService

    engine, actor = signed_in_database(args)
    accounts = AccountService(engine, SystemClock().now)
    text = renderer()
    out = sys.stdout.write
    action = getattr(args, f"{args.command}_command")

    if args.command == "user":
        if action == "add":
            own = accounts.account(actor.username)
            if own is not None and own.role != actor.role:  # the owner of a personal database, acting as admin
                # a second account makes the database shared and everyone then signs in: the owner needs a
                # password to sign in with, and someone must hold the admin role, or both would be locked out
                if not accounts.has_password(actor.username):
                    raise AccountError(f"this database becomes shared when it has a second account: first set a "
                                       f"password for your own: tutor user passwd {actor.username}")
                if args.role != "admin":
                    raise AccountError("this database becomes shared when it has a second account: add an admin "
                                       "account first (--role admin), to manage the others after")
            accounts.add_user(actor, args.username, args.name, args.role, _new_password(args.username))
            out(text.render("cli/review_done.txt.j2", action="user_added", username=args.username, role=args.role))
        elif action == "list":
            out(text.render("cli/users.txt.j2", accounts=accounts.accounts(actor)))
        else:
            target = args.username or actor.username
            current = None
            if target == actor.username and actor.role != "admin":
                current = os.environ.get("TUTOR_PASSWORD")
            accounts.set_password(actor, target, _new_password(target), current=current)
            out(text.render("cli/review_done.txt.j2", action="password_set", username=target))
    else:
        if action == "add":
            accounts.add_cohort(actor, args.name, args.qualification, args.tutor)
            out(text.render("cli/review_done.txt.j2", action="cohort_added", cohort=args.name))
        elif action == "enrol":
            added = accounts.enrol(actor, args.name, args.learners)
            out(text.render("cli/review_done.txt.j2", action="enrolled", cohort=args.name, count=added))
        else:
            out(text.render("cli/cohorts.txt.j2", cohorts=accounts.cohorts(actor)))
    return 0
