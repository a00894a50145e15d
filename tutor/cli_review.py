"""Command-line verbs for accounts, cohorts, review, quality assurance, the audit log and exports.

Every verb signs in (see :func:`tutor.cli.signed_in`) and leaves the permission check to the
service it calls, so the command line can do nothing the app could not.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

REVIEW_COMMANDS = ("user", "cohort", "review", "iqa", "audit", "export")


def add_review_commands(commands, common: argparse.ArgumentParser) -> None:
    from tutor.cli import ROW_ID, _Parser, whole  # numbers people type are bounded where they are parsed
    from tutor.domain.access import ROLES
    from tutor.domain.portfolio import DECISIONS

    def group(name: str, text: str):
        parser = commands.add_parser(name, help=text)
        return parser.add_subparsers(dest=f"{name}_command", metavar="ACTION", required=True, parser_class=_Parser)

    user = group("user", "accounts (admin)")
    add = user.add_parser("add", parents=[common], help="add an account; the password is asked for "
                          "(or $TUTOR_NEW_PASSWORD)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--name", default="", help="the person's name as shown")
    user.add_parser("list", parents=[common], help="list accounts")
    passwd = user.add_parser("passwd", parents=[common], help="set a password (your own, or anyone's as admin)")
    passwd.add_argument("username", nargs="?")

    cohort = group("cohort", "cohorts of learners with their tutor (admin)")
    add = cohort.add_parser("add", parents=[common], help="add a cohort")
    add.add_argument("name")
    add.add_argument("--qualification", required=True, metavar="NUMBER")
    add.add_argument("--tutor", required=True, metavar="USER")
    enrol = cohort.add_parser("enrol", parents=[common], help="put learners in a cohort")
    enrol.add_argument("name")
    enrol.add_argument("learners", nargs="+", metavar="LEARNER")
    cohort.add_parser("list", parents=[common], help="list the cohorts you may see")

    review = group("review", "coverage, responses and decisions (tutors)")
    matrix = review.add_parser("matrix", parents=[common], help="learners x criteria: the state of each")
    matrix.add_argument("--qualification", required=True, metavar="NUMBER")
    matrix.add_argument("--unit", metavar="UNIT")
    matrix.add_argument("--learner", action="append", metavar="USER", help="only these learners (repeatable)")
    matrix.add_argument("--since", metavar="YYYY-MM-DD")
    matrix.add_argument("--until", metavar="YYYY-MM-DD")
    matrix.add_argument("--mode", choices=("practice", "test"))
    matrix.add_argument("--json", action="store_true")
    responses = review.add_parser("responses", parents=[common], help="every response bearing on one criterion")
    for parser in (responses,):
        _criterion_arguments(parser)
        parser.add_argument("--mode", choices=("practice", "test"))
        parser.add_argument("--json", action="store_true")
    judge = review.add_parser("judge", parents=[common], help="accept or reject a response as evidence")
    _criterion_arguments(judge)
    judge.add_argument("--source", required=True, choices=("practice", "test"))
    judge.add_argument("--id", required=True, type=ROW_ID, dest="source_id", help="the response's id (from responses)")
    verdict = judge.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--accept", action="store_true")
    verdict.add_argument("--reject", action="store_true")
    judge.add_argument("--reference", default="", help="the evidence reference number (needed to accept)")
    judge.add_argument("--comment", default="")
    decide = review.add_parser("decide", parents=[common], help="record a decision on a criterion or a unit")
    _criterion_arguments(decide, criterion_required=False)
    decide.add_argument("--decision", required=True, choices=DECISIONS)
    decide.add_argument("--comment", default="")

    iqa = group("iqa", "internal quality assurance")
    sample = iqa.add_parser("sample", parents=[common], help="draw and record a sampling plan")
    sample.add_argument("--cohort", required=True)
    sample.add_argument("--learners", type=whole(1, 100, "a sampling percentage"), required=True, metavar="PERCENT")
    sample.add_argument("--units", type=whole(1, 100, "a sampling percentage"), required=True, metavar="PERCENT")
    sample.add_argument("--seed", type=whole(0, 2**31 - 1, "a seed"))
    check = iqa.add_parser("review", parents=[common], help="agree or disagree with a sampled assessment")
    check.add_argument("--plan", type=ROW_ID, required=True)
    check.add_argument("--learner", required=True)
    check.add_argument("--unit", required=True)
    agree = check.add_mutually_exclusive_group(required=True)
    agree.add_argument("--agree", action="store_true")
    agree.add_argument("--disagree", action="store_true")
    check.add_argument("--comment", required=True)

    audit = group("audit", "the hash-chained audit log")
    verify = audit.add_parser("verify", parents=[common], help="recompute the chain; name the first broken link")
    verify.add_argument("--head", metavar="HASH", help="a head hash published earlier (e.g. in an export)")

    export = group("export", "records for quality assurers")
    portfolio = export.add_parser("portfolio", parents=[common], help="a learner's portfolio record")
    portfolio.add_argument("--learner", required=True)
    portfolio.add_argument("--qualification", metavar="NUMBER", help="default: the learner's cohort's")
    portfolio.add_argument("--format", required=True, choices=("html", "csv", "json"))
    portfolio.add_argument("--output", required=True, type=Path, metavar="PATH")
    portfolio.add_argument("--force", action="store_true", help="replace an existing file")


def _criterion_arguments(parser: argparse.ArgumentParser, criterion_required: bool = True) -> None:
    parser.add_argument("--learner", required=True, metavar="USER")
    parser.add_argument("--qualification", required=True, metavar="NUMBER")
    parser.add_argument("--unit", required=True, metavar="UNIT")
    parser.add_argument("--criterion", required=criterion_required, metavar="N", help="e.g. 1.2")


def _date(text: str | None, flag: str) -> datetime | None:
    from tutor.cli import UserError

    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise UserError(f"{flag} {text!r} is not a date like 2026-11-23") from None


def _new_password(username: str) -> str:
    from tutor.cli import UserError

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


def run_review_command(args: argparse.Namespace) -> int:
    from tutor.cli import _print_json, _renderer, open_command_database, signed_in
    from tutor.clock import SystemClock
    from tutor.services.accounts import AccountError, AccountService
    from tutor.services.review import ReviewService

    engine = open_command_database(args)
    now = SystemClock().now
    actor = signed_in(args, engine)
    accounts = AccountService(engine, now)
    review = ReviewService(engine, now)
    renderer = _renderer()
    out = sys.stdout.write
    command = args.command
    action = getattr(args, f"{command}_command")

    if command == "user":
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
            out(renderer.render("cli/review_done.txt.j2", action="user_added", username=args.username, role=args.role))
        elif action == "list":
            out(renderer.render("cli/users.txt.j2", accounts=accounts.accounts(actor)))
        else:
            target = args.username or actor.username
            current = None
            if target == actor.username and actor.role != "admin":
                current = os.environ.get("TUTOR_PASSWORD")
            accounts.set_password(actor, target, _new_password(target), current=current)
            out(renderer.render("cli/review_done.txt.j2", action="password_set", username=target))
    elif command == "cohort":
        if action == "add":
            accounts.add_cohort(actor, args.name, args.qualification, args.tutor)
            out(renderer.render("cli/review_done.txt.j2", action="cohort_added", cohort=args.name))
        elif action == "enrol":
            added = accounts.enrol(actor, args.name, args.learners)
            out(renderer.render("cli/review_done.txt.j2", action="enrolled", cohort=args.name, count=added))
        else:
            out(renderer.render("cli/cohorts.txt.j2", cohorts=accounts.cohorts(actor)))
    elif command == "review":
        _review(args, action, actor, review, renderer, _print_json)
    elif command == "iqa":
        if action == "sample":
            plan = review.draw_sample(actor, args.cohort, args.learners, args.units, args.seed)
            out(renderer.render("cli/sample_plan.txt.j2", plan=plan))
        else:
            review.iqa_review(actor, args.plan, args.learner, args.unit, args.agree, args.comment)
            out(renderer.render("cli/review_done.txt.j2", action="iqa_reviewed", learner=args.learner,
                                unit=args.unit, agree=args.agree))
    elif command == "audit":
        report = review.verify_audit(actor, args.head)
        records = review.verify_records(actor) if report.ok else None
        out(renderer.render("cli/audit_verify.txt.j2", report=report, records=records))
        return 0 if report.ok and records.ok else 1
    elif command == "export":
        from tutor.export import write_portfolio
        from tutor.paths import templates_dir

        portfolio = review.portfolio(actor, args.learner, args.qualification)
        path = write_portfolio(portfolio, args.format, args.output, templates_dir(), overwrite=args.force)
        out(renderer.render("cli/review_done.txt.j2", action="exported", path=str(path), portfolio=portfolio))
    return 0


def _review(args, action, actor, review, renderer, print_json) -> None:
    from tutor.services.review import Filters

    out = sys.stdout.write
    if action == "matrix":
        filters = Filters(unit=args.unit, learners=tuple(args.learner) if args.learner else None,
                          since=_date(args.since, "--since"), until=_date(args.until, "--until"), mode=args.mode)
        matrix = review.coverage(actor, args.qualification, filters)
        if args.json:
            print_json({"qualification": matrix.qualification, "learners": list(matrix.learners),
                        "criteria": [asdict(c) for c in matrix.columns],
                        "states": {learner: {f"{c.unit_key} {c.number}": matrix.state(learner, c.criterion_id)
                                             for c in matrix.columns} for learner in matrix.learners}})
        else:
            out(renderer.render("cli/coverage.txt.j2", matrix=matrix))
        return
    column = review.criterion(args.qualification, args.unit, args.criterion) if args.criterion else None
    if action == "responses":
        items = review.responses(actor, args.learner, column.criterion_id, Filters(mode=args.mode))
        if args.json:
            print_json([{**asdict(i), "at": i.at.isoformat(),
                         "judged_at": i.judged_at.isoformat() if i.judged_at else None} for i in items])
        else:
            out(renderer.render("cli/responses.txt.j2", items=items, column=column, learner=args.learner))
    elif action == "judge":
        decision_id = review.judge_evidence(actor, args.learner, column.criterion_id, args.source, args.source_id,
                                            args.accept, args.reference, args.comment)
        out(renderer.render("cli/review_done.txt.j2", action="judged", accepted=args.accept, decision_id=decision_id,
                            learner=args.learner, column=column))
    else:
        unit_id = review.unit_id(args.qualification, args.unit)
        decision_id = review.decide(actor, args.learner, unit_id, column.criterion_id if column else None,
                                    args.decision, args.comment)
        out(renderer.render("cli/review_done.txt.j2", action="decided", decision=args.decision,
                            decision_id=decision_id, learner=args.learner, unit=args.unit, column=column))


def sitting_analysis(args: argparse.Namespace, engine, actor) -> int:
    from tutor.cli import _print_json, _renderer
    from tutor.clock import SystemClock
    from tutor.services.review import ReviewService

    analysis = ReviewService(engine, SystemClock().now).analyse_sitting(actor, args.sitting_id)
    if args.json:
        _print_json({"sitting": analysis.sitting_id, "test": analysis.test_code, "candidates": analysis.candidates,
                     "kr20": analysis.form.kr20, "mean_score": analysis.form.mean_score,
                     "items": [{"position": i.position, "item": i.item_id, "version": i.version, "outcome": i.outcome,
                                "criterion": i.criterion, "facility": i.stats.facility,
                                "discrimination": i.stats.discrimination, "flag": i.stats.flag}
                               for i in analysis.items]})
    else:
        sys.stdout.write(_renderer().render("cli/item_analysis.txt.j2", analysis=analysis))
    return 0

