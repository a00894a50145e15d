"""Accounts: argon2id hashes, no password anywhere in clear, the login throttle, first-run accounts."""

from __future__ import annotations

import json
import sqlite3

import pytest
from argon2 import PasswordHasher

from tests.review.conftest import PASSWORD, cheap_hasher
from tutor.domain.access import MAX_FAILED_LOGINS
from tutor.services.accounts import SETUP, AccountError, AccountService, LoginFailed
from tutor.storage import audit_log


def dump(url: str) -> str:
    db = sqlite3.connect(url.removeprefix("sqlite:///"))
    text = "\n".join(db.iterdump())
    db.close()
    return text


def test_hashes_are_argon2id_and_no_password_is_stored_or_logged(centre):
    centre.accounts.login("lee", PASSWORD)
    with pytest.raises(LoginFailed):
        centre.accounts.login("lee", "a wrong password guess")
    text = dump(centre.url)
    assert PASSWORD not in text and "a wrong password guess" not in text
    db = sqlite3.connect(centre.url.removeprefix("sqlite:///"))
    hashes = [h for (h,) in db.execute("SELECT password_hash FROM user_account")]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)


@pytest.mark.parametrize(("username", "password"), [
    ("lee", "not the password"), ("nobody", PASSWORD), ("", PASSWORD), ("lee", ""),
])
def test_every_failed_login_reads_alike(centre, username, password):
    with pytest.raises(LoginFailed, match="^wrong user name or password$"):
        centre.accounts.login(username, password)


def test_five_failures_lock_the_account_for_five_minutes_and_are_logged(centre):
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(LoginFailed, match="wrong"):
            centre.accounts.login("lou", "guess guess guess")
    with pytest.raises(LoginFailed, match="too many failed logins: try again in 5 minutes"):
        centre.accounts.login("lou", PASSWORD)  # even the right password waits
    centre.clock.advance(minutes=5, seconds=1)
    assert centre.accounts.login("lou", PASSWORD).role == "learner"
    kinds = [r.kind for r in audit_log.records(centre.engine) if r.subject == "user:lou"]
    assert kinds.count("login.failed") == MAX_FAILED_LOGINS
    assert kinds[-3:] == ["login.locked", "login.refused", "login.ok"]


def test_a_failure_after_the_lock_locks_again(centre):
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(LoginFailed):
            centre.accounts.login("max", "guess guess guess")
    centre.clock.advance(minutes=6)
    with pytest.raises(LoginFailed, match="wrong"):
        centre.accounts.login("max", "guess again guess")
    with pytest.raises(LoginFailed, match="too many"):
        centre.accounts.login("max", PASSWORD)


def test_one_computer_is_held_back_after_twenty_failed_sign_ins_on_any_accounts(centre):
    from tutor.domain.access import PASSWORD_LIMITS

    for attempt in range(PASSWORD_LIMITS["address"].failures):  # spread over accounts: none locks itself
        with pytest.raises(LoginFailed, match="^wrong user name or password$"):
            centre.accounts.login(f"guess{attempt}", "guess guess guess", address="192.0.2.9")
    with pytest.raises(LoginFailed, match="too many failed sign-ins from this computer: try again in 10 minutes"):
        centre.accounts.login("lee", PASSWORD, address="192.0.2.9")  # the right password waits too
    assert centre.accounts.login("lee", PASSWORD, address="192.0.2.10").username == "lee"
    assert centre.accounts.login("lee", PASSWORD).username == "lee"  # the command line has no address
    failures = [json.loads(r.data) for r in audit_log.records(centre.engine) if r.kind == "login.failed"]
    assert failures[-1]["address"] == "192.0.2.9"
    centre.clock.advance(minutes=10, seconds=1)
    assert centre.accounts.login("lee", PASSWORD, address="192.0.2.9").username == "lee"


def test_a_weaker_hash_is_upgraded_at_the_next_good_login(centre):
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    db = sqlite3.connect(centre.url.removeprefix("sqlite:///"))
    before = db.execute("SELECT password_hash FROM user_account WHERE username='lee'").fetchone()[0]
    AccountService(centre.engine, centre.clock.now, stronger).login("lee", PASSWORD)
    after = db.execute("SELECT password_hash FROM user_account WHERE username='lee'").fetchone()[0]
    assert "t=1" in before and "t=2" in after and after.startswith("$argon2id$")
    assert not stronger.check_needs_rehash(after)


def test_first_run_creates_an_admin_and_a_learner_once(bank_url, tmp_path, clock):
    from tests.conftest import copy_database
    from tutor.storage.engine import open_database

    engine = open_database(copy_database(bank_url, tmp_path / "fresh.db"))
    accounts = AccountService(engine, clock.now, cheap_hasher())
    assert not accounts.has_accounts()
    passwords = accounts.bootstrap("sam")
    assert set(passwords) == {"admin", "sam"}
    assert accounts.login("admin", passwords["admin"]).role == "admin"
    assert accounts.login("sam", passwords["sam"]).role == "learner"
    assert accounts.bootstrap("sam") is None


@pytest.mark.parametrize(("username", "role", "password", "message"), [
    ("new.person", "learner", "short", "at least 10 characters"),
    ("new.person", "learner", "123456789", "at least 10 characters"),
    ("longname.x", "learner", "longname.x", "cannot be the user name"),
    ("bad name!", "learner", PASSWORD, "letters, digits"),
    ("new.person", "wizard", PASSWORD, "unknown role"),
    ("lee", "learner", PASSWORD, "already an account"),
])
def test_account_rules(centre, username, role, password, message):
    with pytest.raises(AccountError, match=message):
        centre.accounts.add_user(SETUP, username, "X", role, password)


def test_people_change_their_own_password_with_the_current_one(centre):
    lee = centre.actor("lee")
    with pytest.raises(AccountError, match="current password"):
        centre.accounts.set_password(lee, "lee", "a brand new password", current="wrong")
    centre.accounts.set_password(lee, "lee", "a brand new password", current=PASSWORD)
    assert centre.accounts.login("lee", "a brand new password").username == "lee"


def test_a_personal_database_gives_its_one_user_their_account_without_a_password(bank_url, tmp_path, clock):
    """No accounts: the operating-system user's learner account is made (no password can sign in to it);
    their own sole account is theirs again next time; anyone else's account makes the database shared."""
    from tests.conftest import copy_database
    from tutor.storage.engine import open_database

    engine = open_database(copy_database(bank_url, tmp_path / "own.db"))
    accounts = AccountService(engine, clock.now, cheap_hasher())
    sam = accounts.personal_account("sam")
    assert (sam.username, sam.role) == ("sam", "learner")
    assert accounts.personal_account("sam") == sam and len(accounts.accounts(SETUP)) == 1
    assert not accounts.has_password("sam")
    for guess in ("", "!", "sam"):
        with pytest.raises(LoginFailed):
            accounts.login("sam", guess)
    assert accounts.personal_account("kim") is None  # someone else's login on sam's file
    added = [r for r in audit_log.records(engine) if r.kind == "user.added"]
    assert [(r.subject, json.loads(r.data).get("personal")) for r in added] == [("user:sam", True)]
    accounts.add_user(SETUP, "tina", "Tina", "tutor", PASSWORD)
    assert accounts.personal_account("sam") is None  # shared now: everyone signs in
