"""Benchmark: answer-save latency through SittingService.save_answer, beside the disk's raw fsync.

Prints figures; asserts nothing. Target: p99 save under twice the raw fsync p99 of the same disk
(every save is one committed write transaction: WAL, synchronous=FULL, so one fsync is the floor).

    python benchmarks/answer_save.py [-n 2000] [--dir DIR] [--profile]

The database and the fsync probe file live in one temporary directory (under ``--dir`` if given,
so both are on the disk being measured). Each save is followed by a heartbeat, as a live client
sends them, and by one raw fsync: the target compares saves with fsyncs timed alongside them. A
second run of raw fsyncs on the quiet disk, after the saves, is printed too. ``--profile`` adds an
instrumented pass that counts the SQL statements per save and splits a save's time at the COMMIT.
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


class FsyncProbe:
    """Small writes, each followed by os.fsync, on a preallocated file: the disk's raw fsync."""

    def __init__(self, folder: Path) -> None:
        self.fd = os.open(folder / "fsync-probe.bin", os.O_RDWR | os.O_CREAT, 0o600)
        os.write(self.fd, b"\0" * BLOCK * REGION_BLOCKS)
        os.fsync(self.fd)
        self.block = os.urandom(BLOCK)
        self.count = 0

    def timed(self) -> float:
        start = time.perf_counter()
        os.pwrite(self.fd, self.block, (self.count % REGION_BLOCKS) * BLOCK)
        os.fsync(self.fd)
        self.count += 1
        return time.perf_counter() - start

    def close(self) -> None:
        os.close(self.fd)


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


def timed_saves(service, attempt_id: int, n: int, offset: int = 0, beats: list[float] | None = None,
                probe: FsyncProbe | None = None, fsyncs: list[float] | None = None) -> list[float]:
    """N answer saves, each followed by one client heartbeat, as a live client sends them, and
    (with ``probe``) one raw fsync timed into ``fsyncs``.

    A real client beats once a second and a candidate answers every half-minute or so; one beat
    per answer is the busiest candidate imaginable. The heartbeats are timed into ``beats``.
    The raw fsyncs are interleaved with the saves, not run after them, because this disk's
    latency drifts over seconds: interleaved, both see the same disk at the same time.
    """
    times = []
    for i in range(offset, offset + n):
        position, letter = i % 25 + 1, "ABCD"[(i // 25) % 4]
        start = time.perf_counter()
        service.save_answer(attempt_id, position, letter)
        times.append(time.perf_counter() - start)
        start = time.perf_counter()
        service.heartbeat(attempt_id)
        if beats is not None:
            beats.append(time.perf_counter() - start)
        if probe is not None and fsyncs is not None:
            fsyncs.append(probe.timed())
    return times


def profile(service, attempt_id: int, n: int, offset: int) -> list[str]:
    """Count the SQL statements of a save and split its time at the COMMIT: the work before it
    (statements and Python), the COMMIT itself (the WAL write and its fsync), and the release after
    it. SQLite only: it traces the ``sqlite3`` connections, since the save path drives them directly."""
    from sqlalchemy import event

    engine = service.engine
    if engine.dialect.name != "sqlite":
        return ["profile: SQLite only"]
    kinds: Counter[str] = Counter()
    trace: list[tuple[str, float]] = []  # (statement kind, when it began) during the current save
    saving = False
    split = {"before": 0.0, "commit": 0.0, "after": 0.0}

    def traced(statement: str) -> None:
        if saving:  # not a heartbeat's statement
            trace.append((statement.split(None, 1)[0].upper(), time.perf_counter()))

    def on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.set_trace_callback(traced)

    engine.dispose()  # new connections, each traced from the start
    event.listen(engine, "connect", on_connect)
    try:
        for i in range(offset, offset + n):
            position, letter = i % 25 + 1, "ABCD"[(i // 25) % 4]
            trace.clear()
            saving, start = True, time.perf_counter()
            service.save_answer(attempt_id, position, letter)
            end, saving = time.perf_counter(), False
            kinds.update(kind for kind, _ in trace)
            at = next(k for k, (kind, _) in enumerate(trace) if kind == "COMMIT")
            committed = trace[at + 1][1] if at + 1 < len(trace) else end
            split["before"] += trace[at][1] - start
            split["commit"] += committed - trace[at][1]
            split["after"] += end - committed
            service.heartbeat(attempt_id)
    finally:
        event.remove(engine, "connect", on_connect)
        engine.dispose()
    statements = ", ".join(f"{k} {v / n:.1f}" for k, v in sorted(kinds.items()))
    total = sum(split.values())
    return [
        f"profile over {n} more saves (traced, so a little slower):",
        f"  statements per save: {statements}",
        f"  mean per save: total {ms(total / n)} = before COMMIT (statements and Python) {ms(split['before'] / n)}"
        f" + COMMIT {ms(split['commit'] / n)} + after it {ms(split['after'] / n)}",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="saves (and raw fsyncs) to time")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the temporary directory")
    parser.add_argument("--profile", action="store_true", help="also count statements and split the time")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, seconds: the test suite's run, so the benchmark cannot rot")
    args = parser.parse_args(argv)
    if args.smoke:
        args.n = 20

    with tempfile.TemporaryDirectory(dir=args.dir, prefix="answer-save-") as tmp:
        folder = Path(tmp)
        service, attempt_id = set_up(folder)
        timed_saves(service, attempt_id, 10)  # warm the engine's pool and caches
        pauses: list[float] = []  # full (generation 2) garbage collections during the timed saves
        started: list[float] = []
        beats: list[float] = []
        fsyncs: list[float] = []
        probe = FsyncProbe(folder)
        for _ in range(10):
            probe.timed()  # the first few warm the path

        def watch_gc(phase: str, info: dict) -> None:
            if info["generation"] == 2:
                if phase == "start":
                    started.append(time.perf_counter())
                else:
                    pauses.append(time.perf_counter() - started.pop())

        gc.callbacks.append(watch_gc)
        try:
            saves = timed_saves(service, attempt_id, args.n, offset=10, beats=beats, probe=probe, fsyncs=fsyncs)
            quiet = [probe.timed() for _ in range(args.n)]  # the same probe with nothing else writing
        finally:
            gc.callbacks.remove(watch_gc)
            probe.close()
        tracked = len(gc.get_objects())
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
    print(f"heartbeats between them (not waited on by the candidate; SQLite's WAL checkpoints run here), "
          f"n={len(beats)}:")
    print(f"  median {ms(statistics.median(beats))}   p99 {ms(percentile(beats, 99))}   max {ms(max(beats))}")
    print(f"raw fsync ({BLOCK} B pwrite + os.fsync, one after each save and heartbeat), n={len(fsyncs)}:")
    print(f"  median {ms(statistics.median(fsyncs))}   p99 {ms(p99_fsync)}   max {ms(max(fsyncs))}")
    print(f"raw fsync on a quiet disk (the same probe after the saves, nothing else writing), n={len(quiet)}:")
    print(f"  median {ms(statistics.median(quiet))}   p99 {ms(percentile(quiet, 99))}   max {ms(max(quiet))}")
    ratio = p99_save / p99_fsync if p99_fsync else float("inf")
    verdict = "met" if ratio < 2 else "MISSED"
    print(f"p99 save / p99 fsync = {ratio:.2f}   target < 2.00 (p99 save under twice the raw fsync p99): {verdict}")
    print(f"  (against the quiet-disk fsync instead: {p99_save / percentile(quiet, 99):.2f})")
    for line in profiled:
        print(line)


if __name__ == "__main__":
    main()
