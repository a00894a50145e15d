"""``tutor audit verify``: recompute the hash-chained audit log and the records it vouches for."""

from __future__ import annotations

import argparse
import sys

from tutor.cli.core import group, renderer
from tutor.cli.database import signed_in_database


def add_audit_commands(commands, common: argparse.ArgumentParser) -> None:
    audit = group(commands, "audit", "the hash-chained audit log")
    verify = audit.add_parser("verify", parents=[common], help="recompute the chain; name the first broken link")
    verify.add_argument("--head", metavar="HASH", help="a head hash published earlier (e.g. in an export)")


def run_audit_command(args: argparse.Namespace) -> int:
    from tutor.clock import SystemClock
    from tutor.services.review import ReviewService

    engine, actor = signed_in_database(args)
    review = ReviewService(engine, SystemClock().now)
    report = review.verify_audit(actor, args.head)
    records = review.verify_records(actor) if report.ok else None
    sys.stdout.write(renderer().render("cli/audit_verify.txt.j2", report=report, records=records))
    return 0 if report.ok and records.ok else 1
