"""Benchmark: answer-save latency through SittingService.save_answer, beside the disk's raw fsync.

Prints figures; asserts nothing. Target: p99 save under twice the raw fsync p99 of the same disk
(every save is one committed write transaction: WAL, synchronous=FULL, so one fsync is the floor).

    python benchmarks/answer_save.py [-n 500] [--dir DIR] [--profile]

The database and the fsync probe file live in one temporary directory (under ``--dir`` if given,
so both are on the disk being measured). ``--profile`` adds a second, instrumented pass that
counts the SQL statements per save and splits a save's time into commit and the rest.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

BLOCK = 4096  # bytes per raw write: one page, as a WAL frame carries
REGION_BLOCKS = 256  # the raw writes cycle over 1 MiB of a preallocated file, as a reused WAL does


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.3f} ms"


def raw_fsync(folder: Path, n: int) -> list[float]:
    """N small writes, each followed by os.fsync, on a file in ``folder``."""
    path = folder / "fsync-probe.bin"
    block = os.urandom(BLOCK)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.write(fd, b"\0" * BLOCK * REGION_BLOCKS)
        os.fsync(fd)
        times = []
        for i in range(n + 10):
            start = time.perf_counter()
            os.pwrite(fd, block, (i % REGION_BLOCKS) * BLOCK)
            os.fsync(fd)
            times.append(time.perf_counter() - start)
        return times[10:]  # the first few warm the path
    finally:
        os.close(fd)


def set_up(folder: Path):
    from tutor.clock import SystemClock
    from tutor.paths import bank_dir, templates_dir
    from tutor.services.bundled import import_bundled
    from tutor.services.catalogue import CatalogueService
    from tutor.services.sittings import SittingService
    from tutor.storage.engine import open_database

    url = f"sqlite:///{folder / 'bench.db'}"
    clock = SystemClock()
    import_bundled(CatalogueService(open_database(url), clock.now), bank_dir(), templates=templates_dir())
    service = SittingService(open_database(url), clock.now)
    sitting_id, start_code, _ = service.create_sitting(service.test_definition("2794-210"), "Bench Invigilator")
    service.register_candidate(sitting_id, "B001", "Bench Candidate", "Bench Invigilator")
    return service, service.start(sitting_id, "B001", start_code)


def timed_saves(service, attempt_id: int, n: int, offset: int = 0) -> list[float]:
    times = []
    for i in range(offset, offset + n):
        position, letter = i % 25 + 1, "ABCD"[(i // 25) % 4]
        start = time.perf_counter()
        service.save_answer(attempt_id, position, letter)
        times.append(time.perf_counter() - start)
    return times


def profile(service, attempt_id: int, n: int, offset: int) -> list[str]:
    """Count statements per save and split the time: SQL statements, the COMMIT, and Python."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    kinds: Counter[str] = Counter()
    sql_time = commit_time = 0.0
    marks: dict[str, float] = {}

    def before(conn, cursor, statement, *args):
        marks["stmt"] = time.perf_counter()
        kinds[statement.split(None, 1)[0].upper()] += 1

    def after(conn, cursor, statement, *args):
        nonlocal sql_time
        sql_time += time.perf_counter() - marks["stmt"]

    def on_commit(conn):
        marks["commit"] = time.perf_counter()

    def after_commit(session):
        nonlocal commit_time
        if "commit" in marks:
            commit_time += time.perf_counter() - marks.pop("commit")

    engine = service.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    event.listen(engine, "commit", on_commit)
    event.listen(Session, "after_commit", after_commit)
    try:
        total = sum(timed_saves(service, attempt_id, n, offset))
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
        event.remove(engine, "commit", on_commit)
        event.remove(Session, "after_commit", after_commit)
    statements = ", ".join(f"{k} {v / n:.1f}" for k, v in sorted(kinds.items()))
    return [
        f"profile over {n} more saves (instrumented, so a little slower):",
        f"  statements per save: {statements}  (+ COMMIT 1.0)",
        f"  mean per save: total {ms(total / n)}, commit {ms(commit_time / n)}, other statements (execute) "
        f"{ms(sql_time / n)}, Python/ORM {ms((total - commit_time - sql_time) / n)}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=500, help="saves (and raw fsyncs) to time")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the temporary directory")
    parser.add_argument("--profile", action="store_true", help="also count statements and split the time")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=args.dir, prefix="answer-save-") as tmp:
        folder = Path(tmp)
        service, attempt_id = set_up(folder)
        timed_saves(service, attempt_id, 10)  # warm the engine's pool and caches
        pauses: list[float] = []  # full (generation 2) garbage collections during the timed saves
        started: list[float] = []

        def watch_gc(phase: str, info: dict) -> None:
            if info["generation"] == 2:
                if phase == "start":
                    started.append(time.perf_counter())
                else:
                    pauses.append(time.perf_counter() - started.pop())

        gc.callbacks.append(watch_gc)
        try:
            saves = timed_saves(service, attempt_id, args.n, offset=10)
        finally:
            gc.callbacks.remove(watch_gc)
        tracked = len(gc.get_objects())
        fsyncs = raw_fsync(folder, args.n)
        profiled = profile(service, attempt_id, min(args.n, 200), offset=10 + args.n) if args.profile else []
        service.engine.dispose()

    p99_save, p99_fsync = percentile(saves, 99), percentile(fsyncs, 99)
    tenth = max(1, args.n // 10)
    print(f"directory: {Path(tmp).parent} (database and fsync probe in the same temporary directory)")
    print(f"answer saves (SittingService.save_answer, WAL, synchronous=FULL), n={args.n}:")
    print(f"  median {ms(statistics.median(saves))}   p99 {ms(p99_save)}   max {ms(max(saves))}")
    print(f"  median of the first {tenth}: {ms(statistics.median(saves[:tenth]))}   "
          f"of the last {tenth}: {ms(statistics.median(saves[-tenth:]))}")
    print(f"  full garbage collections during them: {len(pauses)}, {ms(sum(pauses))} in all, longest "
          f"{ms(max(pauses, default=0.0))} ({tracked} objects tracked by the collector)")
    print(f"raw fsync ({BLOCK} B pwrite + os.fsync), n={args.n}:")
    print(f"  median {ms(statistics.median(fsyncs))}   p99 {ms(p99_fsync)}   max {ms(max(fsyncs))}")
    ratio = p99_save / p99_fsync if p99_fsync else float("inf")
    verdict = "met" if ratio < 2 else "MISSED"
    print(f"p99 save / p99 fsync = {ratio:.2f}   target < 2.00 (p99 save under twice the raw fsync p99): {verdict}")
    for line in profiled:
        print(line)


if __name__ == "__main__":
    main()
