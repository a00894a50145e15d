"""The ``tutor`` command line.

``tutor`` alone opens the app. Every failure a person can cause (a bad file, an unknown
unit, an unreachable database) ends with one line on stderr and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import NoReturn

EXIT_USAGE = 2
EXIT_FAILURE = 1


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


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


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                        help="database URL (default: $TUTOR_DATABASE_URL, else SQLite in the user data folder)")
    common.add_argument("--bank", metavar="DIR", type=Path, default=argparse.SUPPRESS,
                        help="question bank folder (default: the bundled one)")
    common.add_argument("--user", metavar="NAME", default=argparse.SUPPRESS,
                        help="sign in as NAME (default: $TUTOR_USER); the password is $TUTOR_PASSWORD or asked for")
    common.add_argument("--require-login", action="store_true", default=argparse.SUPPRESS,
                        help="always sign in with a password, even on a database only you use")

    parser = _Parser(prog="tutor", parents=[common],
                     description="Practise, test and review UK customer-service qualifications.")
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    spec = commands.add_parser("spec", help="work with specification documents")
    spec_commands = spec.add_subparsers(dest="spec_command", metavar="ACTION", required=True, parser_class=_Parser)
    parse = spec_commands.add_parser("parse", parents=[common], help="print a document's reading as JSON (writes nothing)")
    parse.add_argument("path", type=Path)

    imp = commands.add_parser("import", parents=[common], help="store specification documents in the catalogue")
    imp.add_argument("paths", type=Path, nargs="+", metavar="PATH")

    quals = commands.add_parser("quals", parents=[common], help="list qualifications with their counts")
    quals.add_argument("--json", action="store_true", help="print JSON")

    show = commands.add_parser("show", parents=[common], help="print one unit's outcomes and criteria")
    show.add_argument("ref", help="regulator unit reference (e.g. A/506/2130) or the body's code (e.g. 2794-210)")
    show.add_argument("--json", action="store_true", help="print JSON")

    bank = commands.add_parser("bank", help="check and measure the question bank")
    bank_commands = bank.add_subparsers(dest="bank_command", metavar="ACTION", required=True, parser_class=_Parser)
    for name, text in (
        ("check", "validate every item and knowledge sheet; report the test forms the bank allows"),
        ("stats", "item-writing cue figures of the secure items; with --items, item statistics over every sitting"),
        ("audit", "test-wise strategies, register balance, exposure in practice and give-away pairs of each "
                  "test's secure pool; exits non-zero when a threshold fails"),
        ("coverage", "per qualification: knowledge criteria with sheets, items and open prompts"),
    ):
        action = bank_commands.add_parser(name, parents=[common], help=text)
        action.add_argument("--json", action="store_true", help="print JSON")
        if name == "stats":
            action.add_argument("--items", action="store_true",
                                help="per item over all sittings: times seen, facility, discrimination, option choices")
            action.add_argument("--test", metavar="CODE", help="with --items: one test's items only (e.g. 2794-210)")
    for name, text in (("to-review", "send a secure item back to review: no new form draws it (admin)"),
                       ("return", "return an item in review to use on new forms (admin)")):
        action = bank_commands.add_parser(name, parents=[common], help=text)
        action.add_argument("item", metavar="ITEM", help="the item's id, e.g. 210-1.1-S11")
        action.add_argument("--reason", required=True, help="why (recorded in the audit trail)")

    _add_interchange_commands(bank_commands, common)
    _add_sitting_commands(commands, common)

    from tutor.cli_review import add_review_commands

    add_review_commands(commands, common)

    from tutor.cli_serve import add_serve_command

    add_serve_command(commands, common)

    test = commands.add_parser("test", parents=[common], help="sit an invigilated test (candidate)")
    test.add_argument("--sitting", type=ROW_ID, required=True, metavar="ID")
    test.add_argument("--candidate", required=True, metavar="NUMBER")
    test.add_argument("--start-code", metavar="CODE", help="the start code (asked for if not given)")
    return parser


INTERCHANGE_FORMATS = ("qti3", "moodle-xml", "gift", "aiken")  # tutor.interchange.FORMATS, without loading it


def _add_interchange_commands(bank_commands, common: argparse.ArgumentParser) -> None:
    export = bank_commands.add_parser(
        "export", parents=[common],
        help="write a unit's approved practice items as a QTI 3.0 package, Moodle XML, GIFT or Aiken")
    export.add_argument("--format", required=True, choices=INTERCHANGE_FORMATS)
    export.add_argument("--unit", required=True, metavar="UNIT", help="e.g. 2794-210")
    export.add_argument("--output", type=Path, metavar="PATH", help="the file to write (default: standard output; "
                                                                     "a QTI package needs a file)")
    export.add_argument("--force", action="store_true", help="replace an existing file")
    export.add_argument("--include-secure", action="store_true",
                        help="the approved secure items too (admin; recorded in the audit trail)")
    export.add_argument("--drafts", action="store_true", help="draft items too (e.g. imported ones, for review)")
    imp = bank_commands.add_parser("import", parents=[common],
                                   help="bring questions in from QTI 3.0, Moodle XML, GIFT or Aiken as draft items "
                                        "(admin)")
    imp.add_argument("path", type=Path, metavar="PATH")
    imp.add_argument("--unit", required=True, metavar="UNIT", help="the unit the questions belong to")
    imp.add_argument("--criterion", metavar="N", help="the knowledge criterion of every question (default: from "
                                                      "each question's tags or category)")
    imp.add_argument("--format", choices=INTERCHANGE_FORMATS, help="default: told from the file")


def _add_sitting_commands(commands, common: argparse.ArgumentParser) -> None:
    sitting = commands.add_parser("sitting", help="invigilate a test sitting")
    actions = sitting.add_subparsers(dest="sitting_command", metavar="ACTION", required=True, parser_class=_Parser)
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


def _version() -> str:
    from tutor import __version__

    return f"tutor {__version__}"


def main(argv: list[str] | None = None) -> int:
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
    from tutor.cli_review import REVIEW_COMMANDS, run_review_command
    from tutor.domain.access import PermissionDenied
    from tutor.export import ExportError
    from tutor.importer import SpecError
    from tutor.services.accounts import AccountError
    from tutor.services.catalogue import NotFound
    from tutor.services.review import ReviewError
    from tutor.services.sittings import SittingError
    from tutor.storage.engine import StorageError

    try:
        if args.command == "spec":
            return _spec_parse(args)
        if args.command == "import":
            return _import(args)
        if args.command == "quals":
            return _quals(args)
        if args.command == "show":
            return _show(args)
        if args.command == "bank":
            return _bank_command(args)
        if args.command == "sitting":
            return _sitting_command(args)
        if args.command == "test":
            return _sit_test(args)
        if args.command == "serve":
            from tutor.cli_serve import run_serve

            return run_serve(args)
        if args.command in REVIEW_COMMANDS:
            return run_review_command(args)
        return _run_app(args)
    except PermissionDenied as exc:
        raise UserError(f"not allowed: {exc}") from None
    except (SpecError, StorageError, NotFound, BankError, SittingError, AccountError, ReviewError,
            ExportError) as exc:
        raise UserError(str(exc)) from None


def _bank(args: argparse.Namespace) -> Path:
    from tutor.paths import bank_dir

    bank = getattr(args, "bank", None)
    if bank is None:
        return bank_dir()
    if not bank.is_dir():
        raise UserError(f"{bank}: no such question bank folder")
    return bank


def _database_url(args: argparse.Namespace) -> str:
    from tutor.paths import default_database_url

    return getattr(args, "db", None) or default_database_url()


def open_command_database(args: argparse.Namespace, create: bool = False):
    """The command's database. Only the app, `tutor import` and the embedded default (the product's own
    file, made with its folder on first use) may create one; a read command on a path that names no database
    is an error, never an empty catalogue."""
    from tutor.paths import default_database_url
    from tutor.storage.engine import open_database

    url = _database_url(args)
    if url == default_database_url({}):  # the built-in default, not a URL someone typed
        from tutor.paths import default_database_path

        default_database_path().parent.mkdir(parents=True, exist_ok=True)
        create = True
    return open_database(url, create)


def _catalogue(args: argparse.Namespace, create: bool = False):
    """The catalogue, seen through the signed-in user's permissions (`create`: see make_engine)."""
    from tutor.clock import SystemClock
    from tutor.services.catalogue import CatalogueService
    from tutor.services.guard import CATALOGUE_PERMISSIONS, Guarded

    engine = open_command_database(args, create)
    now = SystemClock().now
    return Guarded(CatalogueService(engine, now), signed_in(args, engine), CATALOGUE_PERMISSIONS, engine, now)


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
        import getpass

        password = getpass.getpass(f"Password for {username}: ")
    return accounts.login(username, password)


