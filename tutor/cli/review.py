"""``tutor review`` and ``tutor iqa``: coverage, responses and decisions (tutors), and internal quality
assurance.

Every verb signs in (see :func:`tutor.cli.database.signed_in`) and leaves the permission check to the
service it calls, so the command line can do nothing the app could not.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from datetime import UTC, datetime

# numbers people type are bounded where they are parsed (ROW_ID, whole)
from tutor.cli.core import ROW_ID, UserError, group, print_json, renderer, whole
from tutor.cli.database import signed_in_database

COMMANDS = ("review", "iqa")


def add_review_commands(commands, common: argparse.ArgumentParser) -> None:
    from tutor.domain.portfolio import DECISIONS

    review = group(commands, "review", "coverage, responses and decisions (tutors)")
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

    iqa = group(commands, "iqa", "internal quality assurance")
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


def _criterion_arguments(parser: argparse.ArgumentParser, criterion_required: bool = True) -> None:
    parser.add_argument("--learner", required=True, metavar="USER")
    parser.add_argument("--qualification", required=True, metavar="NUMBER")
    parser.add_argument("--unit", required=True, metavar="UNIT")
    parser.add_argument("--criterion", required=criterion_required, metavar="N", help="e.g. 1.2")


def _date(text: str | None, flag: str) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise UserError(f"{flag} {text!r} is not a date like 2026-11-23") from None


def run_review_command(args: argparse.Namespace) -> int:
    from tutor.clock import SystemClock
    from tutor.services.review import ReviewService

    engine, actor = signed_in_database(args)
    review = ReviewService(engine, SystemClock().now)
    if args.command == "review":
        _review(args, args.review_command, actor, review, renderer())
    elif args.iqa_command == "sample":
        plan = review.draw_sample(actor, args.cohort, args.learners, args.units, args.seed)
        sys.stdout.write(renderer().render("cli/sample_plan.txt.j2", plan=plan))
    else:
        review.iqa_review(actor, args.plan, args.learner, args.unit, args.agree, args.comment)
        sys.stdout.write(renderer().render("cli/review_done.txt.j2", action="iqa_reviewed", learner=args.learner,
                                           unit=args.unit, agree=args.agree))
    return 0


def _review(args, action, actor, review, text) -> None:
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
            out(text.render("cli/coverage.txt.j2", matrix=matrix))
        return
    column = review.criterion(args.qualification, args.unit, args.criterion) if args.criterion else None
    if action == "responses":
        items = review.responses(actor, args.learner, column.criterion_id, Filters(mode=args.mode))
        if args.json:
            print_json([{**asdict(i), "at": i.at.isoformat(),
                         "judged_at": i.judged_at.isoformat() if i.judged_at else None} for i in items])
        else:
            out(text.render("cli/responses.txt.j2", items=items, column=column, learner=args.learner))
    elif action == "judge":
        decision_id = review.judge_evidence(actor, args.learner, column.criterion_id, args.source, args.source_id,
                                            args.accept, args.reference, args.comment)
        out(text.render("cli/review_done.txt.j2", action="judged", accepted=args.accept, decision_id=decision_id,
                        learner=args.learner, column=column))
    else:
        unit_id = review.unit_id(args.qualification, args.unit)
        decision_id = review.decide(actor, args.learner, unit_id, column.criterion_id if column else None,
                                    args.decision, args.comment)
        out(text.render("cli/review_done.txt.j2", action="decided", decision=args.decision,
                        decision_id=decision_id, learner=args.learner, unit=args.unit, column=column))
