"""Benchmark: time to parse and to import the five bundled documents, and first-screen start-up.

Prints figures; asserts nothing. Targets (2-core machine): all five parsed in under 1 s,
the first screen interactive in under 1 s.

    python benchmarks/catalogue.py [--repeat N]
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
from pathlib import Path
from tutor.clock import SystemClock
from tutor.paths import bank_dir, templates_dir
from tutor.storage.engine import open_database
from tutor.ui.app import TutorApp
from tutor.ui.screens import HomeScreen
from textual.widgets import DataTable

async def main():
    app = TutorApp(open_database(sys.argv[1]), bank_dir(), templates_dir(), SystemClock())
    async with app.run_test(size=(120, 40)) as pilot:
        while not (isinstance(app.screen, HomeScreen) and app.screen.query_one(DataTable).row_count):
            await asyncio.sleep(0.005)
        print(time.perf_counter() - t0)

asyncio.run(main())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

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
        loaded_url = f"sqlite:///{Path(tmp) / 'b0.db'}"
        startup = []
        for _ in range(args.repeat):
            out = subprocess.run([sys.executable, "-c", STARTUP_PROBE, loaded_url], capture_output=True, text=True)
            if out.returncode:
                raise SystemExit(f"start-up probe failed: {out.stderr.strip().splitlines()[-1]}")
            startup.append(float(out.stdout.strip().splitlines()[-1]))
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
    print(f"first screen interactive:        {fmt(startup)}   target < 1000 ms (from interpreter start of the probe)")
    print(f"  python interpreter start alone: {fmt(interpreter)}")


if __name__ == "__main__":
    main()
