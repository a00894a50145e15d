"""Who may do what: roles, permissions, the login throttle and the password rule.

Plain data and rules, enforced in the service layer (hiding a button is not authorisation):
every guarded service method names one permission here, and a denial is logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

LEARNER, TUTOR, INVIGILATOR, IQA, ADMIN = "learner", "tutor", "invigilator", "iqa", "admin"
ROLES = (LEARNER, TUTOR, INVIGILATOR, IQA, ADMIN)
ROLE_LABELS = {
    LEARNER: "learner",
    TUTOR: "tutor (assessor)",
    INVIGILATOR: "invigilator",
    IQA: "internal quality assurer",
    ADMIN: "admin",
}

_ALL = frozenset(ROLES)

# permission -> (roles that hold it, what it lets them do: used in the denial message)
PERMISSIONS: dict[str, tuple[frozenset[str], str]] = {
    "catalogue.read": (_ALL, "read the catalogue"),
    "catalogue.import": (frozenset({ADMIN}), "import specifications"),
    "bank.inspect": (frozenset({TUTOR, IQA, ADMIN}), "inspect the question bank"),
    "bank.manage": (frozenset({ADMIN}), "send items back to review or return them to use"),
    "bank.import": (frozenset({ADMIN}), "import questions into the bank"),
    "bank.export_secure": (frozenset({ADMIN}), "export secure items"),
    "bank.import_status": (frozenset({ADMIN}), "restore the status a file records for imported items"),
    "sitting.invigilate": (frozenset({INVIGILATOR, ADMIN}), "invigilate sittings"),
    "sitting.results": (frozenset({INVIGILATOR, TUTOR, IQA, ADMIN}), "see sitting results"),
    "sitting.release": (frozenset({INVIGILATOR, TUTOR, ADMIN}), "release results"),
    "sitting.analyse": (frozenset({TUTOR, IQA, ADMIN}), "analyse a sitting's items"),
    "practice.own": (frozenset({LEARNER}), "practise as a learner"),
    "review.own": (frozenset({LEARNER}), "see their own evidence"),
    "review.read": (frozenset({TUTOR, IQA, ADMIN}), "review learners' evidence"),
    "review.decide": (frozenset({TUTOR}), "record assessment decisions"),
    "iqa.sample": (frozenset({IQA}), "draw a quality-assurance sample"),
    "iqa.review": (frozenset({IQA}), "record quality-assurance reviews"),
    "export.portfolio": (frozenset({LEARNER, TUTOR, IQA, ADMIN}), "export portfolios"),
    "audit.verify": (frozenset({IQA, ADMIN}), "verify the audit log"),
    "user.manage": (frozenset({ADMIN}), "manage accounts and cohorts"),
    "account.own": (_ALL, "change their own password"),
}

MAX_FAILED_LOGINS = 5
"""Failed logins in a row that lock an account."""
LOCKOUT = timedelta(minutes=5)
"""How long a locked account stays locked; each further failure locks it again."""
MIN_PASSWORD_LENGTH = 10


@dataclass(frozen=True)
class GuessLimit:
    """At most ``failures`` wrong codes or passwords within ``window``; then no more tries until the oldest
    of them is ``window`` old."""

    failures: int
    window: timedelta
    what: str  # who is held back, in words: "this sitting", "this computer"


START_CODE_LIMITS = {
    # A room of a hundred candidates mistypes now and then; someone guessing a 6-character code
    # (32**6 codes) gets nowhere at 30 tries in ten minutes.
    "sitting": GuessLimit(30, timedelta(minutes=10), "this sitting"),
    "address": GuessLimit(10, timedelta(minutes=10), "this computer"),
}
"""Wrong start codes allowed per sitting and per client address (a browser session's computer)."""

PASSWORD_LIMITS = {
    "address": GuessLimit(20, timedelta(minutes=10), "this computer"),
}
"""Failed sign-ins allowed per client address, whatever the accounts (each account also locks itself: see
:func:`lockout_for`)."""


def guesses_blocked_for(recent_failures: int, oldest: datetime | None, limit: GuessLimit,
                        now: datetime) -> timedelta | None:
    """How long before the next try is allowed, given the failures within the limit's window (their count and
    the oldest one's time); None if a try is allowed now."""
    if recent_failures < limit.failures or oldest is None:
        return None
    wait = oldest + limit.window - now
    return wait if wait > timedelta(0) else None


def wait_in_words(wait: timedelta) -> str:
    """A wait for people: whole minutes, at least one."""
    minutes = max(1, round(wait.total_seconds() / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@dataclass(frozen=True)
class Actor:
    """A signed-in person (or the setup account before any exists)."""

    username: str
    role: str
    display_name: str = ""

    @property
    def label(self) -> str:
        return f"{self.username} ({ROLE_LABELS.get(self.role, self.role)})"


class PermissionDenied(Exception):
    """The actor's role does not allow the request; the message is one line for people."""


def allowed(role: str, permission: str) -> bool:
    roles, _ = PERMISSIONS[permission]
    return role in roles


def require(actor: Actor, permission: str) -> None:
    roles, what = PERMISSIONS[permission]
    if actor.role not in roles:
        raise PermissionDenied(f"{actor.label} may not {what}")


def lockout_for(failures: int) -> timedelta | None:
    """After this many failures in a row, how long the account is locked (None: not locked)."""
    return LOCKOUT if failures >= MAX_FAILED_LOGINS else None


def password_problem(username: str, password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password needs at least {MIN_PASSWORD_LENGTH} characters"
    if password.strip().lower() == username.strip().lower():
        return "a password cannot be the user name"
    return None


def username_problem(username: str) -> str | None:
    name = username.strip()
    if not name or len(name) > 60:
        return "a user name has 1 to 60 characters"
    if not all(c.isalnum() or c in "._-" for c in name):
        return "a user name uses letters, digits, '.', '_' and '-' only"
    return None


def personal_username(os_user: str) -> str:
    """The account name a person's own database gives them: their operating-system login, if it is a
    valid user name."""
    name = os_user.strip() or "learner"
    return "learner" if username_problem(name) else name