def _renderer():
    from tutor.paths import templates_dir
    from tutor.rendering import TextRenderer

    return TextRenderer(templates_dir())


def _spec_parse(args: argparse.Namespace) -> int:
    from tutor.importer import parse_path

    reading = parse_path(args.path, _bank(args) / "errata")
    json.dump(reading.to_reference_dict(seed=args.path.name), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def _import(args: argparse.Namespace) -> int:
    from tutor.importer import parse_path

    bank = _bank(args)
    # Read every document before opening the database, so a bad file stores nothing.
    readings = [(path, parse_path(path, bank / "errata")) for path in args.paths]
    catalogue = _catalogue(args, create=True)
    renderer = _renderer()
    for path, reading in readings:
        result = catalogue.import_reading(reading, path.name)
        sys.stdout.write(renderer.render("cli/import_summary.txt.j2", result=result))
    return 0


def _quals(args: argparse.Namespace) -> int:
    quals = _catalogue(args).qualifications()
    if args.json:
        json.dump([asdict(q) for q in quals], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(_renderer().render("cli/quals.txt.j2", quals=quals))
    return 0


def _show(args: argparse.Namespace) -> int:
    unit = _catalogue(args).unit(args.ref)
    if args.json:
        json.dump(asdict(unit), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(_renderer().render("cli/unit.txt.j2", unit=unit))
    return 0


def _bank_command(args: argparse.Namespace) -> int:
    from tutor.bank.audit import audit_bank
    from tutor.bank.checks import problems_as_dicts
    from tutor.paths import templates_dir

    if args.bank_command in ("to-review", "return") or (args.bank_command == "stats" and args.items):
        return _item_quality_command(args)
    if args.bank_command in ("export", "import"):
        return _interchange_command(args)
    if args.bank_command == "stats" and args.test:
        raise UserError("--test goes with --items (the item statistics of one test)")

    audit = audit_bank(_bank(args), templates_dir())
    renderer = _renderer()
    if args.bank_command == "check":
        problems, forms = audit.problems(), audit.forms()
        if args.json:
            _print_json({"problems": problems_as_dicts(problems), "forms": [asdict(f) for f in forms],
                         "authored": len(audit.bank.items), "generated": len(audit.generated)})
        else:
            sys.stdout.write(renderer.render(
                "cli/bank_check.txt.j2", problems=problems, forms=forms, authored=len(audit.bank.items),
                generated=len(audit.generated), sheets=len(audit.bank.sheets)))
        return EXIT_FAILURE if problems else 0
    if args.bank_command == "audit":
        audits = audit.secure_audits()
        if args.json:
            _print_json([a.to_dict() for a in audits])
        else:
            from tutor.bank.secure_audit import LIMITS

            sys.stdout.write(renderer.render("cli/bank_audit.txt.j2", audits=audits, limits=LIMITS))
        return 0 if all(a.passed for a in audits) else EXIT_FAILURE
    if args.bank_command == "stats":
        stats = {form.unit: audit.secure_stats(form.qualification, form.unit) for form in audit.forms()}
        if args.json:
            _print_json({unit: asdict(s) for unit, s in stats.items()})
        else:
            sys.stdout.write(renderer.render("cli/bank_stats.txt.j2", stats=stats))
        return 0
    rows = audit.coverage()
    if args.json:
        _print_json([asdict(r) for r in rows])
    else:
        sys.stdout.write(renderer.render("cli/bank_coverage.txt.j2", rows=rows))
    return 0


def _item_quality_command(args: argparse.Namespace) -> int:
    from tutor.clock import SystemClock
    from tutor.services.item_quality import ItemQualityError, ItemQualityService

    engine = _ready_database(args, create=args.bank_command != "stats")
    actor = signed_in(args, engine)
    service = ItemQualityService(engine, SystemClock().now)
    renderer = _renderer()
    try:
        if args.bank_command == "stats":
            rows = service.item_statistics(actor, args.test)
            if args.json:
                _print_json([{"item": r.item_id, "version": r.version, "outcome": r.outcome, "criterion": r.criterion,
                              "in_review": r.in_review, **asdict(r.usage)} for r in rows])
            else:
                from tutor.domain.item_analysis import MIN_SEEN

                sys.stdout.write(renderer.render("cli/item_statistics.txt.j2", rows=rows, test=args.test,
                                                 min_seen=MIN_SEEN))
            return 0
        if args.bank_command == "to-review":
            service.send_to_review(actor, args.item, args.reason)
        else:
            service.return_to_use(actor, args.item, args.reason)
    except ItemQualityError as exc:
        raise UserError(str(exc)) from None
    sys.stdout.write(renderer.render("cli/item_status.txt.j2", item=args.item.strip(), command=args.bank_command))
    return 0


def _interchange_command(args: argparse.Namespace) -> int:
    from tutor.clock import SystemClock
    from tutor.export import check_output_path, write_atomically
    from tutor.interchange import InterchangeError
    from tutor.interchange.safety import read_input
    from tutor.services.interchange import InterchangeService

    try:
        if args.bank_command == "import":
            data = read_input(args.path)  # read and size-checked before the database is opened
            engine = _ready_database(args, create=True)
            service = InterchangeService(engine, SystemClock().now)
            report = service.import_file(signed_in(args, engine), data, args.path.name, args.unit, args.criterion,
                                         args.format)
            sys.stdout.write(_renderer().render("cli/bank_import.txt.j2", report=report))
            return 0
        if args.output is None and args.format == "qti3":
            raise UserError("a QTI 3.0 package is a zip file: give --output PATH")
        target = check_output_path(args.output, overwrite=args.force) if args.output is not None else None
        engine = _ready_database(args)
        service = InterchangeService(engine, SystemClock().now)
        written = service.export(signed_in(args, engine), args.unit, args.format, args.include_secure, args.drafts)
    except InterchangeError as exc:
        raise UserError(str(exc)) from None
    summary = _renderer().render("cli/bank_export.txt.j2", written=written, unit=args.unit, format=args.format,
                                 target=args.output if target is not None else "standard output",
                                 secure=args.include_secure)
    if target is None:
        sys.stdout.buffer.write(written.data)
        sys.stdout.flush()
        sys.stderr.write(summary)
    else:
        write_atomically(target, written.data)
        sys.stdout.write(summary)
    return 0


def _ready_database(args: argparse.Namespace, create: bool = False):
    """The database with the bundled catalogue and question bank loaded (loading them if needed); `create`
    for the commands that set something up (a sitting, an item's status), never for one that only reads."""
    from tutor.clock import SystemClock
    from tutor.paths import templates_dir
    from tutor.services.bundled import import_bundled, needs_bundled_import
    from tutor.services.catalogue import CatalogueService

    engine = open_command_database(args, create)
    catalogue = CatalogueService(engine, SystemClock().now)
    bank = _bank(args)
    if needs_bundled_import(catalogue, bank):
        print("tutor: loading the bundled catalogue and question bank (first run)...", file=sys.stderr)
        import_bundled(catalogue, bank, templates=templates_dir())
    return engine


def _code(given: str | None, what: str) -> str:
    if given:
        return given
    if not sys.stdin.isatty():
        raise UserError(f"give the {what} with --{'start-code' if 'start' in what else 'code'}")
    import getpass

    return getpass.getpass(f"{what[0].upper()}{what[1:]}: ")


def _sitting_command(args: argparse.Namespace) -> int:
    from tutor.clock import SystemClock
    from tutor.domain.testing import format_remaining
    from tutor.services.accounts import SETUP
    from tutor.services.guard import SITTING_PERMISSIONS, Guarded
    from tutor.services.sittings import SittingService

    engine = _ready_database(args, create=args.sitting_command == "create")
    now = SystemClock().now
    user = signed_in(args, engine)
    if args.sitting_command == "analyse":
        from tutor.cli_review import sitting_analysis

        return sitting_analysis(args, engine, user)
    service = Guarded(SittingService(engine, now), user, SITTING_PERMISSIONS, engine, now)
    renderer = _renderer()
    renderer.env.globals["format_remaining"] = format_remaining
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
        sys.stdout.write(renderer.render("cli/sitting_created.txt.j2", sitting_id=sitting_id, test=test,
                                         start_code=start_code, invigilator_code=invigilator_code))
        return 0
    sitting_id = args.sitting_id

    def done(action: str, **context) -> None:
        sys.stdout.write(renderer.render("cli/sitting_done.txt.j2", action=action, sitting_id=sitting_id, **context))

    if command == "add-candidate":
        service.register_candidate(sitting_id, args.number, args.name, actor, args.extra_time,
                                   args.extra_time_reason, args.rest_breaks, args.rest_breaks_reason,
                                   learner=args.learner)
        done("registered", candidate=args.number)
    elif command == "status":
        rows = service.status(sitting_id)
        if args.json:
            _print_json([asdict(r) for r in rows])
        else:
            sys.stdout.write(renderer.render("cli/sitting_status.txt.j2", rows=rows, sitting_id=sitting_id,
                                             total=service.test_total(sitting_id)))
    elif command == "results":
        rows = service.results(sitting_id)
        if args.json:
            _print_json([asdict(r) for r in rows])
        else:
            sys.stdout.write(renderer.render("cli/sitting_results.txt.j2", rows=rows))
    elif command == "events":
        sys.stdout.write(renderer.render("cli/sitting_events.txt.j2", events=service.events(sitting_id)))
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


def _sit_test(args: argparse.Namespace) -> int:
    from tutor.clock import SystemClock
    from tutor.paths import templates_dir
    from tutor.services.sittings import SittingService

    clock = SystemClock()
    service = SittingService(_ready_database(args), clock.now)
    attempt_id = service.start(args.sitting, args.candidate, _code(args.start_code, "start code"))
    from tutor.ui.candidate import CandidateApp

    app = CandidateApp(service, attempt_id, templates_dir(), clock)
    app.run()
    return 0


def _print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _run_app(args: argparse.Namespace) -> int:
    from tutor.clock import SystemClock
    from tutor.paths import templates_dir
    from tutor.ui.app import TutorApp

    engine = open_command_database(args, create=True)
    import getpass

    app = TutorApp(engine=engine, bank=_bank(args), templates=templates_dir(), clock=SystemClock(),
                   os_user=getpass.getuser(), require_login=requires_login(args, engine))
    app.run()
    return app.return_code or 0
