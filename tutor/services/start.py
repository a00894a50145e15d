"""The quick start of ``tutor`` on a person's own SQLite database: the home screen from a ``sqlite3`` read.

The common start (the embedded default, opened again) needs nothing of SQLAlchemy, the tables, argon2, fsrs
or the question bank to show the qualifications: :func:`personal_start` reads them with
:mod:`tutor.storage.first_screen`, and the app loads the services behind the first screen. It gives None,
and the app takes the full start (which creates, migrates, loads the bundle and signs in), wherever that
start would do anything more than show the catalogue to the one account the database has:

- the URL is not a SQLite file that exists, or its schema is not this tutor's (first run, server, old file);
- the bundled catalogue and question bank are not loaded, or have changed (the loading screen runs);
- the database has no account (the first run creates the person's own), or another's, or more than one,
  or theirs is inactive (a shared database: the login screen asks), as
  :meth:`AccountService.personal_account <tutor.services.accounts.AccountService.personal_account>` rules.

Passwords (``--require-login``, a server) are the caller's to rule out: they always take the full start.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tutor.domain.access import Actor, personal_username
from tutor.services.bundled import BUNDLE_META_KEY, bundle_fingerprint
from tutor.storage.first_screen import QualificationCounts, read_first_screen


@dataclass(frozen=True)
class QuickStart:
    """Who the app opens as, and the home screen's rows."""

    actor: Actor
    qualifications: list[QualificationCounts]


def personal_start(url: str, bank: Path, os_user: str) -> QuickStart | None:
    """The quick start of ``os_user``'s own database at ``url`` with the bundle of ``bank``, or None."""
    found = read_first_screen(url)
    if found is None or len(found.accounts) != 1:
        return None
    own = found.accounts[0]
    if not own.active or own.username != personal_username(os_user):
        return None
    if found.meta.get(BUNDLE_META_KEY) != bundle_fingerprint(bank):
        return None
    return QuickStart(Actor(own.username, own.role, own.display_name), found.qualifications)
