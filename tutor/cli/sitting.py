"""``tutor sitting``: invigilate a test sitting (create, candidates, the clock, results, item analysis); and
``tutor test``: a candidate sits an invigilated test."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict

from tutor.cli.core import ROW_ID, UserError, group, print_json, renderer, whole
from tutor.cli.database import ready_database, signed_in


def add_sitting_commands(commands, common: argparse.ArgumentParser) -> None:
    actions = group(commands, "sitting", "invigilate a test sitting")
    who = argparse.ArgumentParser(add_help=False)
    who.add_argument("--invigilator", metavar="NAME",
                     help="who is doing this, recorded while the database has no accounts (else the signed-in user)")

    def action(name: str, text: str, with_id: bool = True, invigilator: bool = True) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, parents=[common, who] if invigilator else [common], help=text)
        if with_id:
            parser.add_argument("sitting_id", type=ROW_ID, metavar="ID")
        return parser

    analyse = action("analyse", "item analysis: facility, discrimination, KR-20", invigilator=False)
    analyse.add_argument("--json", action="store_true")
    create = action("create", "create a sitting and print its start and invigilator codes", with_id=False)
    create.add_argument("--test", required=True, metavar="UNIT", help="e.g. 2794-210")
    create.add_argument("--centre-set", action="store_true",
                        help="the centre's own test of the unit (needs --questions, --minutes, --pass-mark)")
    create.add_argument("--questions", type=whole(1, 100, "a number of questions"))
    create.add_argument("--minutes", type=whole(1, 300, "a test's minutes"))
    create.add_argument("--pass-mark", type=whole(1, 100, "a pass mark"))
    add = action("add-candidate", "register a candidate, with any access arrangements")
    add.add_argument("--number", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--extra-time", type=whole(0, 100, "extra time in percent"), default=0, metavar="PERCENT")
    add.add_argument("--extra-time-reason", default="", metavar="TEXT")
    add.add_argument("--rest-breaks", action="store_true", help="supervised rest breaks that stop the clock")
    add.add_argument("--rest-breaks-reason", default="", metavar="TEXT")
    add.add_argument("--learner", metavar="USER", help="the candidate's learner account (links the test evidence)")
    status = action("status", "each candidate's state and time left", invigilator=False)
    status.add_argument("--json", action="store_true")
    results = action("results", "results, once released", invigilator=False)
    results.add_argument("--json", action="store_true")
    action("events", "the sitting's audit trail", invigilator=False)
    action("release", "release the results to candidates")
    for name, text in (("pause", "pause a candidate, or everyone"), ("rest-break", "start a supervised rest break")):
        parser = action(name, text)
        parser.add_argument("--candidate", metavar="NUMBER", required=name == "rest-break")
        parser.add_argument("--reason", default="")
    resume = action("resume", "resume a paused or interrupted candidate, or everyone")
    resume.add_argument("--candidate", metavar="NUMBER")
    resume.add_argument("--code", metavar="CODE", help="the invigilator code (asked for if not given)")
    resume.add_argument("--reason", default="")
    add_time = action("add-time", "give a candidate extra minutes")
    add_time.add_argument("--candidate", metavar="NUMBER", required=True)
    add_time.add_argument("--minutes", type=whole(1, 240, "added minutes"), required=True)
    add_time.add_argument("--reason", required=True)
    void = action("void", "void a candidate's attempt (cannot be undone)")
    void.add_argument("--candidate", metavar="NUMBER", required=True)
    void.add_argument("--reason", required=True)


def add_test_command(commands, common: argparse.ArgumentParser) -> None:
    test = commands.add_parser("test", parents=[common], help="sit an invigilated test (candidate)")
    test.add_argument("--sitting", type=ROW_ID, required=True, metavar="ID")
    test.add_argument("--candidate", required=True, metavar="NUMBER")
    test.add_argument("--start-code", metavar="CODE", help="the start code (asked for if not given)")


def _code(given: str | None, what: str) -> str:
    if given:
        return given
    if not sys.stdin.isatty():
        raise UserError(f"give the {what} with --{'start-code' if 'start' in what else 'code'}")
    import getpass

    return getpass.getpass(f"{what[0].upper()}{what[1:]}: ")


def run_sitting_command(args: argparse.Namespace) -> int:
    from tutor.clock import SystemClock
    from tutor.domain.testing import format_remaining
    from tutor.services.accounts import SETUP
    from tutor.services.guard import SITTING_PERMISSIONS, Guarded
    from tutor.services.sittings import SittingService

    engine = ready_database(args, create=args.sitting_command == "create")
    now = SystemClock().now
    user = signed_in(args, engine)
    if args.sitting_command == "analyse":
        return _sitting_analysis(args, engine, user)
    service = Guarded(SittingService(engine, now), user, SITTING_PERMISSIONS, engine, now)
    text = renderer()
    text.env.globals["format_remaining"] = format_remaining
    command = args.sitting_command
    actor = (getattr(args, "invigilator", None) or user.username) if user is SETUP else user.username
    if command not in ("status", "results", "events") and user is SETUP and not getattr(args, "invigilator", None):
        raise UserError("say who is invigilating with --invigilator NAME (recorded with every action)")
    if command == "create":
        if not args.centre_set and (args.questions, args.minutes, args.pass_mark) != (None, None, None):
            raise UserError(f"{args.test} is set by the awarding body: its questions, minutes and pass mark are "
                            "fixed (use --centre-set for the centre's own test)")
        if args.centre_set:
            if None in (args.questions, args.minutes, args.pass_mark):
                raise UserError("a centre-set test needs --questions, --minutes and --pass-mark")
            test = service.centre_test(args.test, args.questions, args.minutes, args.pass_mark)
        else:
            test = service.test_definition(args.test)
        sitting_id, start_code, invigilator_code = service.create_sitting(test, actor)
        sys.stdout.write(text.render("cli/sitting_created.txt.j2", sitting_id=sitting_id, test=test,
                                     start_code=start_code, invigilator_code=invigilator_code))
        return 0
    sitting_id = args.sitting_id

    def done(action: str, **context) -> None:
        sys.stdout.write(text.render("cli/sitting_done.txt.j2", action=action, sitting_id=sitting_id, **context))

    if command == "add-candidate":
        service.register_candidate(sitting_id, args.number, args.name, actor, args.extra_time,
                                   args.extra_time_reason, args.rest_breaks, args.rest_breaks_reason,
                                   learner=args.learner)
        done("registered", candidate=args.number)
    elif command == "status":
        rows = service.status(sitting_id)
        if args.json:
            print_json([asdict(r) for r in rows])
        else:
            sys.stdout.write(text.render("cli/sitting_status.txt.j2", rows=rows, sitting_id=sitting_id,
                                         total=service.test_total(sitting_id)))
    elif command == "results":
        rows = service.results(sitting_id)
        if args.json:
            print_json([asdict(r) for r in rows])
        else:
            sys.stdout.write(text.render("cli/sitting_results.txt.j2", rows=rows))
    elif command == "events":
        sys.stdout.write(text.render("cli/sitting_events.txt.j2", events=service.events(sitting_id)))
    elif command == "release":
        service.release_results(sitting_id, actor)
        done("released")
    elif command in ("pause", "rest-break"):
        kind = "rest_break" if command == "rest-break" else "paused"
        if args.candidate:
            service.pause(service.attempt_id(sitting_id, args.candidate), actor, args.reason, kind=kind)
            done("stopped", candidate=args.candidate, kind=kind)
        else:
            done("paused_all", count=service.pause_all(sitting_id, actor, args.reason))
    elif command == "resume":
        code = _code(args.code, "invigilator code")
        if args.candidate:
            service.resume(service.attempt_id(sitting_id, args.candidate), actor, code, args.reason)
            done("resumed", candidate=args.candidate)
        else:
            done("resumed_all", count=service.resume_all(sitting_id, actor, code, args.reason))
    elif command == "add-time":
        service.add_time(service.attempt_id(sitting_id, args.candidate), args.minutes, actor, args.reason)
        done("time_added", candidate=args.candidate, minutes=args.minutes)
    elif command == "void":
        service.void(service.attempt_id(sitting_id, args.candidate), actor, args.reason)
        done("voided", candidate=args.candidate)
    return 0


def run_test_command(args: argparse.Namespace) -> int:
    from tutor.clock import SystemClock
    from tutor.paths import templates_dir
    from tutor.services.sittings import SittingService

    clock = SystemClock()
    service = SittingService(ready_database(args), clock.now)
    attempt_id = service.start(args.sitting, args.candidate, _code(args.start_code, "start code"))
    from tutor.ui.candidate import CandidateApp

    app = CandidateApp(service, attempt_id, templates_dir(), clock)
    app.run()
    return 0


def _sitting_analysis(args: argparse.Namespace, engine, actor) -> int:
    from tutor.clock import SystemClock
    from tutor.services.review import ReviewService

    analysis = ReviewService(engine, SystemClock().now).analyse_sitting(actor, args.sitting_id)
    if args.json:
        print_json({"sitting": analysis.sitting_id, "test": analysis.test_code, "candidates": analysis.candidates,
                     "kr20": analysis.form.kr20, "mean_score": analysis.form.mean_score,
                     "items": [{"position": i.position, "item": i.item_id, "version": i.version, "outcome": i.outcome,
                                "criterion": i.criterion, "facility": i.stats.facility,
                                "discrimination": i.stats.discrimination, "flag": i.stats.flag}
                               for i in analysis.items]})
    else:
        sys.stdout.write(renderer().render("cli/item_analysis.txt.j2", analysis=analysis))
    return 0
