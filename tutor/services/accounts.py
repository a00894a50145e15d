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
from sqlmodel import Session, func, select

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
from tutor.services import throttle
from tutor.storage import audit_log
from tutor.storage import tables as t
from tutor.storage.engine import WriteTransaction, as_utc

if TYPE_CHECKING:
    from argon2 import PasswordHasher

SETUP = Actor("setup", ADMIN, "Setup (no accounts yet)")
NO_PASSWORD = "!"  # not an argon2 hash: no password verifies against it


class AccountError(Exception):
    """A request about accounts that cannot be met; the message is one line for people."""


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
            return session.exec(select(func.count()).select_from(t.UserAccount)).one() > 0

    def bootstrap(self, learner_username: str) -> dict[str, str] | None:
        """On a database with no accounts: create ``admin`` and a learner; return their passwords
        (shown once, stored only as hashes). None if accounts already exist."""
        learner = _clean_username(learner_username) or "learner"
        if username_problem(learner) or learner == "admin":
            learner = "learner"
        passwords = {"admin": new_password(), learner: new_password()}
        with WriteTransaction(self.engine, "create the first accounts") as session:
            if session.exec(select(func.count()).select_from(t.UserAccount)).one() > 0:
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
            if session.exec(select(func.count()).select_from(t.UserAccount)).one():
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
            rows = session.exec(select(t.UserAccount).limit(2)).all()
        if len(rows) != 1:
            return None
        r = rows[0]
        return Account(r.username, r.display_name, r.role, r.active, as_utc(r.locked_until))

    def has_password(self, username: str) -> bool:
        """Whether the account can sign in with a password (a personal account has none until one is set)."""
        with Session(self.engine) as session:
            account = session.exec(select(t.UserAccount).where(t.UserAccount.username == _clean_username(username))).first()
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
                throttle.check(session, throttle.PASSWORD, f"account:{name}", address, PASSWORD_LIMITS, now,
                               "failed sign-ins")
            except throttle.Throttled as exc:
                raise LoginFailed(str(exc)) from None
            account = session.exec(select(t.UserAccount).where(t.UserAccount.username == name)).first()
            connection = session.connection()
            seen_from = {"address": address} if address else {}
            if account is None or not account.active:
                throttle.record(session, throttle.PASSWORD, f"account:{name}", address, now)
                audit_log.append(connection, now, name or "?", "login.failed", f"user:{name}",
                                 {"reason": "unknown", **seen_from})
                session.commit()
                raise LoginFailed("wrong user name or password")
            locked_until = as_utc(account.locked_until)
            if locked_until is not None and locked_until > now:
                audit_log.append(connection, now, name, "login.refused", f"user:{name}", {"reason": "locked"})
                session.commit()
                minutes = max(1, round((locked_until - now).total_seconds() / 60))
                raise LoginFailed(f"too many failed logins: try again in {minutes} minute{'s' if minutes != 1 else ''}")
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
                raise LoginFailed("wrong user name or password")
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
            raise AccountError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
        if problem := password_problem(name, password):
            raise AccountError(problem)
        with WriteTransaction(self.engine, "add the account") as session:
            if session.exec(select(t.UserAccount).where(t.UserAccount.username == name)).first() is not None:
                raise AccountError(f"there is already an account {name!r}")
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
            account = session.exec(select(t.UserAccount).where(t.UserAccount.username == name)).first()
            if account is None:
                raise AccountError(f"no account {name!r}")
            if name == actor.username and actor.role != ADMIN and not self._verify(account.password_hash, current or ""):
                raise AccountError("the current password is not right")
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
            rows = session.exec(select(t.UserAccount).order_by(t.UserAccount.role, t.UserAccount.username)).all()
        return [Account(r.username, r.display_name, r.role, r.active, as_utc(r.locked_until)) for r in rows]

    def account(self, username: str) -> Account | None:
        with Session(self.engine) as session:
            r = session.exec(select(t.UserAccount).where(t.UserAccount.username == _clean_username(username))).first()
        return Account(r.username, r.display_name, r.role, r.active, as_utc(r.locked_until)) if r else None

    # -- cohorts -------------------------------------------------------------------------------

    def add_cohort(self, actor: Actor, name: str, qualification: str, tutor: str) -> None:
        self.gate(actor, "user.manage")
        with WriteTransaction(self.engine, "add the cohort") as session:
            if not name.strip():
                raise AccountError("a cohort needs a name")
            if session.exec(select(t.Cohort).where(t.Cohort.name == name.strip())).first() is not None:
                raise AccountError(f"there is already a cohort {name.strip()!r}")
            self._require_role(session, tutor, TUTOR)
            found = session.exec(select(t.Qualification.id).join(
                t.DocumentVersion, t.DocumentVersion.id == t.Qualification.document_id).where(
                t.DocumentVersion.is_current, t.Qualification.number == qualification.strip())).first()
            if found is None:
                raise AccountError(f"no qualification {qualification.strip()!r} in the catalogue")
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
            row = session.exec(select(t.Cohort).where(t.Cohort.name == cohort.strip())).first()
            if row is None:
                raise AccountError(f"no cohort {cohort.strip()!r}")
            now = self.now()
            for learner in learners:
                name = _clean_username(learner)
                self._require_role(session, name, LEARNER)
                exists = session.exec(select(t.CohortMember).where(t.CohortMember.cohort_id == row.id,
                                                                   t.CohortMember.learner == name)).first()
                if exists is None:
                    session.add(t.CohortMember(cohort_id=row.id, learner=name))
                    audit_log.append(session.connection(), now, actor.username, "cohort.enrolled",
                                     f"cohort:{row.name}", {"learner": name})
                    added += 1
            session.commit()
        return added

    def cohorts(self, actor: Actor) -> list[CohortInfo]:
        """The cohorts an actor may see: a tutor's own; all for quality assurers and admins; a learner's own."""
        with Session(self.engine) as session:
            query = select(t.Cohort).order_by(t.Cohort.name)
            if actor.role == TUTOR:
                query = query.where(t.Cohort.tutor == actor.username)
            elif actor.role == LEARNER:
                query = query.join(t.CohortMember, t.CohortMember.cohort_id == t.Cohort.id).where(
                    t.CohortMember.learner == actor.username)
            elif actor.role not in (ADMIN, "iqa"):
                return []
            result = []
            for cohort in session.exec(query).all():
                members = session.exec(select(t.CohortMember.learner).where(t.CohortMember.cohort_id == cohort.id)
                                       .order_by(t.CohortMember.learner)).all()
                result.append(CohortInfo(cohort.name, cohort.qualification, cohort.tutor, tuple(members)))
            return result

    @staticmethod
    def _require_role(session: Session, username: str, role: str) -> None:
        account = session.exec(select(t.UserAccount).where(t.UserAccount.username == username.strip())).first()
        if account is None:
            raise AccountError(f"no account {username.strip()!r}")
        if account.role != role:
            raise AccountError(f"{username.strip()} is a {account.role}, not a {role}")

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
