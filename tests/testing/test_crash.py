"""Crash safety (reliability R1, R3, R4): a candidate's client killed with SIGKILL, again and again.

Acceptance: a subprocess sitting the test is killed with SIGKILL at random points at least
50 times; after each restart every acknowledged answer is present, the remaining time is
within 5 seconds of the time before the kill, the interruption is recorded, and SQLite's
integrity check is 'ok'.

The child (``crash_driver.py``, real clock) answers from a seeded script and prints ``ACK``
only after ``save_answer`` returns. The parent plays the restarted client and the
invigilator: after each kill it checks the database, returns to the attempt (which must be
found interrupted), resumes it with the invigilator code and compares the remaining time.

``CRASH_ITERATIONS`` and ``CRASH_SEED`` (environment) change the number of kills and the seed.
"""

from __future__ import annotations

import json
import os
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from tutor.clock import SystemClock
from tutor.services.sittings import SittingService
from tutor.storage import tables as t
from tutor.storage.engine import open_database

DRIVER = Path(__file__).with_name("crash_driver.py")
ROOT = Path(__file__).resolve().parents[2]
ITERATIONS = int(os.environ.get("CRASH_ITERATIONS", "50"))
SEED = int(os.environ.get("CRASH_SEED", "20261123"))
RUN_SECONDS = (0.2, 1.5)  # how long each child answers before the kill
READY_TIMEOUT = 30.0
TOLERANCE = 5.0  # seconds of test time a crash may cost (R3)
INVIGILATOR = "Ms Invigilator"


@dataclass
class Run:
    """What one child printed before it was killed."""

    lines: list[str]
    stderr: str
    returncode: int | None
    acks: list[tuple[int, str | None, float]] = field(default_factory=list)
    pending_save: tuple[int, str | None] | None = None  # announced, not acknowledged
    pending_beat: bool = False
    last_remaining: float | None = None

    @classmethod
    def parse(cls, lines: list[str], stderr: str, returncode: int | None) -> Run:
        run = cls(lines, stderr, returncode)
        for line in lines:
            word, *rest = line.split()
            if word == "READY":
                run.last_remaining = float(rest[2])
            elif word == "SAVE":
                run.pending_save = (int(rest[0]), None if rest[1] == "-" else rest[1])
            elif word == "ACK":
                position, letter = int(rest[0]), None if rest[1] == "-" else rest[1]
                assert run.pending_save == (position, letter), f"ACK without its SAVE: {line!r}"
                run.acks.append((position, letter, float(rest[2])))
                run.pending_save, run.last_remaining = None, float(rest[2])
            elif word == "BEAT":
                run.pending_beat = True
            elif word == "HB":
                run.pending_beat, run.last_remaining = False, float(rest[0])
        return run

    def where_killed(self) -> str:
        if self.pending_save:
            return "in save_answer"
        if self.pending_beat:
            return "in heartbeat"
        return "between calls"


def _copy_database(source_url: str, target: Path) -> str:
    """A consistent copy of the session's bank database (the backup API reads through the WAL)."""
    source = sqlite3.connect(make_url(source_url).database)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return f"sqlite:///{target}"


def _integrity(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute("PRAGMA integrity_check")]
    finally:
        connection.close()


