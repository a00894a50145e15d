"""Accounts, logins, cohorts and the permission gate.

Passwords are hashed with argon2id (argon2-cffi) and never shown, stored or logged in clear;
a hash made with weaker parameters is upgraded at the next good login. Five failed logins in a
row lock an account for five minutes, and each further failure locks it again. Every login,
failure, lock, account change and permission denial is appended to the audit chain.

Until the first account exists a database is in *setup*: the command line acts as the admin
``setup``. The app's first run ends it by creating an admin and a learner (see :meth:`bootstrap`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import Session

from tutor.domain.access import (
    ADMIN,
    LEARNER,
    PASSWORD_LIMITS,
    ROLES,
    TUTOR,
    Actor,
    PermissionDenied,
    lockout_for,
    password_problem,
    personal_username,
    require,
    username_problem,
)
from tutor.rendering import message
from tutor.services import throttle
from tutor.storage import account_queries, audit_log, catalogue_queries
from tutor.storage import tables as t
from tutor.storage.engine import WriteTransaction, as_utc

if TYPE_CHECKING:
    from argon2 import PasswordHasher

SETUP = Actor("setup", ADMIN, "Setup (no accounts yet)")
NO_PASSWORD = "!"  # not an argon2 hash: no password verifies against it


class AccountError(Exception):
    """A request about accounts that cannot be met; the message is one line for people."""

    @classmethod
    def of(cls, name: str, /, **fields: object) -> AccountError:
        """The error saying ``templates/errors/accounts/<name>.j2``."""
        return cls(message(f"accounts/{name}", **fields))


class LoginFailed(AccountError):
    """Wrong name or password, or a locked account. Says no more than that."""


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    role: str
    active: bool
    locked_until: datetime | None


@dataclass(frozen=True)
class CohortInfo:
    name: str
    qualification: str
    tutor: str
    learners: tuple[str, ...]


def new_password() -> str:
    """A generated password people can type: four groups of four, no look-alike characters."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


