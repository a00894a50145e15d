"""Benchmark: a centre's sitting of 2794-210 on PostgreSQL: N candidates at once, their processes SIGKILLed and
restarted midway, the database server restarted once. Prints figures and the acceptance checks.

    python benchmarks/centre.py [--candidates 100] [--workers 10] [--think 20 120] [--compress 30]
                                [--stop-mode immediate|fast] [--url URL --restart-command CMD]
                                [--max-seconds 900] [--bank full|2794-210] [--smoke]

Without ``--url`` it starts a throwaway PostgreSQL server of its own (as ``.ci/run`` does: the newest
/usr/lib/postgresql/*/bin, run as the postgres account when root), listening on 127.0.0.1 only, fsync on,
``max_connections`` sized for the candidates; with ``--url`` (loopback hosts only) it uses that database and runs
``--restart-command`` to restart the server. Each candidate is a thread of a worker process
(``_centre_worker.py``: a "tutor process" that SIGKILL can end) with its own connection, heartbeating once a
second and answering all 25 questions after think times drawn from ``--think`` seconds divided by
``--compress``. Once 40% of the answers are in, every worker is SIGKILLed and started again: each candidate
returns with the start code, finds the attempt interrupted, and the invigilator resumes them all with the
invigilator code. Once 70% are in, the server is restarted (``pg_ctl restart -m fast``, as
``systemctl restart postgresql`` does; ``--stop-mode immediate`` crashes it instead and it recovers). Bounded: at most 500 candidates and ``--max-seconds`` of running.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _centre_server import INVIGILATOR, ThrowawayServer, prepare  # beside this script

HERE = Path(__file__).resolve().parent
WORKER = HERE / "_centre_worker.py"
KILL_AT, RESTART_AT = 0.4, 0.7  # shares of all answers at which the two interruptions come
TOLERANCE = 5.0  # seconds a candidate's remaining time may move across an interruption
LOOPBACK = {"127.0.0.1", "localhost", "::1", None, ""}


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def figures(values: list[float], unit: str = "ms") -> str:
    if not values:
        return "none"
    return (f"median {statistics.median(values):.2f} {unit}, p99 {percentile(values, 99):.2f} {unit}, "
            f"max {max(values):.2f} {unit} (n={len(values)})")


class Candidate:
    """What the coordinator heard from one candidate."""

    def __init__(self, number: str) -> None:
        self.number = number
        self.log: list[tuple[str, int, str]] = []  # ("SAVE"|"ACK", position, letter) in order
        self.left: float | None = None  # remaining seconds, as last reported
        self.at = 0.0  # when it was reported (the coordinator's monotonic clock)
        self.state = "running"  # running | locked | done | error
        self.before: dict[str, tuple[float, float]] = {}  # interruption -> (left, at) before it
        self.after: dict[str, tuple[float, float]] = {}  # interruption -> first (left, at) after it


class Run:
    def __init__(self, args, url: str, sitting_id: int, start_code: str, log: Path) -> None:
        self.args, self.url, self.log = args, url, log
        self.config = {"url": url, "sitting": sitting_id, "start_code": start_code, "think": args.think,
                       "compress": args.compress, "heartbeat": 1.0}
        self.candidates = {f"C{n:04d}": Candidate(f"C{n:04d}") for n in range(1, args.candidates + 1)}
        self.lines: queue.Queue = queue.Queue()
        self.workers: list[subprocess.Popen] = []
        self.readers: list[threading.Thread] = []
        self.saves: list[float] = []
        self.beats: list[float] = []
        self.failures: dict[str, int] = {}
        self.errors: list[str] = []
        self.waiting_for: str | None = None  # the interruption whose "after" figures are being collected
        self.rss_mib: list[float] = []
        self.timeline: list[tuple[float, str, float]] = []  # (when heard, "save"|"beat"|phase, ms) for --dump

    def spawn(self, incarnation: int) -> None:
        numbers = [n for n, c in self.candidates.items() if c.state in ("running", "locked")]
        for index in range(self.args.workers):
            mine = numbers[index::self.args.workers]
            if not mine:
                continue
            with open(self.log, "ab") as log:
                worker = subprocess.Popen([sys.executable, str(WORKER)], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=log)
            config = dict(self.config, candidates=[(n, hash((n, incarnation, self.args.seed)) & 0xFFFFFFF,
                                                    numbers.index(n) * self.args.stagger) for n in mine])
            worker.stdin.write((json.dumps(config) + "\n").encode())
            worker.stdin.flush()
            reader = threading.Thread(target=self._read, args=(worker,), daemon=True)
            reader.start()
            self.workers.append(worker)
            self.readers.append(reader)
        # Every worker loads its modules first, as a browser session's process starts before its candidate
        # types the start code; then all the candidates sit down (--stagger apart).
        self.ready = 0
        self.drain(time.monotonic() + 120, stop=lambda: self.ready == len(self.workers))
        for worker in self.workers:
            worker.stdin.write(b"GO\n")
            worker.stdin.close()

    def _read(self, worker: subprocess.Popen) -> None:
        for raw in worker.stdout:
            self.lines.put((time.monotonic(), raw.decode().rstrip("\n").split(" ", 5)))

    def hear(self, at: float, parts: list[str]) -> None:
        if parts[0] == "READY":
            self.ready += 1
            return
        kind, candidate = parts[0], self.candidates[parts[1]]
        if kind in ("SAVE", "ACK"):
            candidate.log.append((kind, int(parts[2]), parts[3]))
        if kind == "ACK":
            self.saves.append(float(parts[4]))
            self.timeline.append((at, f"save {parts[1]} {parts[2]}", float(parts[4])))
            self._left(candidate, float(parts[5]), at)
        elif kind == "HB":
            self.beats.append(float(parts[2]))
            self.timeline.append((at, f"beat {parts[1]}", float(parts[2])))
            self._left(candidate, float(parts[3]), at)
        elif kind == "FAIL":
            self.failures[parts[2]] = self.failures.get(parts[2], 0) + 1
        elif kind == "LOCKED":
            candidate.state = "locked"
        elif kind == "DONE":
            candidate.state = "done"
        elif kind == "ERROR":
            candidate.state = "error"
            self.errors.append(f"{parts[1]}: {' '.join(parts[2:]).strip()}")

    def _left(self, candidate: Candidate, left: float, at: float) -> None:
        candidate.left, candidate.at = left, at
        if candidate.state == "locked":
            candidate.state = "running"
        if self.waiting_for and self.waiting_for not in candidate.after and self.waiting_for in candidate.before:
            candidate.after[self.waiting_for] = (left, at)

    def drain(self, until: float, stop=lambda: False) -> None:
        """Hear every line until ``until`` (monotonic) or until ``stop()``; fail past --max-seconds."""
        while not stop():
            if time.monotonic() > self.deadline:
                raise TimeoutError(f"the run went past --max-seconds ({self.args.max_seconds})")
            try:
                at, parts = self.lines.get(timeout=max(0.0, min(0.2, until - time.monotonic())))
            except queue.Empty:
                if time.monotonic() >= until:
                    return
                continue
            self.hear(at, parts)

    def acks(self) -> int:
        return sum(1 for c in self.candidates.values() for kind, _, _ in c.log if kind == "ACK")

    def active(self) -> list[Candidate]:
        return [c for c in self.candidates.values() if c.state in ("running", "locked")]

    def snapshot(self, name: str) -> None:
        for candidate in self.active():
            if candidate.left is not None:
                candidate.before[name] = (candidate.left, candidate.at)
        self.waiting_for = name

    def rss(self) -> None:
        total = 0.0
        for worker in self.workers:
            try:
                status = Path(f"/proc/{worker.pid}/status").read_text()
                total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))) / 1024
            except (OSError, StopIteration):
                pass
        self.rss_mib.append(total)

    def kill_and_restart_workers(self, invigilator_code: str, service) -> float:
        """SIGKILL every worker, start them again, resume every candidate as the invigilator; seconds it took."""
        started = time.monotonic()
        self.rss()
        for worker in self.workers:
            worker.send_signal(signal.SIGKILL)
        for worker, reader in zip(self.workers, self.readers, strict=True):
            worker.wait()
            reader.join()
        self.drain(time.monotonic())  # every line written before the kill
        self.workers, self.readers = [], []
        self.snapshot("kill")
        self.timeline.append((time.monotonic(), "killed", 0.0))
        self.spawn(incarnation=2)
        returning = {c.number for c in self.active()}
        self.drain(time.monotonic() + 120, stop=lambda: all(self.candidates[n].state in ("locked", "done", "error")
                                                             for n in returning))
        service.resume_all(self.config["sitting"], INVIGILATOR, invigilator_code, "benchmark: workers restarted")
        self.timeline.append((time.monotonic(), "resumed", 0.0))
        return time.monotonic() - started

    def everyone_back(self, name: str) -> bool:
        return all(name in c.after or name not in c.before for c in self.active())


def verify(run: Run, url: str, sitting_id: int) -> dict:
    """Acknowledged answers against the stored ones, and the record's integrity."""
    from sqlmodel import Session, select

    from tutor.clock import SystemClock
    from tutor.domain.access import ADMIN, Actor
    from tutor.domain.testing import form_from_json
    from tutor.services.review import ReviewService
    from tutor.services.sittings import SittingService
    from tutor.storage import tables as t
    from tutor.storage.engine import open_prepared_database

    engine = open_prepared_database(url)
    service = SittingService(engine, SystemClock().now)
    acknowledged = matched = unacknowledged = 0
    lost: list[str] = []
    statuses: dict[str, int] = {}
    rescored = True
    with Session(engine) as session:
        for number, candidate in run.candidates.items():
            row = session.exec(select(t.Attempt).join(t.Candidate, t.Candidate.id == t.Attempt.candidate_id)
                               .where(t.Candidate.sitting_id == sitting_id, t.Candidate.number == number)).first()
            acks = [(p, letter) for kind, p, letter in candidate.log if kind == "ACK"]
            acknowledged += len(acks)
            if row is None:
                lost += [f"{number} (no attempt)"] if acks else []
                continue
            statuses[row.status] = statuses.get(row.status, 0) + 1
            questions = form_from_json(row.form_seed, row.form)[0].questions
            stored = [(a.position, questions[a.position - 1].own_to_shown(a.chosen) if a.chosen else None)
                      for a in session.exec(select(t.AttemptAnswer).where(t.AttemptAnswer.attempt_id == row.id)
                                            .order_by(t.AttemptAnswer.id))]
            found, rest = 0, iter(stored)  # every acknowledged save, in order, among the stored rows
            for ack in acks:
                if any(ack == s for s in rest):
                    found += 1
                else:
                    lost.append(f"{number} question {ack[0]} answer {ack[1]}")
                    break
            matched += found
            unacknowledged += len(stored) - found
            if row.status == "submitted" and service.rescore(row.id).raw != row.raw_score:
                rescored = False
        interruptions = len(session.exec(select(t.TestEvent).where(t.TestEvent.sitting_id == sitting_id,
                                                                   t.TestEvent.kind == "interrupted")).all())
    reviewer = ReviewService(engine, SystemClock().now)
    actor = Actor("bench-admin", ADMIN, "Benchmark")
    chain, records = reviewer.verify_audit(actor), reviewer.verify_records(actor)
    engine.dispose()
    return {"acknowledged": acknowledged, "matched": matched, "lost": lost, "unacknowledged": unacknowledged,
            "statuses": statuses, "rescored": rescored, "interruptions": interruptions, "chain": chain,
            "records": records}


