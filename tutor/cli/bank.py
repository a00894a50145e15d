"""``tutor bank``: check and measure the question bank (check, stats, audit, coverage), an item's status
(to-review, return) and the exchange of questions with other systems (export, import)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path

from tutor.cli.core import EXIT_FAILURE, UserError, group, print_json, renderer
from tutor.cli.database import bank_folder, ready_database, signed_in


def add_bank_commands(commands, common: argparse.ArgumentParser) -> None:
    bank_commands = group(commands, "bank", "check and measure the question bank")
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
    imp.add_argument("--keep-status", action="store_true",
                     help="give each item the status the file records for it (tutor's own exports record it) "
                          "instead of making it a draft; an item the file records none for stays a draft (admin; "
                          "recorded in the audit trail with the count per status)")


def run_bank_command(args: argparse.Namespace) -> int:
    from tutor.bank.audit import audit_bank
    from tutor.bank.checks import problems_as_dicts
    from tutor.paths import templates_dir

    if args.bank_command in ("to-review", "return") or (args.bank_command == "stats" and args.items):
        return _item_quality_command(args)
    if args.bank_command in ("export", "import"):
        return _interchange_command(args)
    if args.bank_command == "stats" and args.test:
        raise UserError("--test goes with --items (the item statistics of one test)")

    audit = audit_bank(bank_folder(args), templates_dir())
    text = renderer()
    if args.bank_command == "check":
        problems, forms = audit.problems(), audit.forms()
        if args.json:
            print_json({"problems": problems_as_dicts(problems), "forms": [asdict(f) for f in forms],
                         "authored": len(audit.bank.items), "generated": len(audit.generated)})
        else:
            sys.stdout.write(text.render(
                "cli/bank_check.txt.j2", problems=problems, forms=forms, authored=len(audit.bank.items),
                generated=len(audit.generated), sheets=len(audit.bank.sheets)))
        return EXIT_FAILURE if problems else 0
    if args.bank_command == "audit":
        audits = audit.secure_audits()
        if args.json:
            print_json([a.to_dict() for a in audits])
        else:
            from tutor.bank.secure_audit import LIMITS

            sys.stdout.write(text.render("cli/bank_audit.txt.j2", audits=audits, limits=LIMITS))
        return 0 if all(a.passed for a in audits) else EXIT_FAILURE
    if args.bank_command == "stats":
        stats = {form.unit: audit.secure_stats(form.qualification, form.unit) for form in audit.forms()}
        if args.json:
            print_json({unit: asdict(s) for unit, s in stats.items()})
        else:
            sys.stdout.write(text.render("cli/bank_stats.txt.j2", stats=stats))
        return 0
    rows = audit.coverage()
    if args.json:
        print_json([asdict(r) for r in rows])
    else:
        sys.stdout.write(text.render("cli/bank_coverage.txt.j2", rows=rows))
    return 0


def _item_quality_command(args: argparse.Namespace) -> int:
    from tutor.clock import SystemClock
    from tutor.services.item_quality import ItemQualityError, ItemQualityService

    engine = ready_database(args, create=args.bank_command != "stats")
    actor = signed_in(args, engine)
    service = ItemQualityService(engine, SystemClock().now)
    text = renderer()
    try:
        if args.bank_command == "stats":
            rows = service.item_statistics(actor, args.test)
            if args.json:
                print_json([{"item": r.item_id, "version": r.version, "outcome": r.outcome, "criterion": r.criterion,
                              "in_review": r.in_review, **asdict(r.usage)} for r in rows])
            else:
                from tutor.domain.item_analysis import MIN_SEEN

                sys.stdout.write(text.render("cli/item_statistics.txt.j2", rows=rows, test=args.test,
                                             min_seen=MIN_SEEN))
            return 0
        if args.bank_command == "to-review":
            service.send_to_review(actor, args.item, args.reason)
        else:
            service.return_to_use(actor, args.item, args.reason)
    except ItemQualityError as exc:
        raise UserError(str(exc)) from None
    sys.stdout.write(text.render("cli/item_status.txt.j2", item=args.item.strip(), command=args.bank_command))
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
            engine = ready_database(args, create=True)
            service = InterchangeService(engine, SystemClock().now)
            report = service.import_file(signed_in(args, engine), data, args.path.name, args.unit, args.criterion,
                                         args.format, keep_status=args.keep_status)
            sys.stdout.write(renderer().render("cli/bank_import.txt.j2", report=report))
            return 0
        if args.output is None and args.format == "qti3":
            raise UserError("a QTI 3.0 package is a zip file: give --output PATH")
        target = check_output_path(args.output, overwrite=args.force) if args.output is not None else None
        engine = ready_database(args)
        service = InterchangeService(engine, SystemClock().now)
        written = service.export(signed_in(args, engine), args.unit, args.format, args.include_secure, args.drafts)
    except InterchangeError as exc:
        raise UserError(str(exc)) from None
    summary = renderer().render("cli/bank_export.txt.j2", written=written, unit=args.unit, format=args.format,
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
