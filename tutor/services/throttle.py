"""Holding back guessing: wrong start codes and passwords are counted per sitting or account and per
client address, in the database, so every process serving the centre (one per browser session) sees the
same counts.

The limits are in :mod:`tutor.domain.access`. A try is checked before the code or password is: while a
limit holds, the answer is "wait" whatever was typed, so guesses made then learn nothing. The address is
the one the web server saw the browser connect from (see :mod:`tutor.ui.web_server`); the command line
has none, and only the per-sitting (or per-account) limits apply there.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from tutor.domain.access import GuessLimit, guesses_blocked_for, wait_in_words
from tutor.rendering import message
from tutor.storage import throttle_queries

START_CODE = "start_code"
PASSWORD = "password"
KEEP = timedelta(days=1)
"""Failures older than this are deleted as new ones are recorded (every limit's window is far shorter)."""


class Throttled(Exception):
    """Too many wrong tries: the message says for how long, in one line (``templates/errors/throttle/``)."""


def check(session: Session, kind: str, target: str, address: str | None, limits: dict[str, GuessLimit],
          now: datetime) -> None:
    """Raise :class:`Throttled` if ``target`` (``"sitting:12"``, ``"account:sam"``) or ``address`` has had
    too many failures of ``kind`` within its limit's window; the message is ``errors/throttle/<kind>``."""
    for scope, limit in limits.items():
        if scope == "address":
            if not address:
                continue
            count, oldest = throttle_queries.recent_failures(session, kind, now - limit.window, address=address)
        else:
            count, oldest = throttle_queries.recent_failures(session, kind, now - limit.window, target=target)
        wait = guesses_blocked_for(count, oldest, limit, now)
        if wait is not None:
            raise Throttled(message(f"throttle/{kind}", source=limit.what, wait=wait_in_words(wait)))


def record(session: Session, kind: str, target: str, address: str | None, now: datetime) -> None:
    """Count one failure (in the caller's transaction), and forget failures older than :data:`KEEP`."""
    throttle_queries.add_failure(session, kind, target, address, now)
    throttle_queries.forget_failures(session, now - KEEP)