class Child:
    """One driver process, launched early: it loads its modules, then waits for ``go``."""

    def __init__(self, args: list[str], stderr_path: Path) -> None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        self.stderr_path = stderr_path
        with open(stderr_path, "wb") as stderr:
            self.process = subprocess.Popen([sys.executable, str(DRIVER), *args], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=stderr, env=env, cwd=ROOT)
        self.queue: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for raw in self.process.stdout:
            self.queue.put(raw.decode())
        self.queue.put(None)

    def run(self, attempt_id: int | None, run_for: float) -> Run:
        """Let it attach and answer for ``run_for`` seconds, then SIGKILL it; what it printed."""
        try:
            self.process.stdin.write(b"GO\n" if attempt_id is None else f"GO {attempt_id}\n".encode())
            self.process.stdin.close()
        except BrokenPipeError:
            pass  # it died already: its stderr will say why
        seen: list[str] = []
        ended = False
        deadline = time.monotonic() + READY_TIMEOUT
        while not seen or not seen[-1].startswith(("READY", "LOCKED")):
            try:
                line = self.queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:  # it ended by itself
                ended = True
                break
            seen.append(line.rstrip("\n"))
        if seen and seen[-1].startswith("READY"):
            time.sleep(run_for)  # it answers and heartbeats meanwhile
            os.kill(self.process.pid, signal.SIGKILL)
        elif not ended and not (seen and seen[-1].startswith("LOCKED")):
            self.stop()  # it never attached within READY_TIMEOUT
        self.process.wait(timeout=READY_TIMEOUT)
        if not ended:  # every complete line it wrote; a line without its newline was never written whole
            while (line := self.queue.get(timeout=READY_TIMEOUT)) is not None:
                if line.endswith("\n"):
                    seen.append(line.rstrip("\n"))
        return Run.parse(seen, self.stderr_path.read_text(errors="replace"), self.process.returncode)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def _answer_rows(engine, attempt_id: int) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(t.AttemptAnswer)
                            .where(t.AttemptAnswer.attempt_id == attempt_id)).one()


def _interruptions(engine, attempt_id: int) -> list[t.TestEvent]:
    with Session(engine) as session:
        return list(session.exec(select(t.TestEvent).where(t.TestEvent.attempt_id == attempt_id,
                                                           t.TestEvent.kind == "interrupted")
                                 .order_by(t.TestEvent.id)))


@dataclass
class Sitting:
    url: str
    path: Path
    sitting_id: int
    start_code: str
    invigilator_code: str


@dataclass
class Tally:
    """What the parent knows across kills."""

    attempt_id: int | None = None
    acked: dict[int, str | None] = field(default_factory=dict)  # the last acknowledged answer per position
    acks: int = 0
    unacked_commits: int = 0  # saves that committed but were killed before their ACK
    resumed_with: float | None = None  # remaining time at the last resume
    kills: Counter = field(default_factory=Counter)
    lost: list[float] = field(default_factory=list)  # test time each crash cost, seconds


def test_an_attempt_survives_repeated_sigkill(bank_url, tmp_path):
    db_path = tmp_path / "crash.db"
    url = _copy_database(bank_url, db_path)
    engine = open_database(url)
    service = SittingService(engine, SystemClock().now)
    sitting_id, start_code, invigilator_code = service.create_sitting(service.test_definition("2794-210"), INVIGILATOR)
    service.register_candidate(sitting_id, "C001", "Ann Candidate", INVIGILATOR)
    engine.dispose()
    sitting = Sitting(url, db_path, sitting_id, start_code, invigilator_code)

    rng = random.Random(SEED)
    tally = Tally()
    children: list[Child] = []

    def launch(number: int) -> Child:
        child = Child([url, str(sitting_id), "C001", start_code, str(SEED * 1000 + number)],
                      tmp_path / f"driver-{number}.err")
        children.append(child)
        return child

    started = time.monotonic()
    upcoming = launch(0)
    try:
        for iteration in range(ITERATIONS):
            child, run_for = upcoming, rng.uniform(*RUN_SECONDS)
            if iteration + 1 < ITERATIONS:
                upcoming = launch(iteration + 1)  # it loads its modules while this one works
            run = child.run(tally.attempt_id, run_for)
            where = (f"iteration {iteration} (CRASH_SEED={SEED}, child seed {SEED * 1000 + iteration}, killed after "
                     f"{run_for:.3f} s {run.where_killed()}); child output tail: {run.lines[-4:]}; "
                     f"stderr: {run.stderr[-2000:]!r}")
            _check_kill(sitting, tally, run, iteration, where, launch)
    finally:
        for child in children:
            child.stop()

    lost = tally.lost
    print(f"\ncrash test: {ITERATIONS} kills in {time.monotonic() - started:.1f} s (CRASH_SEED={SEED}); "
          f"{tally.acks} ACKs, {tally.unacked_commits} saves committed but killed before their ACK; "
          f"kills {dict(tally.kills)}; test time lost per crash: max {max(lost):.3f} s, "
          f"mean {sum(lost) / len(lost):.3f} s")


