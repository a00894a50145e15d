"""A candidate's client for the crash test: answers from a seeded script until it is killed.

    python crash_driver.py URL SITTING_ID NUMBER START_CODE SEED

Run by ``test_crash.py`` as a subprocess with the real clock, and killed with SIGKILL at a
random moment. It loads its modules, then waits for one line on stdin before it touches the
database (so the parent can launch it early and the kill lands in its work, not its imports):
``GO`` starts the candidate's attempt (``SittingService.start``); ``GO <attempt_id>``
re-attaches to an attempt the invigilator has resumed. It never resumes an attempt itself:
one that is not in progress makes it print ``LOCKED <status>`` and exit 3.

Every line goes to stdout in one ``write`` and only describes what has already happened,
except the intent lines, written *before* the call they announce:

    READY <attempt_id> <questions> <remaining>   attached, after a first heartbeat
    SAVE <position> <letter>                     about to call save_answer (letter "-" clears)
    ACK <position> <letter> <remaining>          save_answer returned: the answer is committed
    BEAT                                         about to call heartbeat
    HB <remaining>                               heartbeat returned
"""

from __future__ import annotations

import os
import random
import sys
import time

HEARTBEAT_EVERY = 0.25  # seconds; the brief asks for at least every 0.5 s
CLEAR_CHANCE = 0.05  # now and then the candidate clears an answer instead of choosing one


def say(line: str) -> None:
    os.write(1, (line + "\n").encode())  # one write to a pipe: never torn by the kill


def main(argv: list[str]) -> int:
    url, sitting_id, number, start_code, seed = argv[:5]

    from tutor.clock import SystemClock
    from tutor.services.sittings import SittingService
    from tutor.storage.engine import open_database

    go = sys.stdin.readline().split()
    if not go or go[0] != "GO":
        return 0  # the parent did not need this one
    attempt_id = int(go[1]) if len(go) > 1 else None
    service = SittingService(open_database(url), SystemClock().now)
    if attempt_id is None:
        attempt_id = service.start(int(sitting_id), number, start_code)
    view = service.view(attempt_id)
    if view.status != "in_progress":
        say(f"LOCKED {view.status}")  # only the invigilator may resume it
        return 3
    questions = len(view.questions)
    rng = random.Random(int(seed))

    remaining = service.heartbeat(attempt_id)
    last_beat = time.monotonic()
    say(f"READY {attempt_id} {questions} {remaining:.6f}")
    while True:
        if time.monotonic() - last_beat >= HEARTBEAT_EVERY:
            say("BEAT")
            remaining = service.heartbeat(attempt_id)
            last_beat = time.monotonic()
            say(f"HB {remaining:.6f}")
        position = rng.randint(1, questions)
        letter = None if rng.random() < CLEAR_CHANCE else rng.choice("ABCD")
        token = letter or "-"
        say(f"SAVE {position} {token}")
        saved = service.save_answer(attempt_id, position, letter)
        say(f"ACK {position} {token} {saved.remaining_seconds:.6f}")
        time.sleep(rng.uniform(0.005, 0.030))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
