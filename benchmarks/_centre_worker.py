"""One worker process of ``benchmarks/centre.py``: the "tutor processes" of many candidates, one thread each.

    python benchmarks/_centre_worker.py    (stdin: one line of JSON config, then GO once every worker is READY)

Each candidate does what a candidate's test screen (``tutor serve``'s session, :mod:`tutor.ui.candidate`) does,
through the service layer and on its own database connection (an engine with a pool of one): it starts with
the start code (or, after its process was killed, returns and waits until the invigilator resumes it), then
answers all the questions it has not answered yet, each after a think time drawn from the configured range
(divided by the compression), changing an earlier answer now and then; once a second, as the screen's tick
does, it sends the heartbeat and reads the attempt's status and time left. A save or heartbeat the database refuses (the server is
restarting) is reported and tried again, as a candidate presses the key again.

Every line goes to stdout in one ``write`` (never torn by a SIGKILL) and describes what has already happened,
except ``SAVE``, written before the call it announces:

    READY <pid>                                    loaded: waiting for GO (not a candidate's line)
    LOCKED <number> <status>                       returned to an attempt that waits for the invigilator
    SAVE <number> <position> <letter>              about to call save_answer
    ACK <number> <position> <letter> <ms> <left>   save_answer returned: committed
    FAIL <number> <what> <message>                 a call the database refused (tried again)
    HB <number> <heartbeat ms> <state ms> <left>   a tick: heartbeat, then the status read
    DONE <number>                                  submitted
    ERROR <number> <message>                       the candidate could not go on
"""

from __future__ import annotations

import json
import os
import random
import sys
import threading
import time

REVISIT = 0.1  # the chance that a candidate goes back and changes an earlier answer


def say(*parts: object) -> None:
    os.write(1, (" ".join(str(p) for p in parts) + "\n").encode())


class Candidate:
    def __init__(self, config: dict, number: str, seed: int) -> None:
        from tutor.clock import SystemClock
        from tutor.services.sittings import SittingService
        from tutor.storage.engine import Pool, make_engine

        self.config, self.number = config, number
        self.rng = random.Random(seed)
        self.engine = make_engine(config["url"], create=False, pool=Pool(1, 0))  # its own connection
        self.service = SittingService(self.engine, SystemClock().now)
        self.attempt_id: int | None = None
        self.position = 1
        self.next_tick = time.monotonic()

    def retried(self, what: str, call):
        """Call until the database accepts it (a restarting server refuses for a second or two)."""
        from tutor.services.sittings import SittingError
        from tutor.storage.engine import StorageError

        while True:
            try:
                return call()
            except (StorageError, SittingError) as exc:
                say("FAIL", self.number, what, str(exc).replace("\n", " ")[:200])
                if isinstance(exc, SittingError) and "answers cannot be saved now" not in str(exc):
                    raise
                time.sleep(0.5)

    def tick(self) -> None:
        started = time.perf_counter()
        try:
            left = self.service.heartbeat(self.attempt_id, self.position)
            beat = time.perf_counter()
            self.service.state(self.attempt_id)
        except Exception as exc:  # the server is restarting: the next tick tries again
            say("FAIL", self.number, "tick", str(exc).replace("\n", " ")[:200])
            return
        done = time.perf_counter()
        say("HB", self.number, f"{(beat - started) * 1000:.3f}", f"{(done - beat) * 1000:.3f}", f"{left:.3f}")

    def wait(self, seconds: float) -> None:
        """Think for ``seconds``, ticking every heartbeat interval meanwhile."""
        until = time.monotonic() + seconds
        while True:
            now = time.monotonic()
            if now >= self.next_tick:
                self.tick()
                self.next_tick = max(self.next_tick + self.config["heartbeat"], time.monotonic())
            pause = min(until, self.next_tick) - time.monotonic()
            if time.monotonic() >= until:
                return
            time.sleep(max(0.0, pause))

    def think(self) -> None:
        low, high = self.config["think"]
        self.wait(self.rng.uniform(low, high) / self.config["compress"])

    def save(self, position: int) -> None:
        letter = self.rng.choice("ABCD")
        self.position = position

        def attempt():
            say("SAVE", self.number, position, letter)
            started = time.perf_counter()
            saved = self.service.save_answer(self.attempt_id, position, letter)
            say("ACK", self.number, position, letter, f"{(time.perf_counter() - started) * 1000:.3f}",
                f"{saved.remaining_seconds:.3f}")

        self.retried("save", attempt)

    def run(self) -> None:
        config = self.config
        self.attempt_id = self.retried("start", lambda: self.service.start(config["sitting"], self.number,
                                                                           config["start_code"]))
        view = self.retried("view", lambda: self.service.view(self.attempt_id))
        if view.status in ("paused", "interrupted"):
            say("LOCKED", self.number, view.status)  # only the invigilator may resume it
            while view.status in ("paused", "interrupted"):
                time.sleep(0.25)
                view = self.retried("view", lambda: self.service.view(self.attempt_id))
        if view.status == "in_progress":
            answered = {q.position for q in view.questions if q.chosen}
            self.position = view.viewing
            self.next_tick = time.monotonic()
            for position in range(1, len(view.questions) + 1):
                if position in answered:
                    continue
                self.think()
                self.save(position)
                answered.add(position)
                if self.rng.random() < REVISIT:
                    self.think()
                    self.save(self.rng.choice(sorted(answered)))
            self.wait(0)
            self.retried("submit", lambda: self.service.submit(self.attempt_id))
        say("DONE", self.number)
        self.engine.dispose()


def sit(config: dict, number: str, seed: int, delay: float) -> None:
    time.sleep(delay)  # candidates sit down one after another, as they type the start code
    try:
        Candidate(config, number, seed).run()
    except Exception as exc:  # reported, and counted against the run
        say("ERROR", number, f"{type(exc).__name__}: {exc}".replace("\n", " ")[:300])


def main() -> int:
    config = json.loads(sys.stdin.readline())
    import tutor.services.sittings  # noqa: F401  (loaded before the candidates sit down, as a session's app is)

    say("READY", os.getpid())
    if sys.stdin.readline().strip() != "GO":
        return 0
    threads = []
    for number, seed, delay in config["candidates"]:
        threads.append(threading.Thread(target=sit, args=(config, number, seed, delay), name=number, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
