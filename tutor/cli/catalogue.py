"""``tutor spec parse``, ``tutor import``, ``tutor quals`` and ``tutor show``: specification documents and the
catalogue of qualifications and units they are stored in."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path

from tutor.cli.core import group, print_json, renderer
from tutor.cli.database import bank_folder, open_command_database, signed_in

COMMANDS = ("spec", "import", "quals", "show")


def add_catalogue_commands(commands, common: argparse.ArgumentParser) -> None:
    spec_commands = group(commands, "spec", "work with specification documents")
    parse = spec_commands.add_parser("parse", parents=[common], help="print a document's reading as JSON (writes nothing)")
    parse.add_argument("path", type=Path)

    imp = commands.add_parser("import", parents=[common], help="store specification documents in the catalogue")
    imp.add_argument("paths", type=Path, nargs="+", metavar="PATH")

    quals = commands.add_parser("quals", parents=[common], help="list qualifications with their counts")
    quals.add_argument("--json", action="store_true", help="print JSON")

    show = commands.add_parser("show", parents=[common], help="print one unit's outcomes and criteria")
    show.add_argument("ref", help="regulator unit reference (e.g. A/506/2130) or the body's code (e.g. 2794-210)")
    show.add_argument("--json", action="store_true", help="print JSON")


def run_catalogue_command(args: argparse.Namespace) -> int:
    if args.command == "spec":
        return _spec_parse(args)
    if args.command == "import":
        return _import(args)
    if args.command == "quals":
        return _quals(args)
    return _show(args)


def _catalogue(args: argparse.Namespace, create: bool = False):
    """The catalogue, seen through the signed-in user's permissions (`create`: see make_engine)."""
    from tutor.clock import SystemClock
    from tutor.services.catalogue import CatalogueService
    from tutor.services.guard import CATALOGUE_PERMISSIONS, Guarded

    engine = open_command_database(args, create)
    now = SystemClock().now
    return Guarded(CatalogueService(engine, now), signed_in(args, engine), CATALOGUE_PERMISSIONS, engine, now)


def _spec_parse(args: argparse.Namespace) -> int:
    from tutor.importer import parse_path

    reading = parse_path(args.path, bank_folder(args) / "errata")
    print_json(reading.to_reference_dict(seed=args.path.name))
    return 0


def _import(args: argparse.Namespace) -> int:
    from tutor.importer import parse_path

    bank = bank_folder(args)
    # Read every document before opening the database, so a bad file stores nothing.
    readings = [(path, parse_path(path, bank / "errata")) for path in args.paths]
    catalogue = _catalogue(args, create=True)
    text = renderer()
    for path, reading in readings:
        result = catalogue.import_reading(reading, path.name)
        sys.stdout.write(text.render("cli/import_summary.txt.j2", result=result))
    return 0


def _quals(args: argparse.Namespace) -> int:
    quals = _catalogue(args).qualifications()
    if args.json:
        print_json([asdict(q) for q in quals])
    else:
        sys.stdout.write(renderer().render("cli/quals.txt.j2", quals=quals))
    return 0


def _show(args: argparse.Namespace) -> int:
    unit = _catalogue(args).unit(args.ref)
    if args.json:
        print_json(asdict(unit))
    else:
        sys.stdout.write(renderer().render("cli/unit.txt.j2", unit=unit))
    return 0
