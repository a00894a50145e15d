"""Benchmark: time to parse and to import the five bundled documents, and first-screen start-up.

Prints figures; asserts nothing. Targets (2-core machine): all five parsed in under 1 s; the first screen
interactive within 1.5x a Textual hello-world (an app showing a seven-row table) measured the same way in
the same run, from interpreter start to the table on screen. The start-up probe launches the app as `tutor
--db URL` does (`tutor.cli.parse_args`, then `tutor.cli.app.build_app`, the function the command runs), on a
database as the operating-system user's first run left it, until the home table holds its rows; it says which
of SQLAlchemy, SQLModel, pydantic, argon2, fsrs and the bank were loaded by then (none: they load behind the
first screen). Every probe has a deadline: a start-up that never reaches its screen is reported as a
failure, never waited on.

    python benchmarks/catalogue.py [--repeat N] [--smoke]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STARTUP_PROBE = r"""
import time
t0 = time.perf_counter()
import asyncio, sys
from tutor.cli import parse_args
from tutor.cli.app import build_app

SLOW = ("sqlalchemy", "sqlmodel", "pydantic", "argon2", "fsrs", "tutor.bank")

async def main():
    # as `tutor --db URL` starts: its arguments read, its app built by the function the command runs (the
    # operating-system user's own database, no password), run headless instead of in the terminal
    app = build_app(parse_args(["--db", sys.argv[1]]))
    from tutor.ui.screens import HomeScreen
    from textual.widgets import DataTable

    async with app.run_test(size=(120, 40)) as pilot:
        deadline = time.perf_counter() + 60
        while not (isinstance(app.screen, HomeScreen) and app.screen.query_one(DataTable).row_count):
            if time.perf_counter() > deadline:
                sys.exit(f"the home screen never showed (on {type(app.screen).__name__})")
            await asyncio.sleep(0.005)
        elapsed = time.perf_counter() - t0
        loaded = [name for name in SLOW if name in sys.modules]
        print("loaded before the first screen:", ",".join(loaded) or "none")
        print(elapsed)

asyncio.run(main())
"""

HELLO_PROBE = r"""
import time
t0 = time.perf_counter()
import asyncio
from textual.app import App
from textual.widgets import DataTable, Footer, Header

class Hello(App):
    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Number", "Title")
        for i in range(7):
            table.add_row(f"600/000{i}/0", f"Qualification {i}")

async def main():
    app = Hello()
    async with app.run_test(size=(120, 40)) as pilot:
        while not app.query_one(DataTable).row_count:
            await asyncio.sleep(0.005)
        print(time.perf_counter() - t0)

asyncio.run(main())
"""


def probe(code: str, *args: str) -> tuple[float, list[str]]:
    """Seconds from the probe interpreter's start to its first screen, and the lines it printed before
    them; SystemExit if it fails or hangs."""
    try:
        out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        raise SystemExit("start-up probe did not finish in 120 s") from None
    if out.returncode:
        lines = (out.stderr.strip() or "no output").splitlines()
        raise SystemExit(f"start-up probe failed: {lines[-1]}")
    *said, seconds = out.stdout.strip().splitlines()
    return float(seconds), said


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="one run of each (the test suite's run)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.repeat = 1

    import getpass

    from tutor.clock import SystemClock
    from tutor.importer import parse_path
    from tutor.importer.errata import load_errata_dir
    from tutor.importer.reader import parse_document, read_document
    from tutor.paths import bank_dir
    from tutor.services.bundled import (
        BUNDLE_META_KEY,
        bundle_fingerprint,
        bundled_specifications,
    )
    from tutor.services.accounts import AccountService
    from tutor.services.catalogue import CatalogueService
    from tutor.storage.engine import open_database

    bank = bank_dir()
    paths = bundled_specifications(bank)
    parse_path(paths[0], bank / "errata")  # warm the regex caches once, as a running app would be

    parse_times = []
    per_document: dict[str, list[float]] = {p.name: [] for p in paths}
    for _ in range(args.repeat):
        start = time.perf_counter()
        errata = load_errata_dir(bank / "errata")
        for path in paths:
            t = time.perf_counter()
            parse_document(read_document(path.read_bytes()), errata)
            per_document[path.name].append(time.perf_counter() - t)
        parse_times.append(time.perf_counter() - start)

    readings = [(p, parse_path(p, bank / "errata")) for p in paths]
    import_times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            catalogue = CatalogueService(open_database(f"sqlite:///{Path(tmp) / f'b{i}.db'}"), SystemClock().now)
            start = time.perf_counter()
            for path, reading in readings:
                catalogue.import_reading(reading, path.name)
            import_times.append(time.perf_counter() - start)
            catalogue.set_meta(BUNDLE_META_KEY, bundle_fingerprint(bank))  # as after a first run
            if i == 0:  # the first run also opens the person's own account: `tutor` then starts signed in
                AccountService(catalogue.engine, SystemClock().now).personal_account(getpass.getuser())
        loaded_url = f"sqlite:///{Path(tmp) / 'b0.db'}"
        startup, hello = [], []
        probe(HELLO_PROBE)  # warm the file cache for both
        probe(STARTUP_PROBE, loaded_url)
        for _ in range(args.repeat):  # interleaved, so both see the same machine load
            hello.append(probe(HELLO_PROBE)[0])
            seconds, said = probe(STARTUP_PROBE, loaded_url)
            startup.append(seconds)
        interpreter = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            interpreter.append(time.perf_counter() - start)

    def fmt(values: list[float]) -> str:
        return f"median {statistics.median(values) * 1000:7.1f} ms  (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})"

    print(f"runs: {args.repeat}")
    print(f"parse all five documents:        {fmt(parse_times)}   target < 1000 ms")
    for name, values in per_document.items():
        print(f"  parse {name:<28} {fmt(values)}")
    print(f"import all five (parsed) to SQLite: {fmt(import_times)}")
    ratio = statistics.median(startup) / statistics.median(hello)
    print(f"first screen interactive:        {fmt(startup)}   (from interpreter start of the probe)")
    print(f"  {said[-1] if said else 'loaded before the first screen: not said'}")
    print(f"  Textual hello-world, same way:  {fmt(hello)}")
    print(f"  ratio to hello-world: {ratio:.2f}   target at most 1.5")
    print(f"  python interpreter start alone: {fmt(interpreter)}")
    return {"parse": statistics.median(parse_times), "import": statistics.median(import_times),
            "startup": statistics.median(startup), "hello": statistics.median(hello), "ratio": ratio}


if __name__ == "__main__":
    main()