def clock_line(run: Run, name: str, what: str) -> tuple[str, float]:
    diffs = [c.before[name][0] - c.after[name][0] for c in run.candidates.values()
             if name in c.before and name in c.after]
    gaps = [c.after[name][1] - c.before[name][1] for c in run.candidates.values()
            if name in c.before and name in c.after]
    worst = max((abs(d) for d in diffs), default=float("nan"))
    return (f"{what}: remaining time before minus after, per candidate: max |diff| {worst:.2f} s, median "
            f"{statistics.median(diffs) if diffs else float('nan'):.2f} s over {len(diffs)} candidates "
            f"({sum(abs(d) <= TOLERANCE for d in diffs)} within {TOLERANCE:.0f} s); wall time between the two "
            f"reports: median {statistics.median(gaps) if gaps else float('nan'):.2f} s"), worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=100, help="candidates at once (1 to 500)")
    parser.add_argument("--workers", type=int, default=10, help="worker processes the candidates share")
    parser.add_argument("--think", type=float, nargs=2, default=(20.0, 120.0), metavar=("MIN", "MAX"),
                        help="seconds a candidate thinks per question, uniformly drawn (before --compress)")
    parser.add_argument("--compress", type=float, default=10.0,
                        help="divide every think time by this (the saves come this many times as often as in a "
                             "real sitting; the heartbeats do not)")
    parser.add_argument("--stagger", type=float, default=0.1,
                        help="seconds between one candidate sitting down (typing the start code) and the next")
    parser.add_argument("--stop-mode", choices=("fast", "immediate"), default="fast",
                        help="how the server is stopped for its restart: fast (as `systemctl restart postgresql`) "
                             "or immediate (a crash, then recovery)")
    parser.add_argument("--url", help="a PostgreSQL server to create the benchmark's database on (loopback only)")
    parser.add_argument("--restart-command", help="with --url: a shell command that restarts that server")
    parser.add_argument("--bank", choices=("full", "2794-210"), default="full",
                        help="load the whole bundle as a first run does, or only the 2794-210 test's document and items")
    parser.add_argument("--max-seconds", type=float, default=900.0, help="give up after this long")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--dump", type=Path, help="write every save's and heartbeat's time and latency here (JSON)")
    parser.add_argument("--smoke", action="store_true", help="6 candidates, compressed: the test suite's run")
    args = parser.parse_args(argv)
    if args.smoke:
        args.candidates, args.workers, args.compress, args.bank, args.max_seconds = 6, 2, 400.0, "2794-210", 240.0
        args.stagger = 0.02
    if not 1 <= args.candidates <= 500 or not 1 <= args.workers <= args.candidates:
        parser.error("--candidates is 1 to 500, --workers 1 to the number of candidates")
    if args.url and not args.restart_command:
        parser.error("--url needs --restart-command (the benchmark restarts the server once)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        print("centre benchmark skipped: psycopg is not installed (pip install -e '.[test]')")
        return 0

    with tempfile.TemporaryDirectory(prefix="centre-bench-") as tmp:
        server = None
        if args.url:
            from sqlalchemy.engine import make_url

            if make_url(args.url).host not in LOOPBACK:
                parser.error("--url: the benchmark runs on this computer's loopback only")
            server_url, described = args.url, "the given server"

            def restart() -> None:
                subprocess.run(args.restart_command, shell=True, check=True, timeout=300)
        else:
            os.chmod(tmp, 0o755)
            try:
                server = ThrowawayServer(Path(tmp), args.candidates + 30)
            except LookupError as exc:
                print(f"centre benchmark skipped: {exc}")
                return 0
            server.start()
            server_url, described = server.url, f"PostgreSQL {server.version}, throwaway, fsync on"

            def restart() -> None:
                server.restart(args.stop_mode)
        try:
            return run_benchmark(args, server_url, described, restart)
        finally:
            if server is not None:
                server.stop()


def run_benchmark(args, server_url: str, described: str, restart) -> int:
    from tutor.clock import SystemClock
    from tutor.services.sittings import SittingService
    from tutor.storage.engine import open_prepared_database

    url, sitting_id, start_code, invigilator_code, loaded = prepare(server_url, args.bank, args.candidates)
    print(f"centre benchmark: {args.candidates} candidates in {args.workers} worker processes (threads, one "
          f"connection each), {described}")
    print(f"first run: {'the whole bundle' if args.bank == 'full' else 'the 2794-210 document and items'} loaded "
          f"in {loaded:.1f} s; think times {args.think[0]:g}-{args.think[1]:g} s per question / {args.compress:g}")
    invigilator = SittingService(open_prepared_database(url), SystemClock().now)
    run = Run(args, url, sitting_id, start_code, Path(tempfile.gettempdir()) / f"centre-bench-{os.getpid()}.log")
    total = args.candidates * 25
    run.deadline = time.monotonic() + args.max_seconds
    started = time.monotonic()
    outcome = 0
    try:
        run.spawn(incarnation=1)
        run.drain(math.inf, stop=lambda: run.acks() >= KILL_AT * total or not run.active())
        kill_seconds = run.kill_and_restart_workers(invigilator_code, invigilator)
        run.drain(time.monotonic() + 60, stop=lambda: run.everyone_back("kill"))
        run.waiting_for = None
        run.drain(math.inf, stop=lambda: run.acks() >= RESTART_AT * total or not run.active())
        run.snapshot("restart")
        restart_started = time.monotonic()
        restart()
        restart_seconds = time.monotonic() - restart_started
        run.timeline += [(restart_started, "restart", 0.0), (time.monotonic(), "restarted", 0.0)]
        run.drain(math.inf, stop=lambda: not run.active())
        wall = time.monotonic() - started
    except TimeoutError as exc:
        print(f"ABORTED: {exc}; the workers' errors: {run.log}")
        for worker in run.workers:
            worker.kill()
        return 1
    finally:
        invigilator.engine.dispose()
    checks = verify(run, url, sitting_id)
    if args.dump:
        args.dump.write_text(json.dumps([(round(at - started, 3), kind, ms) for at, kind, ms in run.timeline]))

    print(f"run: {wall:.1f} s; workers killed and restarted, every candidate resumed by the invigilator, in "
          f"{kill_seconds:.1f} s; server restart (-m {args.stop_mode}) took {restart_seconds:.1f} s")
    print(f"save latency (save_answer, committed): {figures(run.saves)}")
    print(f"heartbeat latency (the tick: heartbeat returning status and time left): {figures(run.beats)}")
    print(f"calls the database refused and the candidate tried again: {run.failures or 'none'}")
    kill_text, kill_worst = clock_line(run, "kill", "after the SIGKILL and restart of the workers")
    restart_text, restart_worst = clock_line(run, "restart", f"after the PostgreSQL restart")
    print(kill_text)
    print(restart_text)
    print(f"answers acknowledged {checks['acknowledged']}, stored and matched in order {checks['matched']}, "
          f"lost {len(checks['lost'])}{': ' + ', '.join(checks['lost'][:5]) if checks['lost'] else ''}; "
          f"stored but never acknowledged (in flight at the kill) {checks['unacknowledged']}")
    chain, records = checks["chain"], checks["records"]
    print(f"integrity: audit chain {'ok' if chain.ok else 'BROKEN: ' + chain.problem} ({chain.entries} entries); "
          f"records against the chain {'ok' if records.ok else 'BROKEN: ' + records.problem} "
          f"({sum(records.checked.values())} rows); attempts {checks['statuses']}; rescored from the stored answers "
          f"{'equal' if checks['rescored'] else 'DIFFERENT'}; interruptions recorded {checks['interruptions']}")
    if run.rss_mib:
        print(f"memory: the worker processes' RSS {run.rss_mib[0]:.0f} MiB in all, "
              f"{run.rss_mib[0] / args.candidates:.1f} MiB per candidate")
    if run.errors:
        print(f"candidates that could not go on: {len(run.errors)}: {run.errors[:3]}")
        outcome = 1
    met = {
        f"{args.candidates} concurrent candidates": args.candidates >= 100,
        "p99 save under 50 ms": bool(run.saves) and percentile(run.saves, 99) < 50,
        "0 acknowledged answers lost": not checks["lost"] and checks["acknowledged"] == checks["matched"],
        f"remaining time within {TOLERANCE:.0f} s across each interruption":
            kill_worst <= TOLERANCE and restart_worst <= TOLERANCE,
        "every attempt submitted, chain and records ok":
            checks["statuses"] == {"submitted": args.candidates} and chain.ok and records.ok,
    }
    print("acceptance: " + "; ".join(f"{name}: {'yes' if ok else 'NO'}" for name, ok in met.items()))
    return outcome


if __name__ == "__main__":
    sys.exit(main())
