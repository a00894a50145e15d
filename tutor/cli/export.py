"""``tutor export portfolio``: a learner's portfolio record for quality assurers (HTML, CSV or JSON)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tutor.cli.core import group, renderer
from tutor.cli.database import signed_in_database


def add_export_commands(commands, common: argparse.ArgumentParser) -> None:
    export = group(commands, "export", "records for quality assurers")
    portfolio = export.add_parser("portfolio", parents=[common], help="a learner's portfolio record")
    portfolio.add_argument("--learner", required=True)
    portfolio.add_argument("--qualification", metavar="NUMBER", help="default: the learner's cohort's")
    portfolio.add_argument("--format", required=True, choices=("html", "csv", "json"))
    portfolio.add_argument("--output", required=True, type=Path, metavar="PATH")
    portfolio.add_argument("--force", action="store_true", help="replace an existing file")


def run_export_command(args: argparse.Namespace) -> int:
    from tutor.clock import SystemClock
    from tutor.export import write_portfolio
    from tutor.paths import templates_dir
    from tutor.services.review import ReviewService

    engine, actor = signed_in_database(args)
    portfolio = ReviewService(engine, SystemClock().now).portfolio(actor, args.learner, args.qualification)
    path = write_portfolio(portfolio, args.format, args.output, templates_dir(), overwrite=args.force)
    sys.stdout.write(renderer().render("cli/review_done.txt.j2", action="exported", path=str(path),
                                       portfolio=portfolio))
    return 0