class AccountService:
    def __init__(self, engine: Engine, now: Callable[[], datetime], hasher: PasswordHasher | None = None) -> None:
        self.engine = engine
        self.now = now
        self._hasher = hasher

    # -- setup ---------------------------------------------------------------------------------

    @property
    def hasher(self) -> PasswordHasher:
        """argon2id, RFC 9106 low-memory profile (64 MiB, t=3, p=4); imported at the first password, not at
        start-up (a personal database never needs it)."""
        if self._hasher is None:
            from argon2 import PasswordHasher

            self._hasher = PasswordHasher()
        return self._hasher

    def has_accounts(self) -> bool:
        with Session(self.engine) as session:
            return account_queries.account_count(session) > 0

    def bootstrap(self, learner_username: str) -> dict[str, str] | None:
        """On a database with no accounts: create ``admin`` and a learner; return their passwords
        (shown once, stored only as hashes). None if accounts already exist."""
        learner = _clean_username(learner_username) or "learner"
        if username_problem(learner) or learner == "admin":
            learner = "learner"
        passwords = {"admin": new_password(), learner: new_password()}
        with WriteTransaction(self.engine, "create the first accounts") as session:
            if account_queries.account_count(session) > 0:
                return None
            now = self.now()
            for username, role, name in (("admin", ADMIN, "Administrator"), (learner, LEARNER, learner)):
                session.add(t.UserAccount(username=username, display_name=name, role=role,
                                          password_hash=self.hasher.hash(passwords[username]), created_at=now,
                                          created_by=SETUP.username))
                audit_log.append(session.connection(), now, SETUP.username, "user.added", f"user:{username}",
                                 {"role": role, "display_name": name})
            session.commit()
        return passwords

    def personal_account(self, username: str) -> Actor | None:
        """A database one person keeps for themself needs no password: on a database with no accounts, create
        the learner account ``username`` (with no password that can sign in: `tutor user passwd` sets one) and
        return it; on one whose only account is ``username``'s, return that. None where anyone else has an
        account: that database is shared and people sign in. Only the first run writes."""
        name = personal_username(username)
        if self.has_accounts():
            own = self.sole_account()
            if own is None or not own.active or own.username != name:
                return None
            return Actor(own.username, own.role, own.display_name)
        with WriteTransaction(self.engine, "open your own account") as session:
            if account_queries.account_count(session):
                return None  # someone else's first run got there first: it is shared now
            session.add(t.UserAccount(username=name, display_name=name, role=LEARNER, password_hash=NO_PASSWORD,
                                      created_at=self.now(), created_by=SETUP.username))
            audit_log.append(session.connection(), self.now(), SETUP.username, "user.added", f"user:{name}",
                             {"role": LEARNER, "display_name": name, "personal": True})
            session.commit()
        return Actor(name, LEARNER, name)

    def sole_account(self) -> Account | None:
        """The only account, on a database that has exactly one."""
        with Session(self.engine) as session:
            rows = account_queries.first_accounts(session, 2)
        if len(rows) != 1:
            return None
        r = rows[0]
        return Account(r.username, r.display_name, r.role, r.active, as_utc(r.locked_until))

    def has_password(self, username: str) -> bool:
        """Whether the account can sign in with a password (a personal account has none until one is set)."""
        with Session(self.engine) as session:
            account = account_queries.account(session, _clean_username(username))
        return account is not None and account.password_hash != NO_PASSWORD

    # -- logins --------------------------------------------------------------------------------

    def login(self, username: str, password: str, address: str | None = None) -> Actor:
        """Check a password. Wrong name, wrong password and a locked account all fail alike. Failures are
        also counted per client ``address`` (a browser session's computer, when known): past
        :data:`~tutor.domain.access.PASSWORD_LIMITS` every sign-in from it is refused for a while."""
        name = _clean_username(username)
        with WriteTransaction(self.engine, "record the login") as session:
            now = self.now()
            try:
                throttle.check(session, throttle.PASSWORD, f"account:{name}", address, PASSWORD_LIMITS, now)
            except throttle.Throttled as exc:
                raise LoginFailed(str(exc)) from None
            account = account_queries.account(session, name)
            connection = session.connection()
            seen_from = {"address": address} if address else {}
            if account is None or not account.active:
                throttle.record(session, throttle.PASSWORD, f"account:{name}", address, now)
                audit_log.append(connection, now, name or "?", "login.failed", f"user:{name}",
                                 {"reason": "unknown", **seen_from})
                session.commit()
                raise LoginFailed.of("wrong_name_or_password")
            locked_until = as_utc(account.locked_until)
            if locked_until is not None and locked_until > now:
                audit_log.append(connection, now, name, "login.refused", f"user:{name}", {"reason": "locked"})
                session.commit()
                minutes = max(1, round((locked_until - now).total_seconds() / 60))
                raise LoginFailed.of("locked", minutes=minutes)
            if not self._verify(account.password_hash, password):
                account.failed_logins += 1
                lock = lockout_for(account.failed_logins)
                account.locked_until = now + lock if lock else None
                session.add(account)
                throttle.record(session, throttle.PASSWORD, f"account:{name}", address, now)
                audit_log.append(connection, now, name, "login.failed", f"user:{name}",
                                 {"reason": "password", "failures": account.failed_logins, **seen_from})
                if lock:
                    audit_log.append(connection, now, name, "login.locked", f"user:{name}",
                                     {"until": (now + lock).isoformat(), "failures": account.failed_logins})
                session.commit()
                raise LoginFailed.of("wrong_name_or_password")
            if self.hasher.check_needs_rehash(account.password_hash):
                account.password_hash = self.hasher.hash(password)
            account.failed_logins = 0
            account.locked_until = None
            session.add(account)
            audit_log.append(connection, now, name, "login.ok", f"user:{name}", {"role": account.role, **seen_from})
            session.commit()
            return Actor(account.username, account.role, account.display_name)

    def _verify(self, stored: str, password: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    # -- accounts ------------------------------------------------------------------------------

    def add_user(self, actor: Actor, username: str, display_name: str, role: str, password: str) -> None:
        self.gate(actor, "user.manage")
        name = _clean_username(username)
        if problem := username_problem(name):
            raise AccountError(problem)
        if role not in ROLES:
            raise AccountError.of("unknown_role", role=role, roles=ROLES)
        if problem := password_problem(name, password):
            raise AccountError(problem)
        with WriteTransaction(self.engine, "add the account") as session:
            if account_queries.account(session, name) is not None:
                raise AccountError.of("account_exists", username=name)
            now = self.now()
            session.add(t.UserAccount(username=name, display_name=display_name.strip() or name, role=role,
                                      password_hash=self.hasher.hash(password), created_at=now,
                                      created_by=actor.username))
            audit_log.append(session.connection(), now, actor.username, "user.added", f"user:{name}",
                             {"role": role, "display_name": display_name.strip() or name})
            session.commit()

    def set_password(self, actor: Actor, username: str, password: str, current: str | None = None) -> None:
        """An admin sets anyone's password; anyone else changes their own, giving the current one."""
        name = _clean_username(username)
        if name != actor.username:
            self.gate(actor, "user.manage")
        else:
            self.gate(actor, "account.own")
        if problem := password_problem(name, password):
            raise AccountError(problem)
        with WriteTransaction(self.engine, "change the password") as session:
            account = account_queries.account(session, name)
            if account is None:
                raise AccountError.of("no_account", username=name)
            if name == actor.username and actor.role != ADMIN and not self._verify(account.password_hash, current or ""):
                raise AccountError.of("wrong_current_password")
            now = self.now()
            account.password_hash = self.hasher.hash(password)
            account.failed_logins = 0
            account.locked_until = None
            session.add(account)
            audit_log.append(session.connection(), now, actor.username, "user.password_set", f"user:{name}", {})
            session.commit()

    def accounts(self, actor: Actor) -> list[Account]:
        self.gate(actor, "user.manage")
        with Session(self.engine) as session:
            rows = account_queries.all_accounts(session)
        return [Account(r.username, r.display_name, r.role, r.active, as_utc(r.locked_until)) for r in rows]

    def account(self, username: str) -> Account | None:
        with Session(self.engine) as session:
            r = account_queries.account(session, _clean_username(username))
        return Account(r.username, r.display_name, r.role, r.active, as_utc(r.locked_until)) if r else None

    # -- cohorts -------------------------------------------------------------------------------

    def add_cohort(self, actor: Actor, name: str, qualification: str, tutor: str) -> None:
        self.gate(actor, "user.manage")
        with WriteTransaction(self.engine, "add the cohort") as session:
            if not name.strip():
                raise AccountError.of("cohort_needs_name")
            if account_queries.cohort_named(session, name.strip()) is not None:
                raise AccountError.of("cohort_exists", cohort=name.strip())
            self._require_role(session, tutor, TUTOR)
            if catalogue_queries.current_qualification(session, qualification.strip()) is None:
                raise AccountError.of("no_qualification", qualification=qualification.strip())
            now = self.now()
            session.add(t.Cohort(name=name.strip(), qualification=qualification.strip(), tutor=tutor.strip(),
                                 created_at=now))
            audit_log.append(session.connection(), now, actor.username, "cohort.added", f"cohort:{name.strip()}",
                             {"qualification": qualification.strip(), "tutor": tutor.strip()})
            session.commit()

    def enrol(self, actor: Actor, cohort: str, learners: list[str]) -> int:
        """Put learners in a cohort; returns how many were added (already there: skipped)."""
        self.gate(actor, "user.manage")
        added = 0
        with WriteTransaction(self.engine, "enrol the learners") as session:
            row = account_queries.cohort_named(session, cohort.strip())
            if row is None:
                raise AccountError.of("no_cohort", cohort=cohort.strip())
            now = self.now()
            for learner in learners:
                name = _clean_username(learner)
                self._require_role(session, name, LEARNER)
                if not account_queries.is_member(session, row.id, name):
                    session.add(t.CohortMember(cohort_id=row.id, learner=name))
                    audit_log.append(session.connection(), now, actor.username, "cohort.enrolled",
                                     f"cohort:{row.name}", {"learner": name})
                    added += 1
            session.commit()
        return added

    def cohorts(self, actor: Actor) -> list[CohortInfo]:
        """The cohorts an actor may see: a tutor's own; all for quality assurers and admins; a learner's own."""
        if actor.role == TUTOR:
            reach = {"tutor": actor.username}
        elif actor.role == LEARNER:
            reach = {"learner": actor.username}
        elif actor.role in (ADMIN, "iqa"):
            reach = {}
        else:
            return []
        with Session(self.engine) as session:
            return [CohortInfo(cohort.name, cohort.qualification, cohort.tutor,
                               tuple(account_queries.members(session, cohort.id)))
                    for cohort in account_queries.cohorts(session, **reach)]

    @staticmethod
    def _require_role(session: Session, username: str, role: str) -> None:
        account = account_queries.account(session, username.strip())
        if account is None:
            raise AccountError.of("no_account", username=username.strip())
        if account.role != role:
            raise AccountError.of("wrong_role", username=username.strip(), role=account.role, needed=role)

    # -- the gate ------------------------------------------------------------------------------

    def gate(self, actor: Actor, permission: str) -> None:
        """Raise PermissionDenied (and log the denial) unless the actor's role holds the permission."""
        gate(self.engine, self.now, actor, permission)


def gate(engine: Engine, now: Callable[[], datetime], actor: Actor, permission: str) -> None:
    try:
        require(actor, permission)
    except PermissionDenied:
        with WriteTransaction(engine, "record the refusal") as session:
            audit_log.append(session.connection(), now(), actor.username, "permission.denied",
                             f"user:{actor.username}", {"role": actor.role, "permission": permission})
            session.commit()
        raise


def _clean_username(username: str) -> str:
    return username.strip()