def _check_kill(sitting: Sitting, tally: Tally, run: Run, iteration: int, where: str, launch) -> None:
    # It died of the kill, not of an error of its own, and it had attached.
    assert run.returncode == -signal.SIGKILL, f"the child did not die of SIGKILL: rc={run.returncode}; {where}"
    assert run.lines and run.lines[0].startswith("READY"), f"the child never attached; {where}"
    if tally.attempt_id is None:
        tally.attempt_id = int(run.lines[0].split()[1])
    attempt_id = tally.attempt_id
    assert int(run.lines[0].split()[1]) == attempt_id, where
    assert run.last_remaining is not None, where
    tally.kills[run.where_killed()] += 1

    # 1. SQLite's integrity check, on a fresh connection after the crash.
    assert _integrity(sitting.path) == ["ok"], f"integrity check failed; {where}"

    engine = open_database(sitting.url)
    try:
        service = SittingService(engine, SystemClock().now)

        # 2. Every acknowledged answer is there, and nothing more but the one save the kill interrupted.
        expected_rows = tally.acks + tally.unacked_commits + len(run.acks)
        rows = _answer_rows(engine, attempt_id)
        assert rows - expected_rows in ({0, 1} if run.pending_save else {0}), (
            f"{rows} answer rows, expected {expected_rows} (+1 only if the kill interrupted a save after its "
            f"commit); this run acknowledged {len(run.acks)}; {where}")
        for position, letter, _ in run.acks:
            tally.acked[position] = letter
        tally.acks += len(run.acks)
        if rows > expected_rows:  # the killed save committed before its ACK was printed: it counts now
            position, letter = run.pending_save
            tally.acked[position] = letter
            tally.unacked_commits += 1
        stored = {q.position: q.chosen for q in service.view(attempt_id).questions}
        for position, letter in sorted(tally.acked.items()):
            assert stored[position] == letter, (
                f"question {position}: acknowledged {letter!r}, stored {stored[position]!r}; {where}")

        # 3. Returning to the attempt finds it interrupted, with one new event for this kill.
        assert service.start(sitting.sitting_id, "C001", sitting.start_code) == attempt_id, where
        frozen = service.view(attempt_id)
        assert frozen.status == "interrupted", where
        events = _interruptions(engine, attempt_id)
        assert len(events) == iteration + 1, f"{len(events)} interrupted events after {iteration + 1} kills; {where}"
        data = json.loads(events[-1].data)
        assert {"since", "active_seconds"} <= set(data), where

        if iteration == 0:  # the candidate's relaunched client cannot resume by itself
            locked = launch(ITERATIONS).run(attempt_id, 0.0)
            assert locked.returncode == 3 and locked.lines == ["LOCKED interrupted"], (
                f"a relaunched client got past an interrupted attempt: {locked.lines} rc={locked.returncode} "
                f"{locked.stderr[-2000:]}")
            assert service.view(attempt_id).status == "interrupted", where

        # 4. The invigilator resumes it: the crash cost at most 5 s of test time, and gave none back.
        service.resume(attempt_id, INVIGILATOR, sitting.invigilator_code, "crash test: client killed")
        after = service.view(attempt_id)
        assert after.status == "in_progress", where
        assert abs(after.remaining_seconds - run.last_remaining) <= TOLERANCE, (
            f"remaining {after.remaining_seconds:.3f} s after the resume, {run.last_remaining:.3f} s last shown "
            f"before the kill (frozen at {frozen.remaining_seconds:.3f} s, interruption event {data}); {where}")
        if tally.resumed_with is not None:
            assert run.last_remaining <= tally.resumed_with, f"the clock ran backwards; {where}"
        tally.lost.append(run.last_remaining - after.remaining_seconds)
        tally.resumed_with = after.remaining_seconds
        (status,) = [s for s in service.status(sitting.sitting_id) if s.number == "C001"]
        assert status.interruptions == iteration + 1, where
    finally:
        engine.dispose()
